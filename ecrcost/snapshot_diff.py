"""Diff: what changed between two snapshots, repository by repository (or by account, region, tag,
prefix), with the monthly cost delta of each change. Infracost's `diff` is the model for the text
layout: one line per changed row marked ``+`` added, ``-`` removed, ``~`` grown or shrunk, its
cost change and old -> new, then the overall change.

    d = diff("snap-2026-10", "snap-2026-11", traffic="traffic.toml")   # DataFrame
    print(ecrcost.reporting.diff_text.diff_text(d))

Money is USD per month (both snapshots priced by `ecrcost.costs` with the same catalog and
traffic profile); bytes are deduplicated stored bytes (1 GB = 2^30 bytes).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from .chargeback import chargeback, is_grouping
from .errors import InputError
from .pricing.model import as_catalog
from .pricing.summary import costs
from .snapshot import Snapshot, load_snapshot
from .storage import REPO_KEY
from .traffic import as_traffic

CHANGES = ("added", "removed", "grown", "shrunk", "unchanged")
_KEYS = {"repository": REPO_KEY, "account": ["account_id"], "region": ["region"]}
_VALUES = ["total_usd", "storage_usd", "egress_usd", "unique_bytes", "images"]


def _frame(snap: Snapshot, by: str, traffic: Any, prices: Any, scope: str) -> pd.DataFrame:
    per_repo = costs(snap, by="repository", scope=scope, traffic=traffic, prices=prices)
    if is_grouping(by):
        return chargeback(per_repo, snap.repositories, by)
    if by not in _KEYS:
        raise InputError(
            f"--by {by!r}: expected repository, account, region, tag:KEY or prefix[:DEPTH]"
        )
    keys = _KEYS[by]
    df = per_repo[[*keys, *_VALUES]].copy()
    if by != "repository":
        g = df.groupby(keys, sort=True)
        df = g[_VALUES].sum(min_count=1)
        unknown = per_repo[_VALUES].isna().groupby([per_repo[k] for k in keys]).any()
        df = df.mask(unknown.reindex(df.index).to_numpy(bool)).reset_index()
    return df


def diff(
    old: Snapshot | str | os.PathLike[str],
    new: Snapshot | str | os.PathLike[str],
    *,
    by: str = "repository",
    traffic: Any = None,
    prices: Any = None,
    scope: str = "repository",
) -> pd.DataFrame:
    """Rows of `by` (repository, account, region, tag:KEY, prefix[:DEPTH]) in either snapshot.

    Columns: the key columns (account_id, region, repository; or account_id / region / group),
    change (added | removed | grown | shrunk | unchanged, by stored bytes, then by cost), old_usd,
    new_usd, delta_usd (USD/month; total_usd when both totals are known, else storage_usd; a
    missing side counts $0 since the row did not exist), old_bytes, new_bytes, delta_bytes (stored,
    deduplicated), old_images, new_images. Sorted by |delta_usd|, largest first. ``attrs``: money
    (which column was compared), old_total, new_total, old_at, new_at.
    """
    a = old if isinstance(old, Snapshot) else load_snapshot(old)
    b = new if isinstance(new, Snapshot) else load_snapshot(new)
    if a.collected_at > b.collected_at:
        raise InputError(
            f"OLD {a.path or '(in memory)'} was collected after NEW {b.path or '(in memory)'}; "
            "pass the older snapshot first"
        )
    catalog, profile = as_catalog(prices), as_traffic(traffic)
    fa, fb = (_frame(s, by, profile, catalog, scope) for s in (a, b))
    keys = ["group"] if is_grouping(by) else _KEYS[by]
    out = diff_frames(fa, fb, keys)
    money = out.attrs["money"]
    out.attrs.update(
        money=money,
        by=by,
        old_total=float(fa[money].sum(min_count=1)),
        new_total=float(fb[money].sum(min_count=1)),
        old_at=a.collected_at.isoformat(),
        new_at=b.collected_at.isoformat(),
        old=str(a.path or "(in memory)"),
        new=str(b.path or "(in memory)"),
    )
    return out


def _zero(values: pd.Series, missing: np.ndarray) -> pd.Series:
    """`values` with 0 where the row did not exist on that side."""
    return values.where(~missing, 0.0)


def diff_frames(old: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The rows of two cost frames keyed by `keys` (each with total_usd or storage_usd,
    unique_bytes and images), matched: the columns of `diff` without its attrs except "money"."""
    fa, fb = old, new
    both_known = fa["total_usd"].notna().all() and fb["total_usd"].notna().all()
    money = "total_usd" if both_known and len(fa) + len(fb) else "storage_usd"
    left = fa[[*keys, money, "unique_bytes", "images"]].astype({k: str for k in keys})
    right = fb[[*keys, money, "unique_bytes", "images"]].astype({k: str for k in keys})
    m = left.merge(right, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    out = m[keys].copy()
    out["old_usd"] = m[f"{money}_old"].astype(float)
    out["new_usd"] = m[f"{money}_new"].astype(float)
    out["old_bytes"] = m["unique_bytes_old"].astype(float)
    out["new_bytes"] = m["unique_bytes_new"].astype(float)
    out["old_images"] = m["images_old"].astype(float)
    out["new_images"] = m["images_new"].astype(float)
    added, removed = (
        (m["_merge"] == "right_only").to_numpy(),
        (m["_merge"] == "left_only").to_numpy(),
    )
    out["delta_usd"] = _zero(out["new_usd"], removed) - _zero(out["old_usd"], added)
    out["delta_bytes"] = _zero(out["new_bytes"], removed) - _zero(out["old_bytes"], added)
    db, du = out["delta_bytes"].fillna(0).to_numpy(), out["delta_usd"].fillna(0).to_numpy()
    grown = np.where(db != 0, db > 0, du > 0)
    changed = (db != 0) | (du != 0)
    out["change"] = np.select(
        [added, removed, changed & grown, changed & ~grown],
        ["added", "removed", "grown", "shrunk"],
        "unchanged",
    )
    out = out[
        [
            *keys,
            "change",
            "old_usd",
            "new_usd",
            "delta_usd",
            "old_bytes",
            "new_bytes",
            "delta_bytes",
            "old_images",
            "new_images",
        ]
    ]
    order = out["delta_usd"].abs().fillna(-1)
    out = out.iloc[np.lexsort((out[keys[0]].to_numpy(), -order.to_numpy()))].reset_index(drop=True)
    out.attrs["money"] = money
    return out
