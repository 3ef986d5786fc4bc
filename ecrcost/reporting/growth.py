"""Growth analysis: image bytes by push month, and the per-repository change between two months."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..storage import REPO_KEY
from .charts import push_month


def push_months(images: pd.DataFrame) -> pd.DataFrame:
    """Images and image bytes by the month (YYYY-MM, UTC) they were pushed.

    `images` is `ecrcost.image_storage(...)`; an image index is left out (its child images carry
    its bytes) and so are images without a push time. Columns: push_month, images, image_bytes.
    """
    pushed = images[images["pushed_at"].notna() & (images["kind"] != "index")]
    month = push_month(pushed["pushed_at"])
    by_month = (
        pd.DataFrame(
            {"push_month": month, "images": 1, "image_bytes": pushed["bytes"].astype(float)}
        )
        .groupby("push_month", as_index=False)
        .agg(images=("images", "sum"), image_bytes=("image_bytes", "sum"))
    )
    return by_month.sort_values("push_month").reset_index(drop=True)


def month_over_month(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per-repository change between two `ecrcost.costs(by="repository")` tables.

    Columns: account_id, region, repository, change ("new" | "removed" | "grew" | "shrank" |
    "unchanged", by stored bytes), before_images, after_images, before_unique_bytes,
    after_unique_bytes, delta_bytes, before_storage_usd, after_storage_usd, delta_storage_usd,
    delta_total_usd (NaN when either month's total is unknown). A repository missing from one side
    counts as 0 images / 0 bytes / $0 there (it did not exist).
    """
    cols = ["images", "unique_bytes", "storage_usd", "total_usd"]
    m = (
        before[REPO_KEY + cols]
        .add_prefix("before_")
        .merge(
            after[REPO_KEY + cols].add_prefix("after_"),
            left_on=[f"before_{k}" for k in REPO_KEY],
            right_on=[f"after_{k}" for k in REPO_KEY],
            how="outer",
            indicator=True,
        )
    )
    new, removed = m["_merge"] == "right_only", m["_merge"] == "left_only"
    for k in REPO_KEY:
        m[k] = m[f"before_{k}"].fillna(m[f"after_{k}"])
    for c in cols:
        m.loc[new, f"before_{c}"] = 0
        m.loc[removed, f"after_{c}"] = 0
    m["delta_bytes"] = m["after_unique_bytes"] - m["before_unique_bytes"]
    m["delta_storage_usd"] = m["after_storage_usd"] - m["before_storage_usd"]
    m["delta_total_usd"] = m["after_total_usd"] - m["before_total_usd"]
    m["change"] = np.select(
        [new, removed, m["delta_bytes"] > 0, m["delta_bytes"] < 0],
        ["new", "removed", "grew", "shrank"],
        "unchanged",
    )
    out = m[
        [
            *REPO_KEY,
            "change",
            "before_images",
            "after_images",
            "before_unique_bytes",
            "after_unique_bytes",
            "delta_bytes",
            "before_storage_usd",
            "after_storage_usd",
            "delta_storage_usd",
            "delta_total_usd",
        ]
    ]
    out = out.astype({"before_images": "int64", "after_images": "int64"})
    return out.sort_values(REPO_KEY, kind="stable").reset_index(drop=True)
