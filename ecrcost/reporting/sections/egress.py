"""Egress: pulls and pulled GB by repository and destination."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...storage import REPO_KEY
from ...usage import egress_usage
from .. import charts
from ..document import Section, Table
from ..tables import format_cell, format_usd
from .context import Context, chart, total


def build(ctx: Context) -> Section:

    usage = egress_usage(ctx.snap, ctx.traffic, graph=ctx.graph)
    usage = usage.merge(ctx.by_repo[[*REPO_KEY, "egress_usd"]], on=REPO_KEY, how="left")
    cols = [
        *REPO_KEY,
        "pulls",
        "pulled_gb",
        "same_region_gb",
        "cross_region_gb",
        "internet_gb",
        "egress_usd",
    ]
    usage = usage[[c for c in cols if c in usage.columns]]
    usage = usage.sort_values(
        ["pulled_gb", "pulls"], ascending=False, kind="stable", na_position="last"
    )
    usage = usage.reset_index(drop=True)
    pulls = pd.to_numeric(usage["pulls"], errors="coerce").sum(min_count=1)
    pulled = pd.to_numeric(usage["pulled_gb"], errors="coerce").sum(min_count=1)
    days = ctx.snap.meta.get("pull_days", "?")
    if np.isnan(pulls):
        paras = ["Pull counts are unknown (not collected)."]
    else:
        paras = [
            f"{format_cell('pulls', pulls)} pulls per month (CloudWatch RepositoryPullCount over the last "
            f"{days} days), about {format_cell('pulled_gb', pulled)} GB pulled."
        ]
    if ctx.traffic is None:
        paras.append(
            "Egress cost: unknown without a traffic profile (pass --traffic FILE saying which share of "
            "pulled bytes stays in the region, goes to other regions or to the internet). Pulls and "
            "pulled GB by repository are shown below; their destinations are n/a."
        )
        return Section(
            "egress", "Egress", paras, [], [Table("egress", "Pulls by repository", usage)]
        )
    gb = {
        c: pd.to_numeric(usage[c], errors="coerce").sum()
        for c in ("same_region_gb", "cross_region_gb", "internet_gb")
    }
    paras.append(
        f"By destination: {gb['same_region_gb']:,.2f} GB within the region (free), "
        f"{gb['cross_region_gb']:,.2f} GB to other regions, {gb['internet_gb']:,.2f} GB to the internet; "
        f"egress cost {format_usd(total(ctx, 'egress_usd'))}/month."
    )
    return Section(
        "egress",
        "Egress",
        paras,
        [
            chart(
                "egress_by_destination",
                "Pulled data by destination",
                charts.egress_by_destination(usage, n=ctx.top),
            )
        ],
        [Table("egress", "Egress by repository and destination", usage)],
    )
