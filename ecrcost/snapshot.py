"""The snapshot: what `ecrcost collect` saves and every later stage reads.

A snapshot is a directory::

    meta.json                 schema_version, collected_at, tool_version, pull_days, targets, registries
    repositories.parquet      one row per repository
    images.parquet            one row per image (DescribeImages ImageDetail), archived images included
    manifests.parquet         one row per distinct manifest digest (content-addressed, global)
    blobs.parquet             manifest -> blob edges (config + each layer, with compressed size)
    children.parquet          index / manifest list -> child manifest edges (with platform)
    pulls.parquet             daily CloudWatch RepositoryPullCount sums per repository
    in_use.parquet            images that run (ECS, Lambda, Inspector), from `collect --in-use`;
                              optional: a snapshot without it reads as an empty table

Columns and dtypes of every table are in `SCHEMA` below (sizes are bytes, times are UTC).
Manifests, blobs and children are keyed by digest only: a digest names the same content in every
account and region, so each is stored once however many repositories hold it.

`meta.json` keys:
    schema_version  int, must equal SCHEMA_VERSION
    tool            "ecrcost";  tool_version: str
    collected_at    ISO-8601 UTC time the collection started
    pull_days       int, the CloudWatch window (days) the pulls table covers
    targets         list of {account_id, region, status: "ok"|"partial"|"failed", error: str|null,
                    errors: [{repository, error}], notes: [str], role_arn: str|null}
    registries      list of {account_id, region, replication_rules: list|"unknown",
                    registry_policy: bool|"unknown", pull_through_cache_rules: list|"unknown",
                    blob_mounting: "ENABLED"|"DISABLED"|"unknown"}
    settings        dict of the collection options (workers, manifests, endpoint_url, ...)
    api_calls       {"service:Operation": count} made by the collection
    in_use          {collected: bool, inspector: {"<account> <region>": "on"|"off"|"unknown"}}
                    (absent: collected without --in-use)

Writes are atomic (a temporary sibling directory, then one rename); reading validates the schema
version and every table's columns and fails with `SnapshotError` naming what is wrong.
A snapshot never holds credentials.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__
from .errors import SnapshotError
from .files import atomic_directory
from .validation import validate_snapshot

SCHEMA_VERSION = 1

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


@dataclass
class Snapshot:
    """An ECR inventory: `meta` (dict, see module docstring) and one DataFrame per table.

    Build one with `Snapshot.build(meta, **tables)` (which conforms every table to the schema), read
    one with `load_snapshot(path)`, save with `snapshot.write(path)`.
    """

    meta: dict[str, Any]
    repositories: pd.DataFrame = field(default_factory=lambda: empty_table("repositories"))
    images: pd.DataFrame = field(default_factory=lambda: empty_table("images"))
    manifests: pd.DataFrame = field(default_factory=lambda: empty_table("manifests"))
    blobs: pd.DataFrame = field(default_factory=lambda: empty_table("blobs"))
    children: pd.DataFrame = field(default_factory=lambda: empty_table("children"))
    pulls: pd.DataFrame = field(default_factory=lambda: empty_table("pulls"))
    in_use: pd.DataFrame = field(default_factory=lambda: empty_table("in_use"))
    path: Path | None = None

    @classmethod
    def build(cls, meta: dict[str, Any] | None = None, **tables: Any) -> Snapshot:
        """A snapshot from row lists or DataFrames; `meta` gets defaults for any key it lacks."""
        unknown = set(tables) - set(SCHEMA)
        if unknown:
            raise ValueError(f"unknown snapshot tables {sorted(unknown)}")
        full_meta = new_meta()
        full_meta.update(meta or {})
        return cls(meta=full_meta, **{n: conform(n, tables.get(n)) for n in SCHEMA})

    # ---- convenience views -------------------------------------------------------------------
    @property
    def collected_at(self) -> pd.Timestamp:
        """When collection started (UTC)."""
        return pd.Timestamp(self.meta["collected_at"]).tz_convert("UTC")

    @property
    def targets(self) -> pd.DataFrame:
        """Account-regions collected: account_id, region, status, error, role_arn, errors (count)."""
        rows = [
            {
                "account_id": t.get("account_id"),
                "region": t.get("region"),
                "status": t.get("status"),
                "error": t.get("error"),
                "role_arn": t.get("role_arn"),
                "errors": len(t.get("errors") or []),
            }
            for t in self.meta.get("targets", [])
        ]
        cols = ["account_id", "region", "status", "error", "role_arn", "errors"]
        return pd.DataFrame(rows, columns=cols)

    @property
    def incomplete_targets(self) -> pd.DataFrame:
        """The targets whose status is not "ok" (failed or partial)."""
        t = self.targets
        return t[t["status"] != "ok"].reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, in schema order."""
        return {name: getattr(self, name) for name in SCHEMA}

    def __repr__(self) -> str:
        counts = ", ".join(f"{n}={len(df)}" for n, df in self.tables().items())
        return f"<Snapshot {self.path or '(in memory)'} collected_at={self.meta.get('collected_at')} {counts}>"

    # ---- persistence -------------------------------------------------------------------------
    def write(self, path: str | os.PathLike[str], force: bool = False) -> Path:
        """Write the snapshot to directory `path` atomically; return the path.

        Everything is written into a temporary sibling directory which is then renamed into place,
        so a crash never leaves a half-written snapshot. An existing `path` is refused with
        `OutputExistsError` unless `force` is true (then it is replaced only after the new snapshot
        is complete).
        """
        with atomic_directory(path, force) as tmp:
            meta = dict(self.meta, schema_version=SCHEMA_VERSION)
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
            for name, df in self.tables().items():
                table = pa.Table.from_pandas(conform(name, df), preserve_index=False)
                pq.write_table(table, tmp / f"{name}.parquet")
        dest = Path(path)
        self.path = dest
        return dest


