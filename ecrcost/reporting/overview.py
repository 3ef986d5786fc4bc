"""The first screen of the monthly report, as data: the month's total and its change, the biggest
movers, the savings available now, the cheapest *billed* alternative and the data's coverage.

    headline(by_repo, base_by_repo, savings_usd=12.5, comparison=cmp, targets=snap.targets)
    movers(base_by_repo, by_repo, n=3)
    billed_alternatives(cmp)

Pure functions over the stage outputs (`ecrcost.costs(by="repository")`, `ecrcost.compare`, the
snapshot's targets); the report's first section renders them. Money is USD per month; unknown is
NaN, never $0. A plan whose price is "not billed today" (published but uncharged rates:
`unbilled_usd` > 0 or unknown, or ``billed`` false where the comparison says so) is never the
cheapest alternative: it is listed as not billed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..snapshot_diff import diff_frames
from ..storage import REPO_KEY

#: headline() columns
HEADLINE_COLUMNS = [
    "month",
    "money",
    "total_usd",
    "previous_usd",
    "change_usd",
    "change_pct",
    "baseline",
    "savings_usd",
    "alternative",
    "alternative_usd",
    "alternative_delta_usd",
    "unbilled",
    "targets",
    "failed",
    "partial",
]


def money_column(by_repo: pd.DataFrame) -> str:
    """total_usd when every repository's total is known, else storage_usd: what the report ranks
    and heads with (a known $0 egress of never-pulled repositories must not rank them above pulled
    ones of unknown egress)."""
    if len(by_repo) and by_repo["total_usd"].notna().all():
        return "total_usd"
    return "storage_usd"


def movers(before: pd.DataFrame, after: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The `n` repositories whose monthly cost changed most between two
    `costs(by="repository")` frames (added and removed ones included). Columns of
    `ecrcost.snapshot_diff.diff_frames`: account_id, region, repository, change, old_usd, new_usd,
    delta_usd, old_bytes, new_bytes, delta_bytes, old_images, new_images."""
    d = diff_frames(before, after, REPO_KEY)
    return d[d["change"] != "unchanged"].head(n).reset_index(drop=True)


def _billed(cmp: pd.DataFrame) -> pd.Series:
    if "billed" in cmp.columns:
        return cmp["billed"].fillna(False).astype(bool)
    if "unbilled_usd" not in cmp.columns:
        return pd.Series(True, index=cmp.index)
    # billed plans have unbilled_usd exactly 0; > 0, or unknown (NaN: an uncharged rate on an
    # unknown quantity), means part of the plan's price is not billed today
    return pd.to_numeric(cmp["unbilled_usd"], errors="coerce").eq(0)


def billed_alternatives(cmp: pd.DataFrame) -> pd.DataFrame:
    """The cheapest fitting plan of every registry other than ECR (from `ecrcost.compare`), billed
    plans first, cheapest first; plans not billed today after them.

    Columns: registry, plan, monthly_usd, billed (bool), unbilled_usd (what published but uncharged
    rates would add; NaN when none), confidence, notes.
    """
    rows = cmp[cmp["registry"] != "ecr"].copy()
    if "cheapest" in rows.columns:
        rows = rows[rows["cheapest"].fillna(False).astype(bool)]
    elif "fits" in rows.columns:
        rows = rows[rows["fits"].fillna(False).astype(bool)]
    rows["billed"] = _billed(rows)
    if "unbilled_usd" not in rows.columns:
        rows["unbilled_usd"] = np.nan
    for c in ("confidence", "notes"):
        if c not in rows.columns:
            rows[c] = ""
    rows = rows.sort_values(
        ["billed", "monthly_usd", "registry"],
        ascending=[False, True, True],
        kind="stable",
        na_position="last",
    )
    cols = ["registry", "plan", "monthly_usd", "billed", "unbilled_usd", "confidence", "notes"]
    return rows[cols].reset_index(drop=True)


def headline(
    by_repo: pd.DataFrame,
    base_by_repo: pd.DataFrame | None,
    *,
    month: str,
    savings_usd: float,
    comparison: pd.DataFrame | None,
    targets: pd.DataFrame,
) -> pd.DataFrame:
    """One row: the month's answers (HEADLINE_COLUMNS).

    money: the column compared (total_usd, or storage_usd while egress is unknown); total_usd: this
    month's figure of that column; previous_usd / change_usd / change_pct: against the baseline
    (NaN and baseline "no baseline" without one); savings_usd: deleting the savings candidates now;
    alternative / alternative_usd: the cheapest billed fitting plan elsewhere and its monthly cost,
    alternative_delta_usd: it minus ECR's (negative = cheaper elsewhere); unbilled: the registries
    whose fitting plan is not billed today ("; "-joined); targets / failed / partial: account-region
    counts.
    """
    money = money_column(by_repo)
    total = float(pd.to_numeric(by_repo[money], errors="coerce").sum(min_count=1))
    if base_by_repo is not None:
        prev_col = money if money in base_by_repo.columns else "storage_usd"
        prev = float(pd.to_numeric(base_by_repo[prev_col], errors="coerce").sum(min_count=1))
        baseline = "baseline"
    else:
        prev, baseline = math.nan, "no baseline"
    change = total - prev
    pct = 100 * change / prev if prev else math.nan
    alt, alt_usd, unbilled = "", math.nan, ""
    if comparison is not None and len(comparison):
        alts = billed_alternatives(comparison)
        billed = alts[alts["billed"] & alts["monthly_usd"].notna()]
        if len(billed):
            alt = f"{billed.iloc[0]['registry']} {billed.iloc[0]['plan']}"
            alt_usd = float(billed.iloc[0]["monthly_usd"])
        unbilled = "; ".join(f"{r.registry} {r.plan}" for r in alts[~alts["billed"]].itertuples())
    ecr_total = float(pd.to_numeric(by_repo["total_usd"], errors="coerce").sum(min_count=1))
    status = targets["status"].astype(str) if len(targets) else pd.Series(dtype=str)
    row = {
        "month": month,
        "money": money,
        "total_usd": total,
        "previous_usd": prev,
        "change_usd": change,
        "change_pct": pct,
        "baseline": baseline,
        "savings_usd": savings_usd,
        "alternative": alt,
        "alternative_usd": alt_usd,
        "alternative_delta_usd": alt_usd - ecr_total,
        "unbilled": unbilled,
        "targets": len(targets),
        "failed": int((status == "failed").sum()),
        "partial": int((status == "partial").sum()),
    }
    return pd.DataFrame([row], columns=HEADLINE_COLUMNS)
