"""SQL over a snapshot: `sql(snapshot, query)` -> DataFrame, and `ecrcost sql SNAPSHOT "SELECT ..."`.

The query runs in an in-process DuckDB database holding these tables (names and columns as in
`ecrcost.schema.SCHEMA`, digests as strings; sizes in bytes, times UTC):

    repositories  images  manifests  blobs  children  pulls      the snapshot's tables
    repository_storage     `ecrcost.repository_storage(snap)` (repository scope)
    costs                  `ecrcost.costs(snap, by="repository")` (bundled catalog, no traffic)

Read-only by construction: the tables are copied into the database, then external access (files,
URLs, extensions) is switched off and the configuration locked, and only one SELECT (or WITH ...
SELECT) statement is accepted -- no INSERT, COPY, ATTACH, SET, PRAGMA or DDL. A bad query raises
`QueryError` with DuckDB's message on one line.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from .errors import QueryError
from .pricing.summary import costs
from .schema import DIGEST_IDS, PARTITION_KEYS, PARTITIONED, SCHEMA, v2_columns
from .snapshot import Snapshot
from .snapshot_files import duckdb_connect
from .storage import repository_storage

VIEWS = (*SCHEMA, "repository_storage", "costs")
_ALLOWED = {duckdb.StatementType.SELECT}


def connect(snapshot: Snapshot) -> duckdb.DuckDBPyConnection:
    """A locked-down DuckDB connection holding the snapshot's tables and the model's outputs."""
    con = duckdb_connect()
    columns = {
        n: v2_columns(n) + (list(PARTITION_KEYS) if n in PARTITIONED else []) for n in SCHEMA
    }
    columns["digests"] = v2_columns("digests")
    arrow = snapshot.arrow(columns)
    con.register("_digests", arrow["digests"])
    for name in SCHEMA:
        con.register(f"_{name}", arrow[name])
        ids = DIGEST_IDS.get(name, {})
        select, joins = [], []
        for i, col in enumerate(SCHEMA[name]):
            if col in ids:
                select.append(f"d{i}.digest AS {col}")
                joins.append(f"LEFT JOIN _digests d{i} ON d{i}.id = t.{ids[col]}")
            else:
                select.append(f"t.{col}")
        con.execute(
            f"CREATE TABLE {name} AS SELECT {', '.join(select)} FROM _{name} t {' '.join(joins)}"
        )
        con.unregister(f"_{name}")
    con.unregister("_digests")
    for name, df in (
        ("repository_storage", repository_storage(snapshot)),
        ("costs", costs(snapshot, by="repository")),
    ):
        con.register("_frame", pa.Table.from_pandas(df, preserve_index=False))
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def sql(
    snapshot: Snapshot, query: str, con: duckdb.DuckDBPyConnection | None = None
) -> pd.DataFrame:
    """Run one read-only SELECT over the snapshot's tables (module docstring) -> DataFrame.

    `con` (from `connect`) is reused when given, for several queries over one snapshot.
    Raises `QueryError` for bad SQL, anything but a single SELECT, or a failing query.
    """
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as e:
        raise QueryError(_one_line(e)) from None
    if len(statements) != 1:
        raise QueryError(f"expected one SELECT statement, got {len(statements)}")
    if statements[0].type not in _ALLOWED:
        kind = statements[0].type.name
        raise QueryError(f"only SELECT queries are allowed (read-only), not {kind}")
    con = con or connect(snapshot)
    try:
        return con.execute(query).df()
    except duckdb.Error as e:
        raise QueryError(_one_line(e)) from None


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())
