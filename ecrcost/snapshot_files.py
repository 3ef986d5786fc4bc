"""Snapshot tables on disk: format v2 (digest dictionary, Hive partitions) and the v1 reader/writer.

Format v2 (what `Snapshot.write` writes)::

    meta.json
    digests.parquet                                  id (int32), digest: every digest, once
    manifests.parquet                                digest_id, media_type, kind, error (one row per digest)
    blobs.parquet                                    manifest_id, blob_id, size_bytes, kind, media_type,
                                                     repeat (true: the pair is listed above already)
    children.parquet                                 index_id, child_id, platform, media_type, size_bytes
    repositories/account_id=A/region=R/part-0.parquet
    images/account_id=A/region=R/part-0.parquet      digest_id, subject_id (ids), tags, ...
    pulls/account_id=A/region=R/part-0.parquet
    in_use/account_id=A/region=R/part-0.parquet      digest_id, source, resource, ... (optional)

The partitioned tables carry one more column, ``position`` (int64): the row's position in the
whole table, so a snapshot reads back in the order it was written.

Partition values are percent-encoded; a null value is ``__HIVE_DEFAULT_PARTITION__`` (the Hive
convention). Partitions are written, and read back, in sorted (account_id, region) order, rows in
their original order within a partition. DuckDB, Athena, Spark and pandas read the layout as is
(declare account_id and region as strings: account ids have leading zeros).

Format v1 (schema_version 1: one ``NAME.parquet`` per table with digest strings) is still read;
`write_v1` is kept so tests can produce v1 snapshots.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import SnapshotError
from .schema import (
    DIGEST_IDS,
    OPTIONAL_TABLES,
    PARTITION_KEYS,
    PARTITIONED,
    SCHEMA,
    conform,
    empty_table,
    v2_columns,
)
from .validation import KEYS, NON_NEGATIVE

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
POSITION = "position"  # partitioned tables: the row's position in the whole table (keeps order)
V2_TABLES = ("digests", *SCHEMA)


# ---- encoding: pandas tables <-> v2 Arrow tables -------------------------------------------------
def encode(
    tables: dict[str, pd.DataFrame], columns: dict[str, list[str]] | None = None
) -> dict[str, pa.Table]:
    """The v2 form of conformed SCHEMA tables: digests replaced by int32 ids into a ``digests``
    table built here. Partitioned tables keep account_id / region as columns (the writer moves
    them into the path). `columns` (v2 names per table) limits what is converted."""
    digest_cols = [(n, c) for n, m in DIGEST_IDS.items() for c in m if n in tables]
    parts = [tables[n][c].astype(object) for n, c in digest_cols]
    lengths = [len(p) for p in parts]
    codes, uniques = (
        pd.factorize(pd.concat(parts, ignore_index=True)) if parts else (np.zeros(0), [])
    )
    out: dict[str, pa.Table] = {
        "digests": pa.table(
            {
                "id": pa.array(np.arange(len(uniques), dtype=np.int32)),
                "digest": pa.array(np.asarray(uniques, dtype=object), pa.string()),
            }
        )
    }
    ids: dict[tuple[str, str], np.ndarray] = {}
    offset = 0
    for key, n in zip(digest_cols, lengths, strict=True):
        ids[key] = codes[offset : offset + n]
        offset += n
    for name, df in tables.items():
        wanted = (columns or {}).get(name)
        cols = {}
        if wanted is not None and POSITION in wanted and name in PARTITIONED:
            cols[POSITION] = pa.array(np.arange(len(df), dtype=np.int64))
        for col in SCHEMA[name]:
            v2 = DIGEST_IDS.get(name, {}).get(col, col)
            if wanted is not None and v2 not in wanted:
                continue
            if (name, col) in ids:
                c = ids[(name, col)]
                cols[v2] = pa.array(c.astype(np.int32), pa.int32(), mask=c < 0)
            else:
                cols[v2] = _arrow(df[col], SCHEMA[name][col])
        table = pa.table(cols) if cols else pa.table({"_": pa.nulls(len(df))}).drop(["_"])
        out[name] = _dedupe(name, table, ids)
    return out


def _dedupe(name: str, table: pa.Table, ids: dict[tuple[str, str], np.ndarray]) -> pa.Table:
    """Format v2 keeps one manifests row per digest (the first: a digest names one document)
    and marks each blobs row that repeats an earlier (manifest, blob) pair (``repeat``)."""
    if name == "manifests":
        dup = pd.Series(ids[("manifests", "digest")]).duplicated().to_numpy()
        return table.filter(pa.array(~dup)) if dup.any() else table
    if name == "blobs":
        m, b = ids[("blobs", "manifest_digest")], ids[("blobs", "blob_digest")]
        keys = pd.Series(m.astype(np.int64) * (int(b.max()) + 1 if len(b) else 1) + b)
        return table.append_column("repeat", pa.array(keys.duplicated().to_numpy()))
    return table


def _arrow(s: pd.Series, dtype: str) -> pa.Array:
    if dtype == "object":  # list[str]
        return pa.array(s.tolist(), pa.list_(pa.string()))
    return pa.Array.from_pandas(s)


def decode(name: str, table: pa.Table, digests: pa.Array) -> pd.DataFrame:
    """A conformed SCHEMA DataFrame from v2 table `name` (ids looked up in `digests`)."""
    cols: dict[str, Any] = {}
    inverse = {v: k for k, v in DIGEST_IDS.get(name, {}).items()}
    for col in table.column_names:
        arr = table.column(col)
        if col not in inverse and col not in SCHEMA[name]:
            continue  # a format-only column (blobs.repeat)
        if col in inverse:
            cols[inverse[col]] = pd.Series(digests.take(arr).to_pandas(), dtype="string")
        elif SCHEMA[name].get(col) == "object":  # list columns: Python lists straight from Arrow
            cols[col] = pd.Series(arr.to_pylist(), dtype=object)
        else:
            cols[col] = arr.to_pandas()
    return conform(name, pd.DataFrame(cols, index=pd.RangeIndex(table.num_rows)))


# ---- format v2 ----------------------------------------------------------------------------------
def partition_dir(account_id: Any, region: Any) -> str:
    """``account_id=A/region=R`` for a partition (percent-encoded; nulls as the Hive marker)."""

    def enc(v: Any) -> str:
        return NULL_PARTITION if v is None or v is pd.NA or v != v else quote(str(v), safe="")

    return f"account_id={enc(account_id)}/region={enc(region)}"


def write_v2(encoded: dict[str, pa.Table], directory: Path) -> None:
    """Write `encode(...)` output into `directory` (which exists and is empty)."""
    for name, table in encoded.items():
        if name not in PARTITIONED:
            pq.write_table(table, directory / f"{name}.parquet")
            continue
        base = directory / name
        base.mkdir()
        keys = pd.DataFrame({k: table.column(k).to_pandas() for k in PARTITION_KEYS})
        body = table.drop(list(PARTITION_KEYS)).append_column(
            POSITION, pa.array(np.arange(table.num_rows, dtype=np.int64))
        )
        if len(keys) == 0:
            continue
        for (account, region), rows in keys.groupby(
            list(PARTITION_KEYS), sort=True, dropna=False
        ).indices.items():
            d = base / partition_dir(account, region)
            d.mkdir(parents=True)
            pq.write_table(body.take(pa.array(rows)), d / "part-0.parquet")


class V2Files:
    """The tables of a v2 snapshot directory, read on demand, only the columns asked for.

    Construction checks that every table is present and readable and has its columns (Parquet
    footers only) and raises `SnapshotError` naming the file otherwise.
    """

    def __init__(self, path: Path):
        self.path = path
        self.files: dict[str, list[tuple[Path, str | None, str | None]]] = {}
        for name in V2_TABLES:
            self.files[name] = files = self._list(name)
            for f, _, _ in files:
                try:
                    names = pq.read_schema(f).names
                except Exception as e:  # pyarrow raises several types for corrupt files
                    raise SnapshotError(f"{f}: unreadable Parquet table ({e})") from None
                missing = [c for c in v2_columns(name) if c not in names]
                if missing:
                    raise SnapshotError(f"{f}: missing columns {missing}")
        self._digests: pa.Array | None = None

    def _list(self, name: str) -> list[tuple[Path, str | None, str | None]]:
        if name not in PARTITIONED:
            f = self.path / f"{name}.parquet"
            if not f.is_file():
                raise SnapshotError(f"{self.path}: missing table {f.name}")
            return [(f, None, None)]
        base = self.path / name
        if not base.is_dir() and name in OPTIONAL_TABLES:
            return []  # an optional table (written by later collectors): empty
        if not base.is_dir():
            raise SnapshotError(f"{self.path}: missing table {name}/")
        out = []
        for f in base.glob("account_id=*/region=*/*.parquet"):
            account = _dec(f.parent.parent.name.split("=", 1)[1])
            region = _dec(f.parent.name.split("=", 1)[1])
            out.append((f, account, region))
        return sorted(out, key=lambda t: (t[1] is None, t[1] or "", t[2] is None, t[2] or "", t[0]))

    def globs(self, name: str) -> str:
        """A glob (DuckDB / Spark style) matching the files of table `name`."""
        if name in PARTITIONED:
            return str(self.path / name / "account_id=*" / "region=*" / "*.parquet")
        return str(self.path / f"{name}.parquet")

    def arrow(self, name: str, columns: Iterable[str] | None = None) -> pa.Table:
        """Table `name` in its v2 columns (partition keys included as strings), or only `columns`.

        Rows come in the table's order, unless `columns` asks for ``position`` (partitioned
        tables): then they come in file order and ``position`` says where each belongs."""
        stored = v2_columns(name)
        wanted = (
            list(columns)
            if columns is not None
            else stored + (list(PARTITION_KEYS) if name in PARTITIONED else [])
        )
        read = [c for c in wanted if c not in PARTITION_KEYS]
        keep_order = name in PARTITIONED and POSITION not in wanted
        if keep_order:
            read.append(POSITION)
        pieces = []
        for f, account, region in self.files[name]:
            try:
                t = pq.read_table(f, columns=read)
            except Exception as e:
                raise SnapshotError(f"{f}: unreadable Parquet table ({e})") from None
            for key, value in (("account_id", account), ("region", region)):
                if key in wanted:
                    t = t.append_column(key, _constant(value, t.num_rows))
            pieces.append(t)
        if not pieces:
            return _empty_v2(name, wanted)
        table = pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]
        if keep_order:
            pos = table.column(POSITION).to_numpy()
            if len(pos) > 1 and not (pos[1:] > pos[:-1]).all():
                table = table.take(pa.array(np.argsort(pos, kind="stable")))
        return table.select(wanted)

    def digests(self) -> pa.Array:
        """The digest strings; position = id."""
        if self._digests is None:
            t = self.arrow("digests")
            ids = t.column("id").to_numpy()
            if not np.array_equal(ids, np.arange(len(ids))):
                raise SnapshotError(f"{self.path / 'digests.parquet'}: ids are not 0..n-1")
            self._digests = t.column("digest").combine_chunks()
        return self._digests

    def frame(self, name: str) -> pd.DataFrame:
        """Table `name` as its SCHEMA DataFrame (digest strings restored)."""
        table = self.arrow(name)
        try:
            return decode(name, table, self.digests())
        except (ValueError, TypeError, pa.ArrowException) as e:
            raise SnapshotError(f"{self.path / name}: column of the wrong type ({e})") from None


def duckdb_connect(**config: Any) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection on this process's CPUs that never draws a progress bar
    (ecrcost's output is its own). `config`: more DuckDB settings."""
    con = duckdb.connect(config={"threads": max(1, len(os.sched_getaffinity(0))), **config})
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:  # Jupyter without ipywidgets refuses the setting (and draws no bar)
        pass
    return con


