"""Price every plan of the plan file for one workload (pure: plan rows x `Workload` -> DataFrame).

For each plan: base_usd = its fee (USD/day x 365/12; USD/user-month x seats); storage_usd and
transfer_usd = its tier ladders applied to the workload quantity each ladder names (a JFrog
consumption ladder is split between the two in proportion to the GB behind it); monthly_usd = the
sum, NaN when any part is unknown (an unknown quantity at a non-zero rate, or a tier whose price is
not known). `unbilled_usd` is what published-but-uncharged rates would add. A plan fits when every
limit holds; `fit_reason` says which does not.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..pricing.tiers import split_tiers
from .plans import DAYS_PER_MONTH, RATE_ITEMS, REGISTRIES, weakest
from .workload import DEFAULT_USERS, Workload

PRICED_COLUMNS = [
    "registry", "plan", "monthly_usd", "storage_usd", "transfer_usd", "base_usd", "fits", "fit_reason",
    "unbilled_usd", "storage_gb", "transfer_gb", "confidence", "notes", "price_date",
]
LABELS = {
    "stored_gb": "stored GB (deduplicated per repository)",
    "stored_gb_global": "stored GB (each distinct blob once, registry-wide)",
    "largest_repository_gb": "largest repository GB",
    "repositories": "private repositories",
    "users": "users",
    "pulls_per_month": "pulls/month",
    "pulls_per_hour": "average pulls/hour",
    "pulled_gb": "pulled GB/month",
    "internet_gb": "GB/month pulled to the internet",
    "pushed_gb": "pushed GB/month",
    "consumption_gb": "consumption GB/month (storage + downloads + uploads)",
}


def monthly_rate(value: float, unit: str) -> float:
    """A rate or fee per month: per-day units x 365/12, others unchanged."""
    return value * DAYS_PER_MONTH if unit.endswith("day") else value


def ladder_cost(quantity: float, ladder: pd.DataFrame) -> tuple[float, np.ndarray]:
    """Cost per month of `quantity` on one ladder (plan-file rows sorted by tier_start).

    Returns (usd, used) where `used` marks the tiers the quantity reaches (the first tier always).
    NaN usd when the quantity is unknown and some rate is not zero, or when the quantity reaches a
    tier whose price is unknown. A tier with a `block` bills its part rounded up to whole blocks.
    """
    rates = np.array([monthly_rate(v, u) for v, u in zip(ladder["value"], ladder["unit"], strict=True)])
    starts = ladder["tier_start"].to_numpy(float)
    if math.isnan(quantity):
        free = bool(np.all(rates == 0))  # NaN rates are not 0
        return (0.0 if free else math.nan), np.ones(len(ladder), dtype=bool)
    tiers = [(s, e, 0.0) for s, e in zip(starts, ladder["tier_end"], strict=True)]
    parts = np.array(split_tiers(max(quantity, 0.0), tiers).quantities)
    blocks = ladder["block"].to_numpy(float)
    billed = np.where(np.isnan(blocks), parts, np.ceil(parts / np.where(np.isnan(blocks), 1, blocks)) * blocks)
    used = (parts > 0) | (starts == 0)
    if np.any(np.isnan(rates) & (parts > 0)):
        return math.nan, used
    return float(math.fsum(np.where(parts > 0, billed * np.nan_to_num(rates), 0.0))), used


def price_plans(plans: pd.DataFrame, w: Workload) -> pd.DataFrame:
    """One row per (registry, plan) of `plans` (from `load_plans`), priced for `w`: PRICED_COLUMNS.

    The ECR row of a plan file is priced here only from its plan data (a $0 fee); `compare` replaces
    it with `ecrcost.costs`.
    """
    rows = [price_plan(g, w) for _, g in plans.groupby(["registry", "plan"], sort=False)]
    out = pd.DataFrame(rows, columns=PRICED_COLUMNS)
    order = {r: i for i, r in enumerate(REGISTRIES)}
    return out.sort_values("registry", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def price_plan(rows: pd.DataFrame, w: Workload) -> dict[str, Any]:
    """Price one plan (its plan-file rows) for workload `w`; a dict with PRICED_COLUMNS."""
    registry, plan = rows["registry"].iloc[0], rows["plan"].iloc[0]
    notes: list[str] = []
    used_rows: list[int] = []

    fee = rows[rows["item"] == "fee"].iloc[0]
    seats = w.users if fee["unit"] == "USD/user-month" else 1
    base = monthly_rate(fee["value"], fee["unit"]) * seats
    used_rows.append(fee.name)  # type: ignore[arg-type]
    if fee["notes"]:
        notes.append(fee["notes"])
    if fee["unit"] == "USD/user-month":
        default = not w.users_given and w.users == DEFAULT_USERS
        notes.append(f"{w.users} seat(s){' (default; set --users N)' if default else ''}")

    sums = {"storage": 0.0, "transfer": 0.0, "unbilled": 0.0}
    gb: dict[str, float] = {"storage": math.nan, "transfer": math.nan}
    for (item, qname), ladder in rows[rows["item"].isin(RATE_ITEMS)].groupby(["item", "quantity"], sort=False):
        ladder = ladder.sort_values("tier_start")
        q = w.quantity(qname)
        usd, used = ladder_cost(q, ladder)
        if item != "unbilled":
            used_rows += list(ladder.index[used])
        nonzero = not bool((ladder["value"] == 0).all())  # an unknown (NaN) price is not zero
        text = describe(ladder)
        if math.isnan(usd) and nonzero:
            why = "without a traffic profile (--traffic)" if math.isnan(q) else "(a tier's price is not known)"
            notes.append(f"{item} cost unknown {why}: {LABELS.get(qname, qname)} at {text}")
        if item == "consumption":
            _split_consumption(usd, w, sums, gb)
            notes.append(f"JFrog consumption = stored {w.stored_gb_global:,.2f} GB (each distinct blob once) "
                         f"+ downloads + uploads, at {text}")
            continue
        sums[item] += usd
        if item == "unbilled":
            if nonzero and not usd == 0:
                notes.append(f"not charged today; if billed: +{_usd(usd)}/month ({LABELS.get(qname, qname)} at {text})")
            continue
        gb[item] = q if math.isnan(gb[item]) else gb[item]
        if item == "storage" and nonzero:
            notes.append(f"storage on {LABELS.get(qname, qname)}: {q:,.2f} GB")
        if item == "transfer" and nonzero and qname == "pulled_gb":
            notes.append("every pulled GB leaves this registry's network (consumers stay where they are)")

    fits, reasons = True, []
    for _, r in rows[rows["item"].isin(["limit", "fair_use"])].iterrows():
        q = w.quantity(r["quantity"])
        label = LABELS.get(r["quantity"], r["quantity"])
        if r["item"] == "limit":
            used_rows.append(r.name)
        if math.isnan(q):
            notes.append(f"{label} unknown: {r['item'].replace('_', ' ')} of {r['value']:,g} {r['unit']} not checked")
        elif q > r["value"] and r["item"] == "limit":
            fits = False
            reasons.append(f"{label} {q:,.2f} > {r['value']:,g} ({r['notes'] or 'plan limit'})".replace(".00 >", " >"))
        elif q > r["value"]:
            notes.append(f"{label} {q:,.0f} above the included {r['value']:,g}: {r['notes']}")
        elif r["item"] == "fair_use" and r["notes"]:
            notes.append(r["notes"])

    used = rows.loc[used_rows]
    confidence = weakest(used["confidence"])
    for n in used.loc[(used["confidence"] == "low") & (used["notes"] != ""), "notes"].drop_duplicates():
        if n not in notes:
            notes.append(f"low confidence: {n}")
    dates = [d for d in used["source_date"] if d] or list(used["read_date"])
    monthly = base + sums["storage"] + sums["transfer"]
    return {
        "registry": registry, "plan": plan, "monthly_usd": monthly, "storage_usd": sums["storage"],
        "transfer_usd": sums["transfer"], "base_usd": base, "fits": fits, "fit_reason": "; ".join(reasons),
        "unbilled_usd": sums["unbilled"], "storage_gb": gb["storage"], "transfer_gb": gb["transfer"],
        "confidence": confidence, "notes": "; ".join(dict.fromkeys(notes)), "price_date": min(dates),
    }


def _split_consumption(usd: float, w: Workload, sums: dict[str, float], gb: dict[str, float]) -> None:
    """Split a consumption charge into storage and transfer in proportion to their GB."""
    transfer_gb = w.pulled_gb + w.pushed_gb
    total = w.stored_gb_global + transfer_gb
    share = w.stored_gb_global / total if total > 0 else 0.0
    sums["storage"] += usd * share if not math.isnan(usd) else math.nan
    sums["transfer"] += usd * (1 - share) if not math.isnan(usd) else math.nan
    gb["storage"], gb["transfer"] = w.stored_gb_global, transfer_gb


def describe(ladder: pd.DataFrame) -> str:
    """A ladder as text in monthly terms, e.g. "$0/GB-month to 10 GB; then $0.09125/GB-month"."""
    parts = []
    for i, t in enumerate(ladder.itertuples(index=False)):
        unit = "GB" if t.unit == "USD/GB" else "GB-month"
        rate = "unknown $" if math.isnan(t.value) else f"${monthly_rate(t.value, t.unit):.4g}"
        pack = "" if math.isnan(t.block) else f" in {t.block:g} GB packs"
        upto = "" if math.isinf(t.tier_end) else f" to {t.tier_end:,g} GB"
        parts.append(f"{'then ' if i else ''}{rate}/{unit}{pack}{upto}")
    day = " (USD/GB-day x 365/12)" if ladder["unit"].iloc[0].endswith("day") else ""
    return "; ".join(parts) + day


def _usd(v: float) -> str:
    return "n/a" if math.isnan(v) else f"${v:,.2f}"