def new_meta(**overrides: Any) -> dict[str, Any]:
    """A `meta.json` dict with every key present (defaults for an empty, in-memory snapshot)."""
    meta: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": "ecrcost",
        "tool_version": __version__,
        "collected_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "pull_days": 30,
        "targets": [],
        "registries": [],
        "settings": {},
    }
    meta.update(overrides)
    return meta


def load_snapshot(path: str | os.PathLike[str]) -> Snapshot:
    """Read and validate the snapshot directory at `path`.

    Raises `SnapshotError` with a message naming the problem: the path is missing or not a
    directory, `meta.json` is missing or not JSON, the schema version differs, a table file is
    missing or unreadable, or a table lacks a column of the schema.
    """
    p = Path(path)
    if not p.exists():
        raise SnapshotError(f"{p}: no such snapshot (run `ecrcost collect --out {p}` first)")
    if not p.is_dir():
        raise SnapshotError(f"{p}: not a snapshot directory")
    meta_file = p / "meta.json"
    if not meta_file.is_file():
        raise SnapshotError(f"{p}: not an ecrcost snapshot (no meta.json)")
    try:
        meta = json.loads(meta_file.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise SnapshotError(f"{meta_file}: corrupt meta.json ({e})") from None
    if not isinstance(meta, dict) or meta.get("tool", "ecrcost") != "ecrcost":
        raise SnapshotError(f"{meta_file}: not an ecrcost snapshot")
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        raise SnapshotError(
            f"{p}: snapshot schema version {version!r}, this ecrcost reads version {SCHEMA_VERSION}"
        )
    for key in ("collected_at", "targets"):
        if key not in meta:
            raise SnapshotError(f"{meta_file}: missing key {key!r}")
    tables = {}
    for name, columns in SCHEMA.items():
        f = p / f"{name}.parquet"
        if not f.is_file() and name in OPTIONAL_TABLES:
            tables[name] = empty_table(name)
            continue
        if not f.is_file():
            raise SnapshotError(f"{p}: missing table {f.name}")
        try:
            table = pq.read_table(f)
            df = table.to_pandas()
            for col in table.column_names:  # list columns: Python lists straight from Arrow (fast)
                if SCHEMA[name].get(col) == "object":
                    df[col] = pd.Series(table.column(col).to_pylist(), index=df.index, dtype=object)
        except Exception as e:  # pyarrow raises several types for corrupt files
            raise SnapshotError(f"{f}: unreadable Parquet table ({e})") from None
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise SnapshotError(f"{f}: missing columns {missing}")
        try:
            tables[name] = conform(name, df[list(columns)])
        except (ValueError, TypeError) as e:
            raise SnapshotError(f"{f}: column of the wrong type ({e})") from None
    snap = Snapshot(meta=meta, **tables)
    snap.path = p
    validate_snapshot(snap)  # types, ranges, unique keys, finite numbers (ecrcost.validation)
    return snap