def check_v2(files: V2Files, where: str) -> None:
    """The table rules of `ecrcost.validation` (keys present and unique, sizes and pull counts
    finite and >= 0), checked by DuckDB over the v2 files themselves, so a loaded snapshot is
    validated without reading its tables into memory. Raises `SnapshotError` naming the table,
    the first offending row (its position in the table) and why."""
    con = duckdb_connect()
    hive = "hive_partitioning = true, hive_types = {'account_id': VARCHAR, 'region': VARCHAR}"
    for name in SCHEMA:
        if not files.files[name]:
            continue
        glob = files.globs(name).replace("'", "''")
        if name in PARTITIONED:
            src, pos = f"read_parquet('{glob}', {hive})", POSITION
        else:
            src, pos = f"read_parquet('{glob}', file_row_number = true)", "file_row_number"
        ids = DIGEST_IDS.get(name, {})
        key = [ids.get(c, c) for c in KEYS.get(name, [])]
        checks = []
        if key:
            checks.append(("null", " OR ".join(f"{c} IS NULL" for c in key)))
        for col in NON_NEGATIVE.get(name, []):
            if _stats_non_negative(files.files[name], col):
                continue  # every row group's minimum is >= 0: no scan needed
            unknown_ok = "" if col == "pulls" else f"{col} IS NOT NULL AND "
            checks.append(
                (col, f"{unknown_ok}(NOT isfinite({col}::DOUBLE) OR {col} < 0 OR {col} IS NULL)")
            )
        parts = [f"min({pos}) FILTER ({cond})" for _, cond in checks]
        if key:
            parts += ["count(*)", f"count(DISTINCT hash({', '.join(key)}))"]
        if not parts:
            continue  # nothing to check in this table (the stats settled its sizes)
        got = con.execute(f"SELECT {', '.join(parts)} FROM {src}").fetchall()[0]
        for (what, _), row in zip(checks, got, strict=False):
            if row is None:
                continue
            if what == "null":
                values = con.execute(f"SELECT {', '.join(key)} FROM {src} WHERE {pos} = {row}")
                col = next(c for c, v in zip(key, values.fetchall()[0], strict=True) if v is None)
                raise SnapshotError(
                    f"{where}/{name}: row {row}: {_schema_name(name, col)} is missing "
                    "(part of the table's key)"
                )
            value = con.execute(f"SELECT {what} FROM {src} WHERE {pos} = {row}").fetchall()
            raise SnapshotError(
                f"{where}/{name}: row {row}: {what} = {value[0][0]} (must be a finite number >= 0)"
            )
        if key and got[-1] < got[-2]:  # hashes repeat: find the first row that repeats a key
            cols = ", ".join(key)
            dup = con.execute(
                f"SELECT min(p) FROM (SELECT {pos} AS p, row_number() OVER "
                f"(PARTITION BY {cols} ORDER BY {pos}) AS k FROM {src}) WHERE k > 1"
            ).fetchall()[0][0]
            if dup is not None:
                raise SnapshotError(
                    f"{where}/{name}: row {dup}: duplicated {'/'.join(KEYS[name])}; each may "
                    "appear once"
                )


