"""Savings candidates: which images could go, and what deleting them would really free.

Pure functions over `ecrcost.storage.image_storage` frames and the blob graph; the monthly
report's savings section is built from them. Sizes are bytes (1 GB = 2^30 bytes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..snapshot import Snapshot
from ..storage import REPO_KEY, image_blob_edges

#: an image not pulled for this many days (or never pulled and pushed this long ago) is a candidate
STALE_DAYS = 90


def savings_candidates(
    images: pd.DataFrame, now: pd.Timestamp, stale_days: int = STALE_DAYS
) -> pd.DataFrame:
    """Per image row of `images` (from `image_storage`): is it a deletion candidate and why.

    Columns: untagged (no tag and not a child of an index in its repository), unpulled (not pulled
    in the `stale_days` days before `now`: last pulled earlier, or never pulled and pushed earlier;
    children of an index are excluded, they are pulled through their index), reason ("untagged",
    "never pulled", "not pulled for N+ days", joined with "; ", or "").
    """
    cutoff = now - pd.Timedelta(days=stale_days)
    child = images["is_child"].to_numpy(bool)
    untagged = ~images["tagged"].to_numpy(bool) & ~child
    pushed_long_ago = (images["pushed_at"] < cutoff).fillna(True).to_numpy(bool)
    never = images["last_pull_at"].isna().to_numpy() & pushed_long_ago & ~child
    old = (images["last_pull_at"] < cutoff).fillna(False).to_numpy(bool) & ~child
    reason = np.full(len(images), "", dtype=object)
    for mask, text in (
        (untagged, "untagged"),
        (never, f"never pulled, pushed {stale_days}+ days ago"),
        (old, f"not pulled for {stale_days}+ days"),
    ):
        reason = np.where(mask, np.where(reason == "", text, reason + "; " + text), reason)
    return pd.DataFrame(
        {"untagged": untagged, "unpulled": never | old, "reason": reason}, index=images.index
    )


def freed_bytes(
    snap: Snapshot,
    images: pd.DataFrame,
    mask: np.ndarray,
    scope: str,
    edges: pd.DataFrame | None = None,
) -> np.ndarray:
    """Per image: its share of the bytes freed by deleting every image where `mask` is true.

    `images` is `image_storage(snap, scope)`; `edges` is `image_blob_edges(snap)` (computed when not
    given). A blob is freed when every image referencing it (within the repository, or the
    account+region under registry scope) is deleted; its size is split equally among those images,
    so summing the result over any set of images gives what deleting them frees. Images whose blobs
    are unknown count their imageSizeInBytes (NaN when that is unknown too). 0 where `mask` is false.
    """
    edges = image_blob_edges(snap) if edges is None else edges
    keys = REPO_KEY if scope == "repository" else ["account_id", "region"]
    n = len(images)
    group = (
        images.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        if n
        else np.zeros(0, np.int64)
    )
    img = edges["image"].to_numpy(np.int64)
    e = pd.DataFrame(
        {
            "image": img,
            "group": group[img],
            "blob": edges["blob"].to_numpy(),
            "size": edges["size_bytes"].to_numpy(float),
            "cand": mask[img],
        }
    )
    g = e.groupby(["group", "blob"], sort=False)
    all_cand = g["cand"].transform("all").to_numpy(bool)
    refs = g["image"].transform("size").to_numpy(float)
    share = e["size"].to_numpy() / refs
    out = np.bincount(img[all_cand], weights=share[all_cand], minlength=n)[:n]
    unknown = (images["kind"] == "unknown").to_numpy()
    naive = images["naive_bytes"].astype("Float64").to_numpy(float, na_value=np.nan)
    out = np.where(unknown, naive, out)
    return np.where(mask, out, 0.0)


def lifecycle_unknown(repositories: pd.DataFrame) -> pd.Series:
    """Per repository: could its lifecycle policy not be read (the collector noted an error for it)?"""
    return (
        repositories["error"].fillna("").str.contains("lifecycle_policy", regex=False).astype(bool)
    )
