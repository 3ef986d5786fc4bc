"""Alternatives: the same workload priced on other registries."""

from __future__ import annotations

from ...registries import dimensions
from ...registries.comparison import MONEY_COLUMNS
from .. import charts
from ..compare_charts import cost_by_registry, plot_cost_vs_storage
from ..document import Section, Table
from ..sweep import storage_sweep
from .context import Context, chart


def build(ctx: Context) -> Section:
    cmp = ctx.comparison()
    sweep = storage_sweep(ctx.snap, cmp, traffic=ctx.traffic, users=ctx.users, prices=ctx.catalog)
    dims = dimensions(cmp)
    paras = [
        "The same workload (deduplicated storage, pulls and egress) priced on every plan of other "
        "registries, as `ecrcost compare` prints it; plans that do not fit the workload say why.",
        "monthly_usd is what each plan bills today, and each registry's cheapest plan is chosen "
        "on it; unbilled_usd is what its published but uncharged rates (GHCR's storage and "
        "transfer, Docker Hub's storage overage) would add if billing started; ≤ marks an upper "
        "bound (a tier whose price is unknown, at the last known rate).",
    ]
    best = cmp[cmp["cheapest"].fillna(False).astype(bool)] if "cheapest" in cmp.columns else cmp
    return Section(
        "alternatives",
        "Alternatives",
        paras,
        [
            chart(
                "cost_by_registry",
                "Monthly cost by registry (cheapest fitting plan)",
                cost_by_registry(cmp, ax=charts.new_axes((8.0, 4.8))),
            ),
            chart(
                "cost_vs_storage",
                "Monthly cost against stored GB",
                plot_cost_vs_storage(sweep, ax=charts.new_axes((8.0, 5.0))),
            ),
        ],
        [
            Table(
                "alternatives_cheapest",
                "Cheapest fitting plan per registry",
                best.reset_index(drop=True),
                limit=None,
                show=[
                    *MONEY_COLUMNS,
                    "fits",
                    "confidence",
                    "upper_bound",
                    "notes",
                    "price_date",
                ],
            ),
            Table(
                "alternatives",
                "Every plan",
                cmp.reset_index(drop=True),
                limit=None,
                show=[
                    "registry",
                    "plan",
                    "monthly_usd",
                    "unbilled_usd",
                    "fits",
                    "fit_reason",
                    "confidence",
                    "upper_bound",
                    "notes",
                    "price_date",
                ],
            ),
            Table(
                "alternatives_dimensions",
                "Four dimensions",
                dims.reset_index(drop=True),
                limit=None,
            ),
        ],
    )
