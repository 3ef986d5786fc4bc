"""Other registries: the same workload priced on every plan of nine registries, and how they differ.

    ecrcost.compare(snapshot, traffic=None, users=None, prices=None, plans=None)  -> DataFrame
    workload(snapshot, traffic=None, users=None)                                 -> Workload
    load_plans(path=None)                                                        -> plan rows
    price_plans(plans, workload)                                                 -> DataFrame
    dimensions(compare_df=None)                                                  -> DataFrame

Modules by stage: `plans` (the dated, sourced plan file), `workload` (what is priced), `price`
(plan rows x workload, pure), `comparison` (ECR from `ecrcost.costs` + every other plan, the
cheapest fitting plan per registry), `dimensions` (workflow, auth, availability, pricing).
"""

from __future__ import annotations

from .comparison import COMPARE_COLUMNS, cheapest, compare
from .dimensions import dimensions, load_dimensions
from .plans import REGISTRIES, load_plans
from .price import price_plans
from .workload import DEFAULT_USERS, Workload, workload

__all__ = [
    "COMPARE_COLUMNS",
    "DEFAULT_USERS",
    "REGISTRIES",
    "Workload",
    "cheapest",
    "compare",
    "dimensions",
    "load_dimensions",
    "load_plans",
    "price_plans",
    "workload",
]
