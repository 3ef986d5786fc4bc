"""Estimate vs bill (only with a bill): error per account x region x category, a chart of billed
vs modelled by month, and the largest unexplained residuals (`ecrcost.reconcile`)."""

from __future__ import annotations

import pandas as pd

from ...reconcile import MODELLED, USAGE_LINES, reconcile
from ..bill_charts import billed_vs_modelled
from ..document import Section, Table
from .context import Context, chart

RESIDUALS = 10  # rows of the largest unexplained residuals


def build(ctx: Context) -> Section | None:
    if ctx.bill is None:
        return None
    months = sorted(set(ctx.bill["month"]))
    frames = [
        reconcile(ctx.snap, ctx.bill, m, scope=ctx.scope, traffic=ctx.traffic, prices=ctx.catalog)
        for m in months
    ]
    rec = pd.concat(frames, ignore_index=True)
    area = rec[rec["level"] == "account-region"].drop(columns=["level", "repository"])
    usage = area[area["line_item_type"].isin(USAGE_LINES) & area["category"].isin(MODELLED)]
    by_month = (
        usage.groupby("month", sort=True)
        .agg(
            billed_usd=("billed_usd", "sum"),
            modelled_usd=("modelled_usd", lambda s: s.sum(skipna=False)),
        )
        .reset_index()
    )
    unexplained = rec[rec["note"] != "matches"].dropna(subset=["diff_usd"])
    residuals = unexplained.reindex(
        unexplained["diff_usd"].abs().sort_values(ascending=False).index
    ).head(RESIDUALS)
    meta = ctx.bill.attrs.get("meta", {})
    paras = [
        f"The estimate beside what AWS billed ({meta.get('source', 'bill')}, "
        f"{months[0]}..{months[-1]}): each month priced from this snapshot with that month's "
        "pro-rating (images present in the snapshot, from their push), with the traffic profile's "
        "egress (not the bill-calibrated one, so transfer is a real check). diff = modelled - billed.",
        *(f.attrs["summary"]["line"] for f in frames),
        "Known residuals: the snapshot is one instant (images deleted during a month are billed but "
        "not modelled); credits, refunds, free tier and tax are not modelled; the 90-day archive "
        "minimum; blob mounting; transfer rows without a resource ID; accounts or regions in one "
        "and not the other.",
    ]
    charts = [
        chart(
            "bill_vs_model",
            "Billed vs modelled by month",
            billed_vs_modelled(by_month),
        )
    ]
    tables = [
        Table("bill_error", "Error per account x region x category", area),
        Table("bill_residuals", "Largest unexplained residuals", residuals, limit=None),
    ]
    return Section("bill", "Estimate vs bill", paras, charts, tables)
