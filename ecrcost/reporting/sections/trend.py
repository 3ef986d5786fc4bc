"""Trend and forecast: cost, stored GB, images and egress per month over the last 12 months (per
account and for the top repositories), the next 3 months' forecast and the doubling time of
storage (figures and method from `ecrcost.history`)."""

from __future__ import annotations

import math

import pandas as pd

from ...history import (
    MONTHS,
    doubling_months,
    forecast,
    monthly_by_account,
    monthly_totals,
    monthly_usage,
    remember,
    top_repositories,
    usage_key,
    usage_rows,
)
from ..document import Section, Table
from ..tables import format_usd
from ..trend_charts import trend
from .context import Context, chart

TOP_REPOSITORIES = 10


def build(ctx: Context) -> Section:
    current = usage_rows(ctx.by_repo, ctx.month, ctx.snap.collected_at)
    if ctx.snap.path is not None and ctx.history is not None:
        # a report over a history: next month's report reads these figures from the cache
        remember(
            usage_key(ctx.snap.path, ctx.traffic, ctx.catalog, ctx.scope, ctx.free_tier), current
        )
    skipped: list[str] = []
    earlier = ctx.history
    if earlier is None or earlier.empty:
        usage = current
    else:
        earlier = earlier[earlier["month"] < ctx.month].tail(MONTHS - 1)
        before = monthly_usage(
            earlier, ctx.traffic, ctx.catalog, scope=ctx.scope, free_tier=ctx.free_tier
        )
        skipped = before.attrs.get("skipped", [])
        usage = pd.concat([before, current], ignore_index=True) if len(before) else current
    totals = monthly_totals(usage)
    money = "total_usd" if totals["total_usd"].notna().all() else "storage_usd"
    fc = forecast(totals, money)
    fc_gb = forecast(totals, "stored_gb")
    n = len(totals)
    paras = []
    if n == 0:
        paras.append("No monthly figures: the snapshot holds no repositories.")
    elif n == 1:
        paras.append(
            "No trend yet: this is the only monthly snapshot found"
            + (" (pass --history DIR with earlier months)." if ctx.history is None else ".")
        )
    else:
        first, last = totals.iloc[0], totals.iloc[-1]
        paras.append(
            f"{n} months ({first['month']} to {last['month']}): {money.removesuffix('_usd')} cost "
            f"{format_usd(first[money])} to {format_usd(last[money])}; stored "
            f"{first['stored_gb']:,.2f} GB to {last['stored_gb']:,.2f} GB; images "
            f"{first['images']:,.0f} to {last['images']:,.0f}."
        )
        nxt = fc.iloc[-1]
        band = (
            ""
            if math.isnan(nxt["low"])
            else f" (95% band {format_usd(nxt['low'])} to {format_usd(nxt['high'])})"
        )
        paras.append(
            f"Forecast for {nxt['month']}: {format_usd(nxt['forecast'])}{band}. Method: a straight "
            f"line fitted by least squares to the monthly {money.removesuffix('_usd')} cost of the "
            f"last {min(n, MONTHS)} months, extended 3 months; the band is the line's 95% "
            "prediction interval" + (" (none with two months)." if n == 2 else ".")
        )
        d = doubling_months(totals, "stored_gb")
        paras.append(
            f"At this rate, storage doubles in {d:,.1f} months."
            if not math.isnan(d)
            else "At this rate, storage does not grow (flat or shrinking)."
        )
    if skipped:
        paras.append(
            f"{len(skipped)} earlier snapshot(s) could not be read and are left out: "
            + "; ".join(skipped)
        )
    fc_table = pd.concat(
        [fc.assign(measure=money), fc_gb.assign(measure="stored_gb")], ignore_index=True
    )
    fc_table = fc_table[["measure", "month", "forecast", "low", "high", "method"]]
    charts = [
        chart(
            "trend",
            f"Monthly {money.removesuffix('_usd')} cost and forecast",
            trend(totals, fc, money),
        ),
        chart(
            "trend_storage",
            "Stored GB and forecast",
            trend(totals, fc_gb, "stored_gb", label="stored GB (1 GB = 2^30 bytes)"),
        ),
    ]
    totals_shown = totals.drop(columns=["unique_bytes"])
    return Section(
        "trend",
        "Trend and forecast",
        paras,
        charts,
        [
            Table("history", "Per month", totals_shown, limit=None),
            Table("forecast", "Forecast (next 3 months)", fc_table, limit=None),
            Table(
                "history_by_account",
                "Per month and account",
                monthly_by_account(usage).drop(columns=["unique_bytes"]),
            ),
            Table(
                "history_top_repositories",
                f"Per month, top {TOP_REPOSITORIES} repositories of {ctx.month}",
                top_repositories(usage, TOP_REPOSITORIES).drop(columns=["unique_bytes"]),
            ),
        ],
    )
