"""The cost-vs-storage sweep: each registry's cheapest fitting plan as stored GB grows.

`storage_sweep(source)` prices the same workload at stored GB from 0 to `max_factor` x today
(registry-wide stored GB and the largest repository scale together; pulls, transfer,
repositories and seats stay as today) and returns the curves as a DataFrame; the chart
`compare_charts.cost_vs_storage` only draws them.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pandas as pd

from ..registries.comparison import cheapest, compare
from ..registries.plans import REGISTRIES, load_plans
from ..registries.price import Row, compile_plans, price_plans
from ..registries.workload import Workload
from ..snapshot import Snapshot


def storage_sweep(
    source: Snapshot | Workload | pd.DataFrame | str | os.PathLike[str],
    compare_df: pd.DataFrame | None = None,
    *,
    traffic: Any = None,
    users: int | None = None,
    prices: Any = None,
    plans: Any = None,
    max_factor: float = 10.0,
    points: int = 41,
) -> pd.DataFrame:
    """Monthly USD of each registry's cheapest fitting plan against stored GB (layers
    deduplicated per repository), at `points` steps from 0 to `max_factor` x today.

    `source` is a Snapshot (or its directory) -- priced with `compare` unless `compare_df` is
    given --, a `compare` frame (its workload is in ``.attrs["workload"]``), or a `Workload`. The
    ECR curve needs the ECR row of `compare_df` (its storage price is linear in GB); it is left
    out for a bare `Workload`.

    Columns: stored_gb, then one column per registry with a curve, in `REGISTRIES` order (USD per
    month; NaN where the cost is unknown or no plan fits). ``.attrs``: "today" (registry -> USD
    per month of today's workload), "stored_gb" (today's; NaN when unknown), "max_factor",
    "unbilled" (registries whose cheapest plan today has published rates not charged today: their
    curve is what is billed today).
    """
    if isinstance(source, pd.DataFrame):
        compare_df = source
    if isinstance(source, Workload):
        w = source
    else:
        if compare_df is None:
            compare_df = compare(source, traffic=traffic, users=users, prices=prices, plans=plans)
        w = Workload.from_dict(compare_df.attrs["workload"])
    plan_rows = plans if isinstance(plans, pd.DataFrame) else load_plans(plans)
    plan_rows = compile_plans(plan_rows[plan_rows["registry"] != "ecr"])
    known = not math.isnan(w.stored_gb)
    today = w.stored_gb if known and w.stored_gb > 0 else 1.0
    xs = np.linspace(0.0, today * max_factor, points)
    curves: dict[str, np.ndarray] = {}
    for i, x in enumerate(xs):
        for registry, cost in _cheapest_costs(plan_rows, w.with_stored(x)).items():
            curves.setdefault(registry, np.full(len(xs), np.nan))[i] = cost
    now = _cheapest_costs(plan_rows, w)
    today_best = cheapest(price_plans(plan_rows, w))
    today_best = today_best[today_best["cheapest"]]
    unbilled = sorted(today_best.loc[today_best["unbilled_usd"].fillna(0) > 0, "registry"])
    ecr = compare_df[compare_df["registry"] == "ecr"] if compare_df is not None else None
    if ecr is not None and len(ecr) and w.stored_gb > 0:
        e = ecr.iloc[0]
        curves["ecr"] = e["base_usd"] + e["storage_usd"] * xs / w.stored_gb + e["transfer_usd"]
        now["ecr"] = e["monthly_usd"]
    out = pd.DataFrame({"stored_gb": xs, **{r: curves[r] for r in REGISTRIES if r in curves}})
    out.attrs.update(today=now, stored_gb=w.stored_gb, max_factor=max_factor, unbilled=unbilled)
    return out


def _cheapest_costs(plan_rows: list[list[Row]], w: Workload) -> dict[str, float]:
    """registry -> monthly USD of its cheapest fitting plan for `w` (registries where none fits omitted)."""
    best = cheapest(price_plans(plan_rows, w))
    best = best[best["cheapest"]]
    return dict(zip(best["registry"], best["monthly_usd"].astype(float), strict=True))
