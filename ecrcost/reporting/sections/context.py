"""What every section draws on: the stage outputs, computed once per report, and small helpers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...billing import load_bill
from ...history import report_month
from ...pricing.model import as_catalog
from ...pricing.summary import costs, summarise
from ...registries import compare
from ...snapshot import Snapshot
from ...storage import blob_graph, image_storage
from ...traffic import as_traffic
from ...usage import check_scope
from .. import charts
from ..document import Chart


class Context:
    """The stage outputs every section draws on, computed once."""

    def __init__(
        self,
        snap: Snapshot,
        base: Snapshot | None,
        traffic: Any,
        prices: Any,
        scope: str,
        free_tier: bool,
        users: int | None,
        top: int,
        bill: Any = None,
        *,
        month: str | None = None,
        history: pd.DataFrame | None = None,
        by: str | None = None,
    ) -> None:

        catalog = as_catalog(prices)  # read the catalog and the profile once for every stage
        traffic = as_traffic(traffic)
        self.snap, self.base, self.traffic, self.prices = snap, base, traffic, prices
        self.scope, self.users, self.top, self.catalog = scope, users, top, catalog
        self.free_tier = free_tier
        self.now = snap.collected_at
        self.bill = load_bill(bill) if bill is not None else None  # egress calibration + section
        #: the month the figures describe (YYYY-MM); earlier monthly snapshots (find_snapshots rows,
        #: one per month before it, possibly empty) or None when no history was asked for; the
        #: chargeback grouping (tag:KEY / prefix[:DEPTH]) or None for the default
        self.month = month or report_month(snap.collected_at)
        self.history, self.by = history, by
        self._comparison: pd.DataFrame | None = None

        def cost(s: Snapshot, by: str) -> pd.DataFrame:
            return costs(
                s,
                by=by,
                scope=scope,
                traffic=traffic,
                prices=catalog,
                free_tier=free_tier,
                bill=self.bill,
            )

        self.by_repo = cost(snap, "repository")
        # `costs(by=account / region / total)` from the repository rows: the same sums
        self.by_account = summarise(self.by_repo, "account")
        self.by_region = summarise(self.by_repo, "region")
        self.total = summarise(self.by_repo, "total")
        self.base_by_repo = cost(base, "repository") if base is not None else None
        self.graph = blob_graph(snap)  # built once for the image-level sections
        self.images = image_storage(snap, check_scope(scope), graph=self.graph)
        self.method = self.by_repo.attrs.get("method")

    def comparison(self) -> pd.DataFrame:
        """`ecrcost.compare` of the snapshot (computed once, for the alternatives and the first
        screen)."""
        if self._comparison is None:
            self._comparison = compare(
                self.snap,
                traffic=self.traffic,
                users=self.users,
                prices=self.catalog,
                bill=self.bill,
            )
        return self._comparison


def total(ctx: Context, col: str) -> float:
    if col in ctx.total.columns and len(ctx.total):
        return float(pd.to_numeric(ctx.total[col], errors="coerce").sum(min_count=1))
    return float(pd.to_numeric(ctx.by_repo[col], errors="coerce").sum(min_count=1))


def chart(name: str, title: str, ax: Any) -> Chart:
    png = charts.png_bytes(ax)
    ax.figure.clear()
    return Chart(name, title, png)
