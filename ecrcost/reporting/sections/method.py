"""Method: the rules behind every figure, and the price catalog's sources."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...pricing.model import as_catalog
from ..document import Section
from ..notes import method_lines
from ..savings import STALE_DAYS
from .context import Context


def build(ctx: Context) -> Section:
    paras = [
        "Units: 1 GB = 2^30 bytes; money in USD per month (run-rate at the snapshot's contents).",
        f"Storage: deduplicated bytes (scope: {ctx.scope}). Each distinct layer and config blob is counted once "
        + (
            "per repository"
            if ctx.scope == "repository"
            else "per account+region, a blob shared by k repositories attributed size/k to each"
        )
        + "; an image index adds nothing beyond its children. naive_bytes is the sum of imageSizeInBytes.",
        "Egress: pulls (CloudWatch RepositoryPullCount) x bytes per pull, split by destination with the traffic "
        "profile; same-region pulls are free, cross-region and internet pulls are charged at the source "
        "region's internet data-transfer rates on one tier ladder for all accounts, allocated back in "
        "proportion."
        + (
            ""
            if ctx.traffic is not None
            else " No traffic profile was given: egress cost is unknown."
        ),
        f"Savings: untagged images exclude children of a multi-arch index; unpulled means not pulled in the "
        f"{STALE_DAYS} days before the collection time (never-pulled images count once pushed {STALE_DAYS}+ "
        "days ago); freed bytes are exclusive bytes.",
    ]
    paras += method_lines(ctx.method, readable_keys=True, skip_empty=False)
    paras += _catalog_lines(ctx.catalog)
    return Section("method", "Method", paras)


def _catalog_lines(prices: Any) -> list[str]:
    """The price catalog's sources and free-tier rows (from `ecrcost.load_catalog`)."""

    cat = as_catalog(prices)
    df = getattr(cat, "rows", None)
    if not isinstance(df, pd.DataFrame):
        return [f"Price catalog: {cat}"]
    lines = []
    if "source_date" in df.columns:
        dates = df["source_date"].astype(str)
        dates = dates[dates != "undated"]
        lines.append(
            f"Price catalog {getattr(cat, 'label', '')} ({getattr(cat, 'date', '')}): {len(df)} rows, "
            f"source dates {dates.min()} to {dates.max()}."
        )
    if "dimension" in df.columns:
        free = df[df["dimension"].astype(str).str.startswith("free tier")]
        for r in free.itertuples(index=False):
            lines.append(
                f"Free tier row in the catalog: {r.dimension}, up to {r.tier_end_gb} {r.unit} "
                f"({r.region}); applied only when the cost model says so above."
            )
    if "source_url" in df.columns:
        urls = sorted(set(df["source_url"].dropna().astype(str)))
        lines.append("Price sources: " + ", ".join(urls) + ".")
    return lines
