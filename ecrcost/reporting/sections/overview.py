"""The first screen: this month's total and its change, the biggest movers, the savings available
now, the cheapest billed alternative and the data's coverage (figures from `reporting.overview`)."""

from __future__ import annotations

import math

import pandas as pd

from ...storage import image_blob_edges
from ...units import GB
from ..document import Figure, Section, Table
from ..overview import billed_alternatives, headline, money_column, movers
from ..savings import freed_bytes, savings_candidates
from ..tables import format_usd
from .context import Context
from .savings import storage_rate

MOVERS = 3


def _signed(v: float) -> str:
    return "n/a" if math.isnan(v) else ("+" if v >= 0 else "-") + format_usd(abs(v))


def _month_name(month: str) -> str:
    return pd.Period(month, "M").strftime("%B %Y")


def savings_now(ctx: Context) -> tuple[float, int]:
    """(USD/month, images): deleting every savings candidate (untagged or unpulled) at once."""
    cand = savings_candidates(ctx.images, ctx.now)
    mask = (cand["untagged"] | cand["unpulled"]).to_numpy(bool)
    if not mask.any():
        return 0.0, 0
    edges = image_blob_edges(ctx.snap, ctx.graph)
    freed = freed_bytes(ctx.snap, ctx.images, mask, ctx.scope, edges)
    rate = storage_rate(ctx)
    key = pd.MultiIndex.from_frame(ctx.images[["account_id", "region", "repository"]].astype(str))
    usd = freed / GB * rate.reindex(key).to_numpy(float)
    return float(pd.Series(usd[mask]).sum(min_count=1)), int(mask.sum())


def build(ctx: Context) -> Section:
    saved, n_saved = savings_now(ctx)
    cmp = ctx.comparison()
    head = headline(
        ctx.by_repo,
        ctx.base_by_repo,
        month=ctx.month,
        savings_usd=saved,
        comparison=cmp,
        targets=ctx.snap.targets,
    )
    h = head.iloc[0]
    money = money_column(ctx.by_repo)
    what = "total" if money == "total_usd" else "storage (egress unknown without --traffic)"
    figures = []
    if h["baseline"] == "no baseline":
        change = "no baseline: the change is shown from next month's report on"
        tone = ""
    else:
        pct = "" if math.isnan(h["change_pct"]) else f" ({h['change_pct']:+.1f}%)"
        change = f"{_signed(h['change_usd'])}{pct} vs last month ({format_usd(h['previous_usd'])})"
        tone = "up" if h["change_usd"] > 0 else "down" if h["change_usd"] < 0 else ""
    figures.append(
        Figure(
            "total", f"{_month_name(ctx.month)}, {what}", format_usd(h["total_usd"]), change, tone
        )
    )
    moved = pd.DataFrame()
    if ctx.base_by_repo is not None:
        moved = movers(ctx.base_by_repo, ctx.by_repo, n=MOVERS)
        said = [f"{r.repository} {_signed(r.delta_usd)} ({r.change})" for r in moved.itertuples()]
        figures.append(
            Figure(
                "movers",
                "Biggest movers",
                said[0] if said else "none",
                "; ".join(said[1:]) if said else "nothing changed since the baseline",
            )
        )
    else:
        figures.append(Figure("movers", "Biggest movers", "n/a", "no baseline to compare with"))
    figures.append(
        Figure(
            "savings",
            "Savings available now",
            f"{format_usd(h['savings_usd'])}/month",
            f"deleting {n_saved:,} untagged or unpulled images (see Savings candidates)",
            "down" if saved > 0 else "",
        )
    )
    unbilled = f"; not billed today (not ranked): {h['unbilled']}" if h["unbilled"] else ""
    if h["alternative"]:
        delta = h["alternative_delta_usd"]
        vs = "" if math.isnan(delta) else f" ({_signed(delta)} vs ECR)"
        figures.append(
            Figure(
                "alternative",
                "Cheapest billed alternative",
                f"{format_usd(h['alternative_usd'])}/month",
                f"{h['alternative']}{vs}{unbilled}",
            )
        )
    else:
        figures.append(
            Figure(
                "alternative",
                "Cheapest billed alternative",
                "n/a",
                "no billed plan elsewhere has a known price for this workload" + unbilled,
            )
        )
    bad = int(h["failed"]) + int(h["partial"])
    figures.append(
        Figure(
            "coverage",
            "Coverage",
            f"{int(h['targets']) - bad} of {int(h['targets'])}",
            "account-regions complete"
            + (
                f"; {h['failed']} failed, {h['partial']} partial: figures undercount" if bad else ""
            ),
            "warn" if bad else "",
        )
    )
    tables = [Table("headline", "This month", head, vertical=True, on_page=False)]
    if len(moved):
        tables.append(Table("movers", "Biggest movers", moved, limit=None))
    tables.append(
        Table(
            "billed_alternatives",
            "Alternatives by billed cost (notes in Alternatives)",
            billed_alternatives(cmp),
            limit=None,
            show=["registry", "plan", "monthly_usd", "billed", "unbilled_usd", "confidence"],
        )
    )
    return Section("overview", f"{_month_name(ctx.month)} at a glance", [], [], tables, figures)
