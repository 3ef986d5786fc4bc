"""Chargeback: the month's cost by team tag or repository prefix (`ecrcost.chargeback`), with an
"untagged" group, adding up to the total."""

from __future__ import annotations

import json

from ...chargeback import chargeback
from ..document import Section, Table
from ..tables import format_usd
from .context import Context

DEFAULT_TAG = "team"


def default_grouping(ctx: Context) -> str:
    """tag:team when some repository carries a "team" tag, else prefix:1."""
    for text in ctx.snap.repositories["tags"].dropna():
        try:
            tags = json.loads(text)
        except ValueError:
            continue
        if isinstance(tags, dict) and tags.get(DEFAULT_TAG):
            return f"tag:{DEFAULT_TAG}"
    return "prefix:1"


def build(ctx: Context) -> Section:
    by = ctx.by or default_grouping(ctx)
    groups = chargeback(ctx.by_repo, ctx.snap.repositories, by)
    money = "total_usd" if groups["total_usd"].notna().all() else "storage_usd"
    total = groups[money].sum(min_count=1)
    paras = [
        f"Cost by {groups.attrs['grouping']} (--by {by}): {len(groups)} group(s) adding up to "
        f"{format_usd(total)} ({money.removesuffix('_usd')}, USD/month). Every repository is in "
        'exactly one group; repositories without the tag are "untagged".'
        if by.startswith("tag:")
        else f"Cost by {groups.attrs['grouping']} (--by {by}): {len(groups)} group(s) adding up to "
        f"{format_usd(total)} ({money.removesuffix('_usd')}, USD/month); names without a prefix "
        'are "(no prefix)".'
    ]
    return Section(
        "chargeback",
        "Chargeback",
        paras,
        [],
        [
            Table(
                "chargeback",
                f"By {groups.attrs['grouping']}",
                groups,
                show=[
                    "group",
                    "total_usd",
                    "storage_usd",
                    "egress_usd",
                    "share_pct",
                    "repositories",
                    "images",
                    "unique_bytes",
                ],
            )
        ],
    )
