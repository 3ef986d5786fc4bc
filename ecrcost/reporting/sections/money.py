"""Where the money goes: repositories, accounts and regions ranked by cost."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...storage import REPO_KEY
from .. import charts
from ..document import Section, Table
from ..overview import money_column
from .context import Context, chart

_COST_COLS = [
    "images",
    "unique_bytes",
    "storage_usd",
    "pulls",
    "egress_usd",
    "replication_usd",
    "total_usd",
]


def build(ctx: Context) -> Section:
    col = money_column(ctx.by_repo)
    repos = ctx.by_repo.sort_values(
        [col, "unique_bytes"], ascending=False, kind="stable", na_position="last"
    )
    repos = repos.reset_index(drop=True)
    paras = [f"Repositories ranked by {col.removesuffix('_usd')} cost (USD/month)."]
    if len(repos):
        share = repos[col].head(ctx.top).sum() / repos[col].sum() if repos[col].sum() else np.nan
        if not np.isnan(share):
            paras.append(
                f"The top {min(ctx.top, len(repos))} repositories account for {100 * share:.0f}% of "
                f"{col.removesuffix('_usd')} cost."
            )
    ax = charts.cost_by_repository(repos, n=ctx.top, column=col)
    account = [c for c in ["account_id", *_COST_COLS] if c in ctx.by_account.columns]
    region = [c for c in ["region", *_COST_COLS] if c in ctx.by_region.columns]
    return Section(
        "money",
        "Where the money goes",
        paras,
        [chart("cost_by_repository", "Top repositories by cost", ax)],
        [
            Table(
                "top_repositories",
                "By repository",
                repos,
                show=[
                    *REPO_KEY,
                    "images",
                    "untagged_images",
                    "naive_bytes",
                    "unique_bytes",
                    "storage_usd",
                    "pulls",
                    "egress_usd",
                    "replication_usd",
                    "total_usd",
                ],
            ),
            Table("by_account", "By account", _sorted(ctx.by_account[account], col)),
            Table("by_region", "By region", _sorted(ctx.by_region[region], col)),
        ],
    )


def _sorted(df: pd.DataFrame, col: str) -> pd.DataFrame:
    key = col if col in df.columns else "storage_usd"
    return df.sort_values(key, ascending=False, kind="stable", na_position="last").reset_index(
        drop=True
    )
