"""The snapshot's tables: column names and dtypes (`SCHEMA`), and the on-disk layout of format v2.

`SCHEMA` is what every stage sees: one pandas DataFrame per table with these columns and dtypes
(sizes are bytes, times are UTC). Format v2 (`V2_LAYOUT`) stores the same tables with every
digest replaced by an integer id into one dictionary table (``digests``: id int32, digest
string), and the per-registry tables (repositories, images, pulls) Hive-partitioned by
``account_id`` / ``region`` (the two columns live in the directory names, not in the files).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

_TS = "datetime64[ns, UTC]"

#: table name -> {column: pandas dtype}. The order here is the column order on disk.
SCHEMA: dict[str, dict[str, str]] = {
    "repositories": {
        "account_id": "string",
        "region": "string",
        "repository": "string",
        "arn": "string",
        "created_at": _TS,
        "tag_mutability": "string",
        "encryption_type": "string",
        "kms_key": "string",
        "scan_on_push": "boolean",
        "tags": "string",  # JSON object text {"key": "value"} of the repository's resource tags
        "lifecycle_policy": "string",  # policy JSON text, <NA> when the repository has none
        "repository_policy": "string",  # policy JSON text, <NA> when the repository has none
        "error": "string",  # <NA>, or why part of this repository could not be collected
        "images_complete": "boolean",  # False when its images could not be listed (sizes unknown)
    },
    "images": {
        "account_id": "string",
        "region": "string",
        "repository": "string",
        "digest": "string",
        "tags": "object",  # list[str]; empty list when untagged
        "pushed_at": _TS,
        "size_bytes": "Int64",  # imageSizeInBytes as ECR reports it (compressed; index: max child)
        "manifest_media_type": "string",
        "artifact_media_type": "string",
        "last_pull_at": _TS,  # lastRecordedPullTime (refreshed by ECR at most daily), NaT if never
        "status": "string",  # ACTIVE | ARCHIVED | ACTIVATING
        "archived_at": _TS,
        "activated_at": _TS,
        "subject_digest": "string",
    },
    "manifests": {
        "digest": "string",
        "media_type": "string",
        "kind": "string",  # "image" | "index" | "unparsed"
        "error": "string",  # why an "unparsed" manifest could not be read, else <NA>
    },
    "blobs": {
        "manifest_digest": "string",
        "blob_digest": "string",
        "size_bytes": "int64",
        "kind": "string",  # "config" | "layer"
        "media_type": "string",
    },
    "children": {
        "index_digest": "string",
        "child_digest": "string",
        "platform": "string",  # "os/architecture[/variant]", <NA> when the index does not say
        "media_type": "string",
        "size_bytes": "Int64",  # size of the child manifest document itself
    },
    "pulls": {
        "account_id": "string",
        "region": "string",
        "repository": "string",
        "date": _TS,  # start of the UTC day
        "pulls": "float64",  # RepositoryPullCount, Sum over the day
    },
    "in_use": {
        "account_id": "string",
        "region": "string",
        "repository": "string",
        "digest": "string",  # the image (tag references resolved to digests)
        "source": "string",  # "ecs" | "lambda" | "inspector"
        "resource": "string",  # task / service / function ARN, or the Inspector resource id
        "reference": "string",  # the image reference as the resource names it (URI:tag / @digest)
        "in_use_count": "Int64",  # Inspector inUseCount (ECS tasks / EKS pods); <NA> otherwise
        "last_in_use_at": _TS,  # Inspector lastInUseAt; NaT otherwise
    },
}

#: tables a snapshot may lack (written by later versions of the collector): read as empty
OPTIONAL_TABLES = frozenset({"in_use"})


def empty_table(name: str) -> pd.DataFrame:
    """An empty DataFrame with the columns and dtypes of table `name`."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in SCHEMA[name].items()})


def conform(name: str, df: pd.DataFrame | list[dict[str, Any]] | None) -> pd.DataFrame:
    """Return `df` (a DataFrame or list of row dicts) with exactly table `name`'s columns and dtypes.

    Missing columns are added as nulls; extra columns are an error (a typo would silently lose data).
    """
    if df is None:
        return empty_table(name)
    frame = df if isinstance(df, pd.DataFrame) else pd.DataFrame(list(df))
    if len(frame) == 0 and len(frame.columns) == 0:
        return empty_table(name)
    extra = set(frame.columns) - set(SCHEMA[name])
    if extra:
        raise ValueError(f"table {name!r}: unknown columns {sorted(extra)}")
    out = {}
    for col, dtype in SCHEMA[name].items():
        s = (
            frame[col]
            if col in frame.columns
            else pd.Series([None] * len(frame), index=frame.index)
        )
        out[col] = _as_dtype(s, dtype)
    return pd.DataFrame(out).reset_index(drop=True)


def _as_dtype(s: pd.Series, dtype: str) -> pd.Series:
    if dtype == _TS:
        return pd.to_datetime(s, utc=True).astype(_TS)
    if dtype == "object":  # list[str]; a comprehension is several times faster than Series.map here
        lists = [
            v
            if type(v) is list
            else []
            if v is None or (isinstance(v, float) and pd.isna(v))
            else list(v)
            for v in s
        ]
        return pd.Series(lists, index=s.index, dtype=object)
    return s.astype(dtype)


# ---- format v2 ---------------------------------------------------------------------------------
#: column of a SCHEMA table -> its integer-id column in format v2 (ids index the digests table)
DIGEST_IDS: dict[str, dict[str, str]] = {
    "images": {"digest": "digest_id", "subject_digest": "subject_id"},
    "in_use": {"digest": "digest_id"},
    "manifests": {"digest": "digest_id"},
    "blobs": {"manifest_digest": "manifest_id", "blob_digest": "blob_id"},
    "children": {"index_digest": "index_id", "child_digest": "child_id"},
}
#: tables stored Hive-partitioned as NAME/account_id=A/region=R/part-0.parquet
PARTITIONED = ("repositories", "images", "pulls", "in_use")
PARTITION_KEYS = ("account_id", "region")


def v2_columns(name: str) -> list[str]:
    """The columns of table `name` as format v2 stores them (ids for digests; partitioned tables
    without account_id / region, which are in the directory names)."""
    if name == "digests":
        return ["id", "digest"]
    ids = DIGEST_IDS.get(name, {})
    cols = [ids.get(c, c) for c in SCHEMA[name]]
    if name in PARTITIONED:
        cols = [c for c in cols if c not in PARTITION_KEYS]
    return cols + V2_EXTRA.get(name, [])


#: columns format v2 adds: ``blobs.repeat`` is true on a row whose (manifest, blob) pair an
#: earlier row already lists (a layer listed twice), so readers sum distinct blobs without a
#: DISTINCT; partitioned tables also carry ``position`` (see `ecrcost.snapshot_files`)
V2_EXTRA: dict[str, list[str]] = {"blobs": ["repeat"]}
