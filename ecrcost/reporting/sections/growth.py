"""Growth: image bytes by push month and, with a baseline, the change month over month."""

from __future__ import annotations

import numpy as np

from .. import charts
from ..document import Section, Table
from ..growth import month_over_month, push_months
from ..tables import format_bytes, format_usd
from .context import Context, chart


def build(ctx: Context) -> Section:
    imgs = ctx.images
    by_month = push_months(imgs)
    sec = Section(
        "growth",
        "Growth",
        [
            "Image bytes by the month they were pushed (layers shared between images are counted in each "
            "image here, the bill counts them once; an image index counts through its child images)."
        ],
        [
            chart(
                "storage_by_push_month",
                "Stored image bytes by push month",
                charts.storage_by_push_month(imgs, n=min(ctx.top, 8)),
            )
        ],
        [Table("push_months", "Pushed by month", by_month, limit=None)],
    )
    if ctx.base_by_repo is None:
        sec.paragraphs.append(
            "Month over month: no baseline given (pass last month's snapshot with --baseline)."
        )
        return sec
    delta = month_over_month(ctx.base_by_repo, ctx.by_repo)
    before, after = ctx.base_by_repo["storage_usd"].sum(), ctx.by_repo["storage_usd"].sum()
    counts = delta["change"].value_counts()
    sec.paragraphs.append(
        f"Month over month: storage cost {format_usd(before)} to {format_usd(after)} "
        f"({_signed_usd(after - before)}); stored {format_bytes(ctx.base_by_repo['unique_bytes'].sum())} to "
        f"{format_bytes(ctx.by_repo['unique_bytes'].sum())}. {counts.get('new', 0)} new, "
        f"{counts.get('removed', 0)} removed, {counts.get('grew', 0)} grew, {counts.get('shrank', 0)} shrank, "
        f"{counts.get('unchanged', 0)} unchanged repositories."
    )
    tb, ta = (
        ctx.base_by_repo["total_usd"].sum(min_count=1),
        ctx.by_repo["total_usd"].sum(min_count=1),
    )
    if not (np.isnan(tb) or np.isnan(ta)):
        sec.paragraphs.append(
            f"Total cost {format_usd(tb)} to {format_usd(ta)} ({_signed_usd(ta - tb)})."
        )
    changed = delta[delta["change"] != "unchanged"]
    changed = changed.reindex(
        changed["delta_bytes"].abs().sort_values(ascending=False, kind="stable").index
    )
    sec.charts.append(
        chart(
            "month_over_month",
            "Largest changes since the baseline",
            charts.month_over_month(delta, n=ctx.top),
        )
    )
    sec.tables += [
        Table("month_over_month", "Changed repositories", changed.reset_index(drop=True)),
        Table(
            "new_repositories",
            "New repositories",
            delta[delta["change"] == "new"].reset_index(drop=True),
        ),
        Table(
            "removed_repositories",
            "Removed repositories",
            delta[delta["change"] == "removed"].reset_index(drop=True),
        ),
    ]
    return sec


def _signed_usd(v: float) -> str:
    return format_usd(v) if v < 0 else "+" + format_usd(v)
