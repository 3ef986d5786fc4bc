"""Hypothesis fuzzing of the three loaders a user feeds files to: the snapshot loader (meta.json and
table values), the traffic profile parser and the price catalog loader. The property: no
exception but the documented error type (SnapshotError, TrafficProfileError, PriceCatalogError),
and a snapshot the loader accepts can be priced (no exception but an EcrcostError).

Deterministic (``derandomize``) and small, so CI runs it in seconds.
"""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ecrcost
from ecrcost.errors import EcrcostError, PriceCatalogError, SnapshotError, TrafficProfileError
from ecrcost.pricing.catalog import COLUMNS as CATALOG_COLUMNS
from ecrcost.pricing.catalog import load_catalog
from ecrcost.snapshot import load_snapshot
from ecrcost.snapshot_files import write_v1
from ecrcost.synthetic import synthetic_snapshot
from ecrcost.traffic import TrafficProfile, load_traffic

FUZZ = settings(
    max_examples=60,
    derandomize=True,
    database=None,  # derandomized: nothing to remember between runs
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)  # json.dumps writes inf as Infinity (Python's json reads it back)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
META_KEYS = [
    "schema_version",
    "tool",
    "collected_at",
    "pull_days",
    "targets",
    "registries",
    "settings",
]
target_entries = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "account_id": json_values,
            "region": json_values,
            "status": st.sampled_from(["ok", "partial", "failed", "x"]) | json_values,
            "errors": json_values,
            "notes": json_values,
            "error": json_values,
        },
    ),
    max_size=3,
)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    # format v1 (one NAME.parquet per table), which the table fuzz below rewrites; the v2 loader's
    # validation of the same rules is tested in test_snapshot.py
    path = tmp_path_factory.mktemp("fuzz") / "base"
    path.mkdir()
    snap = synthetic_snapshot(images=30, repositories=3, seed=5)
    write_v1(snap.tables(), snap.meta, path)
    return path


def _copy(base, tmp_path_factory):
    dest = tmp_path_factory.mktemp("case") / "snap"
    shutil.copytree(base, dest)
    return dest


def _accepts_or_snapshot_error(path):
    try:
        snap = load_snapshot(path)
    except SnapshotError:
        return
    try:  # accepted: every later stage must cope (or say why, in one line)
        ecrcost.costs(snap)
    except EcrcostError:
        pass


@FUZZ
@given(
    changes=st.dictionaries(st.sampled_from(META_KEYS), json_values, max_size=3),
    targets=st.none() | target_entries,
)
def test_meta_json_fuzz(base, tmp_path_factory, changes, targets):
    _damaged_meta_is_accepted_or_refused(base, tmp_path_factory, changes, targets)


def _damaged_meta_is_accepted_or_refused(base, tmp_path_factory, changes, targets):
    path = _copy(base, tmp_path_factory)
    meta = json.loads((path / "meta.json").read_text())
    meta.update(changes)
    if targets is not None:
        meta["targets"] = targets
    (path / "meta.json").write_text(json.dumps(meta))
    _accepts_or_snapshot_error(path)


@FUZZ
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_meta_json_bytes_fuzz(base, tmp_path_factory, raw):
    path = _copy(base, tmp_path_factory)
    (path / "meta.json").write_bytes(raw)
    _accepts_or_snapshot_error(path)


numbers = (
    st.integers(min_value=-(2**62), max_value=2**62).map(float)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.none()
)
numeric_columns = st.sampled_from(
    [
        ("images", "size_bytes"),
        ("blobs", "size_bytes"),
        ("pulls", "pulls"),
        ("children", "size_bytes"),
    ]
)


def _with_values(df, col, values, duplicate):
    """`df` with `values` repeated down column `col` (and its first row again if `duplicate`)."""
    v = (values * (len(df) // len(values) + 1))[: len(df)]
    df[col] = pd.array(v, dtype="Float64")
    return pd.concat([df, df.iloc[:1]], ignore_index=True) if duplicate else df


@FUZZ
@given(
    column=numeric_columns,
    values=st.lists(numbers, min_size=1, max_size=6),
    duplicate=st.booleans(),
)
def test_table_values_fuzz(base, tmp_path_factory, column, values, duplicate):
    table, col = column
    path = _copy(base, tmp_path_factory)
    df = pq.read_table(path / f"{table}.parquet").to_pandas()
    if len(df) == 0:
        return
    df = _with_values(df, col, values, duplicate)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path / f"{table}.parquet")
    _accepts_or_snapshot_error(path)


# ---- traffic profiles ------------------------------------------------------------------------------
share = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-2, 2) | json_values
shares_table = st.fixed_dictionaries(
    {},
    optional={
        "same_region": share,
        "cross_region": share,
        "internet": share,
        "layer_cache_hit": share,
        "repositories": json_values | st.text(max_size=8),
        "extra": json_values,
    },
)


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "default": shares_table | json_values,
            "rule": st.lists(shares_table, max_size=3) | json_values,
            "other": json_values,
        },
    )
)
def test_traffic_dict_fuzz(data):
    try:
        TrafficProfile.from_dict(data)
    except TrafficProfileError:
        pass


