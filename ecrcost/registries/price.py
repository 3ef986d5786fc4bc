"""Price every plan of the plan file for one workload (pure: plan rows x `Workload` -> DataFrame).

For each plan: base_usd = its fee (USD/day x 365.25/12, `units.DAYS_PER_MONTH`; USD/user-month x seats); storage_usd and
transfer_usd = its tier ladders applied to the workload quantity each ladder names (a JFrog
consumption ladder is split between the two in proportion to the GB behind it); monthly_usd = the
sum, NaN when any part is unknown (an unknown quantity at a non-zero rate). A tier whose price is
not known is priced at the last known (non-zero) rate below it: tiers only fall with volume, so
the figure is an **upper bound**, listed in `upper_bound` (the columns that are bounds, e.g.
``["transfer_usd", "monthly_usd"]``; renderers show them as "≤ $X") and said in the notes.
`unbilled_usd` is what published-but-uncharged rates would add. A plan fits when every limit
holds; `fit_reason` says which does not.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..pricing.tiers import split_tiers
from .plans import PLAN_DAYS_PER_MONTH, RATE_ITEMS, REGISTRIES, weakest
from .workload import DEFAULT_USERS, Workload

TRANSFER_QUANTITIES = ("pulled_gb", "internet_gb", "consumption_gb")
PRICED_COLUMNS = [
    "registry",
    "plan",
    "monthly_usd",
    "storage_usd",
    "transfer_usd",
    "base_usd",
    "fits",
    "fit_reason",
    "unbilled_usd",
    "storage_gb",
    "transfer_gb",
    "confidence",
    "notes",
    "price_date",
    "upper_bound",
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
    """A rate or fee per month: per-day units x 365.25/12 days (`units.DAYS_PER_MONTH`, the month
    of every figure), others unchanged."""
    return value * PLAN_DAYS_PER_MONTH if unit.endswith("day") else value


Row = dict[str, Any]


def ladder_cost(quantity: float, ladder: list[Row]) -> tuple[float, list[bool], bool]:
    """Cost per month of `quantity` on one ladder (plan-file rows as dicts, sorted by tier_start).

    Returns (usd, used, bound) where `used` marks the tiers the quantity reaches (the first tier
    always) and `bound` is True when usd is an upper bound: the quantity reaches a tier whose price
    is unknown, priced at the last known non-zero rate below it (tiers only fall with volume).
    NaN usd when the quantity is unknown and some rate is not zero, or when an unknown tier has no
    known non-zero rate below it. A tier with a `block` bills its part rounded up to whole blocks.
    Worked examples (tests/test_registries.py runs them):

    - GAR storage, $0 to 0.5 GB then $0.10/GB-month: 0.5 GB -> $0; 1.5 GB -> $0.10.
    - ACR Basic storage, $0 to 10 GB then $0.003/GB-day: 11 GB -> 1 x 0.003 x 365.25/12 = $0.0913125.
    - GitLab Free packs, $0 to 10 GB then $0.5/GB-month in 10 GB blocks: 10 GB -> $0;
      10.1 GB -> one pack, $5; 20.5 GB -> two packs, $10.
    - A tier whose price is unknown: $0.12/GB to 1,024 GB, then unknown: 1,024 GB -> $122.88
      (exact); 1,025 GB -> at most $123.00 (bound). $0 to 100 GB, then unknown: 101 GB -> NaN (no
      known rate to bound it). An unknown quantity -> NaN, unless every rate is 0 (then $0).
    """
    rates = [monthly_rate(t["value"], t["unit"]) for t in ladder]
    if math.isnan(quantity):
        free = all(r == 0 for r in rates)  # an unknown (NaN) rate is not 0
        return (0.0 if free else math.nan), [True] * len(ladder), False
    split = split_tiers(max(quantity, 0.0), [(t["tier_start"], t["tier_end"], 0.0) for t in ladder])
    used = [
        part > 0 or t["tier_start"] == 0 for part, t in zip(split.quantities, ladder, strict=True)
    ]
    costs, bound, last_known = [], False, math.nan
    for part, rate, t in zip(split.quantities, rates, ladder, strict=True):
        if part <= 0:
            continue
        if math.isnan(rate):
            if not last_known > 0:  # nothing known above zero to bound it by
                return math.nan, used, False
            rate, bound = last_known, True
        else:
            last_known = rate
        billed = part if math.isnan(t["block"]) else math.ceil(part / t["block"]) * t["block"]
        costs.append(billed * rate)
    return math.fsum(costs), used, bound


def compile_plans(plans: pd.DataFrame) -> list[list[Row]]:
    """The rows of each (registry, plan) of a `load_plans` frame as dicts, in file order (price
    many workloads without re-grouping the frame)."""
    return [g.to_dict("records") for _, g in plans.groupby(["registry", "plan"], sort=False)]


def price_plans(plans: pd.DataFrame | list[list[Row]], w: Workload) -> pd.DataFrame:
    """One row per (registry, plan) of `plans` (a `load_plans` frame or `compile_plans` output),
    priced for `w`: PRICED_COLUMNS, registries in REGISTRIES order.

    The ECR row of a plan file is priced here only from its plan data (a $0 fee); `compare` replaces
    it with `ecrcost.costs`.
    """
    compiled = compile_plans(plans) if isinstance(plans, pd.DataFrame) else plans
    order = {r: i for i, r in enumerate(REGISTRIES)}
    rows = sorted((price_plan(p, w) for p in compiled), key=lambda r: order[r["registry"]])
    return pd.DataFrame(rows, columns=PRICED_COLUMNS)


def price_plan(rows: list[Row] | pd.DataFrame, w: Workload) -> dict[str, Any]:
    """Price one plan (its plan-file rows) for workload `w`; a dict with PRICED_COLUMNS."""
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    notes: list[str] = []
    used: list[Row] = []  # the figures behind the price (for confidence and price_date)
    base = _fee(rows, w, notes, used)
    sums, gb, bounds = _rates(rows, w, notes, used)
    fits, reasons = _limits(rows, w, notes, used)
    for r in used:
        if r["confidence"] == "low" and r["notes"] and r["notes"] not in notes:
            notes.append(f"low confidence: {r['notes']}")
    dates = [r["source_date"] for r in used if r["source_date"]] or [r["read_date"] for r in used]
    return {
        "registry": rows[0]["registry"],
        "plan": rows[0]["plan"],
        "monthly_usd": base + sums["storage"] + sums["transfer"],
        "storage_usd": sums["storage"],
        "transfer_usd": sums["transfer"],
        "base_usd": base,
        "fits": fits,
        "fit_reason": "; ".join(reasons),
        "unbilled_usd": sums["unbilled"],
        "storage_gb": gb["storage"],
        "transfer_gb": gb["transfer"],
        "confidence": weakest(r["confidence"] for r in used),
        "notes": "; ".join(dict.fromkeys(notes)),
        "price_date": min(dates),
        "upper_bound": bounds + ["monthly_usd"] if bounds else [],
    }


def _fee(rows: list[Row], w: Workload, notes: list[str], used: list[Row]) -> float:
    """The plan fee per month (x seats for a per-user fee)."""
    fee = next(r for r in rows if r["item"] == "fee")
    used.append(fee)
    if fee["notes"]:
        notes.append(fee["notes"])
    if fee["unit"] != "USD/user-month":
        return monthly_rate(fee["value"], fee["unit"])
    default = not w.users_given and w.users == DEFAULT_USERS
    notes.append(f"{w.users} seat(s){' (default; set --users N)' if default else ''}")
    return fee["value"] * w.users


def _rates(
    rows: list[Row], w: Workload, notes: list[str], used: list[Row]
) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """USD per month by bucket (storage, transfer, unbilled), the GB priced (storage, transfer) and
    the billed columns that are upper bounds ("storage_usd", "transfer_usd")."""
    bounds: list[str] = []
    sums = {"storage": 0.0, "transfer": 0.0, "unbilled": 0.0}
    gb = {"storage": math.nan, "transfer": math.nan}
    ladders: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        if r["item"] in RATE_ITEMS:
            ladders.setdefault((r["item"], r["quantity"]), []).append(r)
    for (item, qname), ladder in ladders.items():
        ladder.sort(key=lambda t: t["tier_start"])
        q, label, text = w.quantity(qname), LABELS.get(qname, qname), describe(ladder)
        usd, reached, bound = ladder_cost(q, ladder)
        if item != "unbilled":
            used += [t for t, u in zip(ladder, reached, strict=True) if u]
        if bound:
            notes.append(
                f"{item} is an upper bound (≤ {_usd(usd)}): {label} {q:,.2f} reach a tier whose "
                f"price is not known, priced at the last known rate (tiers only fall with volume): {text}"
            )
            if item != "unbilled":
                cols = (
                    ("storage_usd", "transfer_usd") if item == "consumption" else (f"{item}_usd",)
                )
                bounds += [c for c in cols if c not in bounds]
        nonzero = any(t["value"] != 0 for t in ladder)  # an unknown (NaN) price is not zero
        if not nonzero and item != "unbilled" and ladder[0]["notes"]:
            notes.append(ladder[0]["notes"])  # why it costs nothing ("currently free", ...)
        if math.isnan(usd) and nonzero:
            if not math.isnan(q):
                why = "(a tier's price is not known)"
            elif not w.traffic_given and qname in TRANSFER_QUANTITIES:
                why = "without a traffic profile (--traffic)"
            else:
                why = f"({label} unknown)"
            notes.append(f"{item} cost unknown {why}: {label} at {text}")
        if item == "consumption":
            _split_consumption(usd, w, sums, gb)
            notes.append(
                f"JFrog consumption = stored {w.stored_gb_global:,.2f} GB (each distinct blob once) "
                f"+ downloads + uploads, at {text}"
            )
        elif item == "unbilled":
            sums[item] += usd
            if nonzero and usd != 0:
                notes.append(
                    f"not charged today; if billed: +{_usd(usd)}/month ({label} at {text})"
                )
        else:
            sums[item] += usd
            gb[item] = q if math.isnan(gb[item]) else gb[item]
            if item == "storage" and nonzero:
                notes.append(f"storage on {label}: {q:,.2f} GB")
            if item == "transfer" and nonzero and qname == "pulled_gb":
                notes.append(
                    "every pulled GB leaves this registry's network (consumers stay where they are)"
                )
    return sums, gb, bounds


def _limits(
    rows: list[Row], w: Workload, notes: list[str], used: list[Row]
) -> tuple[bool, list[str]]:
    """Whether every limit holds, and why not; notes for fair-use inclusions and unknown quantities."""
    fits, reasons = True, []
    for r in rows:
        if r["item"] not in ("limit", "fair_use"):
            continue
        q, label = w.quantity(r["quantity"]), LABELS.get(r["quantity"], r["quantity"])
        if r["item"] == "limit":
            used.append(r)
        if math.isnan(q):
            notes.append(
                f"{label} unknown: {r['item'].replace('_', ' ')} of {r['value']:,g} {r['unit']} not checked"
            )
        elif q > r["value"] and r["item"] == "limit":
            fits = False
            reasons.append(
                f"{label} {q:,.2f} > {r['value']:,g} ({r['notes'] or 'plan limit'})".replace(
                    ".00 >", " >"
                )
            )
        elif q > r["value"]:
            notes.append(f"{label} {q:,.0f} above the included {r['value']:,g}: {r['notes']}")
        elif r["item"] == "fair_use" and r["notes"]:
            notes.append(r["notes"])
    return fits, reasons


def _split_consumption(
    usd: float, w: Workload, sums: dict[str, float], gb: dict[str, float]
) -> None:
    """Split a consumption charge into storage and transfer in proportion to their GB."""
    transfer_gb = w.pulled_gb + w.pushed_gb
    total = w.stored_gb_global + transfer_gb
    share = w.stored_gb_global / total if total > 0 else 0.0
    sums["storage"] += usd * share if not math.isnan(usd) else math.nan
    sums["transfer"] += usd * (1 - share) if not math.isnan(usd) else math.nan
    gb["storage"], gb["transfer"] = w.stored_gb_global, transfer_gb


def describe(ladder: list[Row]) -> str:
    """A ladder as text in monthly terms, e.g. "$0/GB-month to 10 GB; then $0.09125/GB-month"."""
    parts = []
    for i, t in enumerate(ladder):
        unit = "GB" if t["unit"] == "USD/GB" else "GB-month"
        rate = (
            "unknown $" if math.isnan(t["value"]) else f"${monthly_rate(t['value'], t['unit']):.4g}"
        )
        pack = "" if math.isnan(t["block"]) else f" in {t['block']:g} GB packs"
        upto = "" if math.isinf(t["tier_end"]) else f" to {t['tier_end']:,g} GB"
        parts.append(f"{'then ' if i else ''}{rate}/{unit}{pack}{upto}")
    day = " (USD/GB-day x 365.25/12)" if ladder[0]["unit"].endswith("day") else ""
    return "; ".join(parts) + day


def _usd(v: float) -> str:
    return "n/a" if math.isnan(v) else f"${v:,.2f}"
