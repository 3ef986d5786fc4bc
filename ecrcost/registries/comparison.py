"""`compare`: the snapshot's workload on every plan of nine registries, cheapest fitting plan marked.

The ECR row is `ecrcost.costs(snapshot, by="total", ...)` (the ECR price catalog and cost model);
every other plan is priced from the plan file by `price_plans`. See `COMPARE_COLUMNS`.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pandas as pd

from ..flags import with_code
from ..pricing.summary import cost_breakdown
from ..snapshot import Snapshot, load_snapshot
from ..traffic import as_traffic
from .plans import load_plans, weakest
from .price import PRICED_COLUMNS, price_plans
from .workload import Workload, workload

#: compare() columns. The JSON contract is registry, plan, monthly_usd, storage_usd, transfer_usd,
#: base_usd, fits, notes, price_date (USD per month; NaN = unknown); the rest are extras:
#: cheapest (the cheapest fitting plan of its registry), fit_reason, unbilled_usd (what published
#: but uncharged rates would add), storage_gb / transfer_gb (the quantities priced), confidence
#: (high/medium/low: the weakest price behind the figure), upper_bound (the *_usd columns that
#: are upper bounds -- a tier priced at the last known rate -- shown "≤ $X"; [] when exact).
_AFTER_FITS = PRICED_COLUMNS.index("fits") + 1
#: price_plans()' PRICED_COLUMNS with ``cheapest`` after ``fits`` (one list to keep in step)
COMPARE_COLUMNS = [*PRICED_COLUMNS[:_AFTER_FITS], "cheapest", *PRICED_COLUMNS[_AFTER_FITS:]]


#: the money columns every human-facing view of the comparison shows (the terminal table, the
#: demo, the report): what is billed today, its parts, and what is not billed today
MONEY_COLUMNS = [
    "registry",
    "plan",
    "monthly_usd",
    "storage_usd",
    "transfer_usd",
    "base_usd",
    "unbilled_usd",
]


def compare(
    snapshot: Snapshot | str | os.PathLike[str],
    traffic: Any = None,
    users: int | None = None,
    prices: Any = None,
    plans: pd.DataFrame | str | os.PathLike[str] | None = None,
    bill: Any = None,
) -> pd.DataFrame:
    """Price the snapshot's workload on every plan of every registry (one row per plan).

    `snapshot`: a Snapshot or its directory. `traffic`: a traffic profile or its TOML path (without
    one, transfer is unknown: NaN for every registry that charges for it). `users`: seats (default
    `DEFAULT_USERS`). `prices`: the ECR price catalog (or path) for the ECR row. `plans`: a plan
    file path or `load_plans` frame (default: the bundled plans). `bill`: a bill (DataFrame or
    BILLDIR) whose transfer-out GB calibrate the egress (`ecrcost.costs(..., bill=)`).

    Returns COMPARE_COLUMNS, registries in REGISTRIES order, ECR (plan "private", from
    `ecrcost.costs`) always first; ``.attrs["workload"]`` is the priced `Workload` as a dict and
    ``.attrs["method"]`` the ECR cost model's rules. ``price_date`` is the oldest source date of
    the prices behind a row (ECR: the price catalog's date).
    """
    snap = snapshot if isinstance(snapshot, Snapshot) else load_snapshot(snapshot)
    profile = as_traffic(traffic)
    plan_rows = plans if isinstance(plans, pd.DataFrame) else load_plans(plans)
    w = workload(snap, profile, users, bill)
    priced = price_plans(plan_rows[plan_rows["registry"] != "ecr"], w)
    ecr, method = ecr_row(snap, w, profile, prices, bill)
    # ECR is always there (from the cost model, whatever the plan file holds), first
    priced = pd.concat(
        [pd.DataFrame([{"registry": "ecr", "plan": "private", **ecr}]), priced], ignore_index=True
    )
    out = cheapest(priced)
    out.attrs["workload"] = w.to_dict()
    out.attrs["method"] = method
    return out


def ecr_row(
    snap: Snapshot, w: Workload, traffic: Any, prices: Any, bill: Any = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ECR (private) figures from `ecrcost.costs(snapshot, by="total")` and its line items."""

    total, items = cost_breakdown(snap, by="total", traffic=traffic, prices=prices, bill=bill)
    method = dict(total.attrs.get("method", {}))
    confidence = weakest(items["confidence"].dropna())
    replication = {
        k: float(items.loc[items["item"] == f"replication {k}", "usd"].sum(skipna=False))
        for k in ("storage", "transfer")
    }
    if len(total):
        t = total.iloc[0]
        # replication (destination storage, inter-region transfer) joins storage and transfer
        storage = float(t["storage_usd"]) + replication["storage"]
        transfer = float(t["egress_usd"]) + replication["transfer"]
        monthly = float(t["total_usd"])
        flags = list(t["flags"])
    else:  # a snapshot without repositories stores nothing and nothing is pulled from it
        storage, transfer, flags = 0.0, 0.0, []
        monthly = storage + transfer
    notes = [
        f"storage on stored GB (deduplicated per repository): {w.stored_gb:,.2f} GB at the ECR catalog price"
    ]
    if replication["storage"] or replication["transfer"]:
        notes.append(
            f"includes replication: ${replication['storage']:,.2f} destination storage, "
            f"${replication['transfer']:,.2f} inter-region transfer"
        )
    if traffic is None and math.isnan(transfer) and not with_code(flags, "egress-unknown"):
        notes.append(
            "egress cost unknown without a traffic profile (--traffic); same-region pulls are free, "
            "cross-region and internet pulls at the source region's internet rates"
        )
    notes += flags
    row = {
        "monthly_usd": monthly,
        "storage_usd": storage,
        "transfer_usd": transfer,
        "base_usd": 0.0,
        "fits": True,
        "fit_reason": "",
        "unbilled_usd": 0.0,
        "storage_gb": w.stored_gb,
        "transfer_gb": w.cross_region_gb + w.internet_gb,
        "confidence": confidence,
        "notes": "; ".join(notes),
        "price_date": str(method.get("catalog_date") or ""),
        "upper_bound": [],
    }
    return row, method


def cheapest(priced: pd.DataFrame) -> pd.DataFrame:
    """`priced` (PRICED_COLUMNS) with a ``cheapest`` column: per registry, the fitting plan with the
    lowest monthly_usd. When some fitting plan's monthly cost is unknown, plans are compared on
    base + storage (transfer rates are the same across a registry's plans), then on base alone, and
    the note says so. A registry with no fitting plan has no cheapest plan.
    """
    out = priced.copy()
    out["cheapest"] = False
    for _, g in out[out["fits"].astype(bool)].groupby("registry", sort=False):
        for key, note in (
            (g["monthly_usd"], None),
            (
                g["base_usd"] + g["storage_usd"],
                "cheapest judged on plan fee + storage (transfer unknown)",
            ),
            (g["base_usd"], "cheapest judged on the plan fee alone (storage and transfer unknown)"),
        ):
            if key.notna().all():
                best = key.astype(float).idxmin()
                out.loc[best, "cheapest"] = True
                if note and len(g) > 1:
                    out.loc[best, "notes"] = "; ".join(filter(None, [out.loc[best, "notes"], note]))
                break
    out["fits"] = out["fits"].astype(bool)
    out["cheapest"] = out["cheapest"].astype(bool)
    for col in (
        "monthly_usd",
        "storage_usd",
        "transfer_usd",
        "base_usd",
        "unbilled_usd",
        "storage_gb",
        "transfer_gb",
    ):
        out[col] = out[col].astype(float)
    return out[[c for c in COMPARE_COLUMNS if c in out.columns or c == "cheapest"]]


def cheapest_per_registry(compare_df: pd.DataFrame) -> pd.DataFrame:
    """One row per registry (REGISTRIES order): its cheapest fitting plan, or plan "(none fits)" with
    NaN costs when no plan fits."""
    rows = []
    for _, g in compare_df.groupby("registry", sort=False):
        best = g[g["cheapest"]]
        if len(best):
            rows.append(best.iloc[0])
        else:
            r = g.iloc[0].copy()
            r[["monthly_usd", "storage_usd", "transfer_usd", "base_usd"]] = np.nan
            r["plan"] = "(none fits)"
            rows.append(r)
    return pd.DataFrame(rows).reset_index(drop=True)