@FUZZ
@given(text=st.text(max_size=300) | st.binary(max_size=300))
def test_traffic_file_fuzz(tmp_path_factory, text):
    p = tmp_path_factory.mktemp("t") / "traffic.toml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        load_traffic(p)
    except TrafficProfileError:
        pass


# ---- price catalogs --------------------------------------------------------------------------------
HEADER = CATALOG_COLUMNS[:9] + ["value"] + CATALOG_COLUMNS[9:] + ["notes"]
GOOD = [
    "aws",
    "AmazonECR",
    "us-east-1",
    "storage",
    "STANDARD",
    "0",
    "",
    "GB-Mo",
    "0.10",
    "",
    "https://example.com",
    "2026-03",
    "2026-11-28",
    "high",
    "",
]
cell = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "inf",
        "nan",
        "1e999",
        "0.1",
        "x",
        '"',
        ",",
        "\ufeff",
        "\x00",
        "2026-13-40",
        "high",
        "rule",
        "days",
        "*",
    ]
) | st.text(max_size=6)


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, len(GOOD) - 1), cell), max_size=4),
    extra_rows=st.integers(0, 2),
    bom=st.booleans(),
    header_drop=st.none() | st.integers(0, len(HEADER) - 1),
)
def test_catalog_fuzz(tmp_path_factory, edits, extra_rows, bom, header_drop):
    row = list(GOOD)
    for i, v in edits:
        row[i] = v
    header = [h for j, h in enumerate(HEADER) if j != header_drop]
    lines = [",".join(header)] + [",".join(row)] * (1 + extra_rows)
    p = tmp_path_factory.mktemp("c") / "prices.csv"
    p.write_bytes(
        (b"\xef\xbb\xbf" if bom else b"") + "\n".join(lines).encode("utf-8", "surrogatepass")
    )
    try:
        cat = load_catalog(p)
    except PriceCatalogError:
        return
    for usd in cat.rows["usd"]:  # an accepted catalog holds no price that JSON cannot carry
        assert math.isnan(usd) or (math.isfinite(usd) and usd >= 0)


# ---- the same properties on format v2 (what Snapshot.write writes) ---------------------------------
@pytest.fixture(scope="module")
def base_v2(tmp_path_factory):
    return synthetic_snapshot(images=30, repositories=3, seed=5).write(
        tmp_path_factory.mktemp("fuzz") / "base-v2"
    )


@FUZZ
@given(
    changes=st.dictionaries(st.sampled_from(META_KEYS), json_values, max_size=3),
    targets=st.none() | target_entries,
)
def test_meta_json_fuzz_v2(base_v2, tmp_path_factory, changes, targets):
    _damaged_meta_is_accepted_or_refused(base_v2, tmp_path_factory, changes, targets)


@FUZZ
@given(
    column=numeric_columns,
    values=st.lists(numbers, min_size=1, max_size=6),
    duplicate=st.booleans(),
)
def test_table_values_fuzz_v2(base_v2, tmp_path_factory, column, values, duplicate):
    from ecrcost.snapshot import Snapshot

    table, col = column
    snap = load_snapshot(base_v2)
    tables = {name: df.copy() for name, df in snap.tables().items()}
    df = tables[table]
    if len(df) == 0:
        return
    df = _with_values(df, col, values, duplicate)
    tables[table] = df
    path = tmp_path_factory.mktemp("case") / "snap"
    try:
        Snapshot(meta=dict(snap.meta), **tables).write(path)
    except (ValueError, TypeError, OverflowError, EcrcostError):
        return  # the writer refused the damaged frame (a float into an integer column)
    _accepts_or_snapshot_error(path)