def _stats_non_negative(files: list[tuple[Path, str | None, str | None]], col: str) -> bool:
    """True when the Parquet statistics of integer column `col` show a minimum >= 0 in every row
    group of every file (integers are finite; nulls are allowed for sizes)."""
    for f, _, _ in files:
        meta = pq.read_metadata(f)
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        if col not in names:
            return False
        j = names.index(col)
        for g in range(meta.num_row_groups):
            c = meta.row_group(g).column(j)
            st = c.statistics
            if c.physical_type not in ("INT32", "INT64") or st is None:
                return False
            if st.has_min_max and st.min < 0:
                return False
            if not st.has_min_max and st.null_count != meta.row_group(g).num_rows:
                return False
    return True


def _schema_name(name: str, col: str) -> str:
    return {v: k for k, v in DIGEST_IDS.get(name, {}).items()}.get(col, col)


def _constant(value: str | None, n: int) -> pa.Array:
    """A string column of `n` copies of `value` (built in Arrow, not as a Python list)."""
    codes = pa.array(np.zeros(n, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(codes, pa.array([value], pa.string())).cast(pa.string())


def _dec(v: str) -> str | None:
    return None if v == NULL_PARTITION else unquote(v)


def _empty_v2(name: str, columns: list[str]) -> pa.Table:
    types: dict[str, pa.DataType] = {}
    fixed = {"id": pa.int32(), "digest": pa.string(), POSITION: pa.int64(), "repeat": pa.bool_()}
    for c in columns:
        if c in fixed:
            types[c] = fixed[c]
        elif c.endswith("_id"):
            types[c] = pa.int32()
        elif c in PARTITION_KEYS:
            types[c] = pa.string()
        else:
            types[c] = _arrow(empty_table(name)[c], SCHEMA[name][c]).type
    return pa.schema(types).empty_table()


# ---- format v1 (read, and written for tests) ---------------------------------------------------
def write_v1(tables: dict[str, pd.DataFrame], meta: dict[str, Any], directory: Path) -> None:
    """Write a schema_version 1 snapshot (one NAME.parquet per table) into `directory`."""
    meta = dict(meta, schema_version=1)
    (directory / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    for name, df in tables.items():
        table = pa.Table.from_pandas(conform(name, df), preserve_index=False)
        pq.write_table(table, directory / f"{name}.parquet")


def read_v1(path: Path) -> dict[str, pd.DataFrame]:
    """Every table of a v1 snapshot directory, validated (SnapshotError names what is wrong)."""
    tables = {}
    for name, columns in SCHEMA.items():
        f = path / f"{name}.parquet"
        if not f.is_file() and name in OPTIONAL_TABLES:
            tables[name] = empty_table(name)
            continue
        if not f.is_file():
            raise SnapshotError(f"{path}: missing table {f.name}")
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
    return tables


def file_size(path: str | os.PathLike[str]) -> int:
    """Total bytes of the files under a snapshot directory."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
