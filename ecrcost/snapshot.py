"""The snapshot: what `ecrcost collect` saves and every later stage reads.

A snapshot is a directory: ``meta.json`` plus one Parquet table per kind of row (format v2, the
layout in `ecrcost.snapshot_files`: digests stored once in a ``digests`` dictionary and referenced
by int32 ids; repositories, images and pulls Hive-partitioned by account_id / region)::

    repositories     one row per repository
    images           one row per image (DescribeImages ImageDetail), archived images included
    manifests        one row per distinct manifest digest (content-addressed, global)
    blobs            manifest -> blob edges (config + each layer, with compressed size)
    children         index / manifest list -> child manifest edges (with platform)
    pulls            daily CloudWatch RepositoryPullCount sums per repository
    in_use           images that run (ECS, Lambda, Inspector), from `collect --in-use`;
                     optional: a snapshot without it reads as an empty table

Columns and dtypes of every table, as the DataFrames `snap.images` etc. show them, are in
`ecrcost.schema.SCHEMA` (sizes are bytes, times are UTC). Manifests, blobs and children are keyed
by digest only: a digest names the same content in every account and region, so each is stored
once however many repositories hold it. Version 1 snapshots (one NAME.parquet per table, digest
strings) still load.

`meta.json` keys:
    schema_version  int: 2 (written); 1 and 2 are read
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from . import __version__
from .errors import SnapshotError
from .files import atomic_directory
from .schema import OPTIONAL_TABLES, SCHEMA, conform, empty_table
from .snapshot_files import V2Files, check_v2, encode, read_v1, write_v2
from .validation import check_meta, validate_snapshot

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
__all__ = [
    "OPTIONAL_TABLES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "READABLE_VERSIONS",
    "Snapshot",
    "conform",
    "empty_table",
    "load_snapshot",
    "new_meta",
]


class Snapshot:
    """An ECR inventory: `meta` (dict, see module docstring) and one DataFrame per table.

    Build one with `Snapshot.build(meta, **tables)` (which conforms every table to the schema), read
    one with `load_snapshot(path)`, save with `snapshot.write(path)`. A snapshot loaded from a v2
    directory reads each table only when it is first used (`snap.images`, ...); the storage engine
    reads just the columns it needs from the files instead (`snap.arrow`).
    """

    def __init__(
        self,
        meta: dict[str, Any],
        repositories: pd.DataFrame | None = None,
        images: pd.DataFrame | None = None,
        manifests: pd.DataFrame | None = None,
        blobs: pd.DataFrame | None = None,
        children: pd.DataFrame | None = None,
        pulls: pd.DataFrame | None = None,
        in_use: pd.DataFrame | None = None,
        path: Path | None = None,
        files: V2Files | None = None,
    ):
        self.meta = meta
        self.path = path
        self._files = files  # the v2 directory backing tables not yet read
        self._tables: dict[str, pd.DataFrame] = {}
        self._read: set[str] = set()  # tables read from the files and not replaced since
        given = dict(
            repositories=repositories,
            images=images,
            manifests=manifests,
            blobs=blobs,
            children=children,
            pulls=pulls,
            in_use=in_use,
        )
        for name, df in given.items():
            if df is not None:
                self._tables[name] = df
            elif files is None:
                self._tables[name] = empty_table(name)

    def _get(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            assert self._files is not None
            self._tables[name] = self._files.frame(name)
            self._read.add(name)
        return self._tables[name]

    def _set(self, name: str, df: pd.DataFrame) -> None:
        self._tables[name] = df
        self._read.discard(name)

    repositories = property(
        lambda s: s._get("repositories"), lambda s, v: s._set("repositories", v)
    )
    images = property(lambda s: s._get("images"), lambda s, v: s._set("images", v))
    manifests = property(lambda s: s._get("manifests"), lambda s, v: s._set("manifests", v))
    blobs = property(lambda s: s._get("blobs"), lambda s, v: s._set("blobs", v))
    children = property(lambda s: s._get("children"), lambda s, v: s._set("children", v))
    pulls = property(lambda s: s._get("pulls"), lambda s, v: s._set("pulls", v))
    in_use = property(lambda s: s._get("in_use"), lambda s, v: s._set("in_use", v))

    @classmethod
    def build(cls, meta: dict[str, Any] | None = None, **tables: Any) -> Snapshot:
        """A snapshot from row lists or DataFrames; `meta` gets defaults for any key it lacks."""
        unknown = set(tables) - set(SCHEMA)
        if unknown:
            raise ValueError(f"unknown snapshot tables {sorted(unknown)}")
        full_meta = new_meta()
        full_meta.update(meta or {})
        return cls(meta=full_meta, **{n: conform(n, tables.get(n)) for n in SCHEMA})

    def arrow(self, columns: dict[str, list[str]]) -> dict[str, pa.Table]:
        """Tables in their format-v2 columns (digests as int32 ids into a ``digests`` table; the
        partitioned tables with account_id and region), only the tables and columns asked for
        (``{"images": ["digest_id", ...], "digests": ["id", "digest"]}``).

        Straight from the files while the snapshot is backed by a v2 directory (`files`; a table
        that was read stays backed: change a loaded snapshot by assigning a table, not in place);
        otherwise encoded from the DataFrames (ids are then consistent within one call only).
        """
        files = self.files()
        if files is not None:
            return {n: files.arrow(n, c) for n, c in columns.items()}
        out = encode({n: self._get(n) for n in columns if n in SCHEMA}, columns)
        return {n: out[n] for n in columns}

    def files(self) -> V2Files | None:
        """The v2 directory whose files hold the snapshot's tables as they are (None in memory,
        for a v1 snapshot, or once a table has been replaced by assignment)."""
        if self._files is None or any(n in self._tables for n in SCHEMA if n not in self._read):
            return None
        return self._files

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
        counts = ", ".join(
            f"{n}={len(self._tables[n])}" if n in self._tables else f"{n}=(on disk)" for n in SCHEMA
        )
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
            write_v2(encode({n: conform(n, df) for n, df in self.tables().items()}), tmp)
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
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
    if version not in READABLE_VERSIONS:
        raise SnapshotError(
            f"{p}: snapshot schema version {version!r}, this ecrcost reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}"
        )
    for key in ("collected_at", "targets"):
        if key not in meta:
            raise SnapshotError(f"{meta_file}: missing key {key!r}")
    if version == 1:
        snap = Snapshot(meta=meta, **read_v1(p))
        snap.path = p
        validate_snapshot(snap)  # types, ranges, unique keys, finite numbers (ecrcost.validation)
        return snap
    check_meta(meta, str(meta_file))
    files = V2Files(p)
    check_v2(files, str(p))  # the same table rules, over the files (nothing read into memory)
    snap = Snapshot(meta=meta, files=files)
    snap.path = p
    return snap
