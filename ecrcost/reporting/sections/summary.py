"""The summary section: the month's total, storage naive vs deduplicated, the registry's size."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import charts
from ..document import Section, Table
from ..tables import format_bytes, format_usd
from .context import Context, chart, total


def build(ctx: Context) -> Section:
    snap, r = ctx.snap, ctx.by_repo
    naive, unique = total(ctx, "naive_bytes"), total(ctx, "unique_bytes")
    registries = pd.concat(
        [snap.targets[["account_id", "region"]], r[["account_id", "region"]]]
    ).dropna()
    registries = registries.astype(str).drop_duplicates()
    row = {
        "total_usd": total(ctx, "total_usd"),
        "storage_usd": total(ctx, "storage_usd"),
        "egress_usd": total(ctx, "egress_usd"),
        "replication_usd": total(ctx, "replication_usd")
        if "replication_usd" in r.columns
        else np.nan,
        "naive_bytes": naive,
        "unique_bytes": unique,
        "overcount_bytes": naive - unique,
        "overcount_pct": round(100 * (naive - unique) / unique, 1) if unique else np.nan,
        "accounts": registries["account_id"].nunique(),
        "regions": registries["region"].nunique(),
        "repositories": len(r),
        "images": len(snap.images),
    }
    df = pd.DataFrame([row])
    paras = []
    if np.isnan(row["egress_usd"]):
        why = (
            "without a traffic profile (--traffic)"
            if ctx.traffic is None
            else "for some repositories (see Egress)"
        )
        paras.append(
            f"Monthly run-rate: {format_usd(row['storage_usd'])} for storage; egress is unknown "
            f"{why}, so the total is n/a."
        )
        if row["replication_usd"] and not np.isnan(row["replication_usd"]):
            paras.append(f"Replication: {format_usd(row['replication_usd'])}.")
    else:
        repl = row["replication_usd"]
        paras.append(
            f"Monthly run-rate: {format_usd(row['total_usd'])} = {format_usd(row['storage_usd'])} "
            f"storage + {format_usd(row['egress_usd'])} egress"
            + (f" + {format_usd(repl)} replication." if repl and not np.isnan(repl) else ".")
        )
    if not np.isnan(row["overcount_bytes"]):
        verb = "overstates" if naive >= unique else "understates"
        pct = f" ({abs(row['overcount_pct']):.1f}%)" if not np.isnan(row["overcount_pct"]) else ""
        paras.append(
            f"Summing imageSizeInBytes (what the console and most tools do) gives "
            f"{format_bytes(naive)}; the deduplicated layers actually stored come to "
            f"{format_bytes(unique)}, so the naive figure {verb} storage by "
            f"{format_bytes(abs(naive - unique))}{pct}."
        )
    paras.append(
        f"{row['accounts']} account(s), {row['regions']} region(s), {row['repositories']:,} "
        f"repositories, {row['images']:,} images."
    )
    if len(snap.incomplete_targets):
        paras.append(
            f"Incomplete: {len(snap.incomplete_targets)} account-region(s) failed or were partial; "
            "the figures undercount (see Coverage)."
        )
    ax = charts.naive_vs_unique(row)
    return Section(
        "summary",
        "Summary",
        paras,
        [chart("naive_vs_unique", "Naive vs deduplicated storage", ax)],
        [Table("summary", "Key figures", df, vertical=True)],
    )
