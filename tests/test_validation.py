"""The snapshot validation layer (ecrcost.validation), through load_snapshot: wrong meta.json types,
negative sizes and pulls, duplicated rows and non-finite numbers are one SnapshotError each, never
a traceback in a later stage or a wrong figure with exit 0."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from ecrcost.cli import cli
from ecrcost.errors import SnapshotError
from ecrcost.snapshot import Snapshot, load_snapshot
from ecrcost.snapshot_files import write_v1
from ecrcost.synthetic import synthetic_snapshot


@pytest.fixture
def saved(tmp_path):
    # format v1 (one NAME.parquet per table, rewritten below); the v2 loader checks the same
    # rules over its files (tests/test_snapshot.py)
    snap = synthetic_snapshot(images=60, repositories=4, seed=3)
    path = tmp_path / "snap"
    path.mkdir()
    write_v1(snap.tables(), snap.meta, path)
    return path


def _edit_meta(path, **changes):
    meta = json.loads((path / "meta.json").read_text())
    meta.update(changes)
    (path / "meta.json").write_text(json.dumps(meta))


def _rewrite(path, name, fn):
    snap = load_snapshot(path)
    tables = {n: df.copy() for n, df in snap.tables().items()}
    tables[name] = fn(tables[name])
    # write the damaged table straight to Parquet (Snapshot.write would be the same bytes)
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.Table.from_pandas(tables[name], preserve_index=False), path / f"{name}.parquet"
    )


def test_a_valid_snapshot_loads(saved):
    assert len(load_snapshot(saved).images) == 60


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"targets": "us-east-1"}, "targets must be a list of objects"),
        ({"registries": "none"}, "registries must be a list of objects"),
        ({"targets": ["x"]}, "targets[0] must be an object"),
        ({"targets": [{"account_id": 1, "region": "us-east-1", "status": "ok"}]}, "account_id"),
        (
            {"targets": [{"account_id": "1", "region": "us-east-1", "status": "fine"}]},
            "status must be one of",
        ),
        ({"collected_at": 1764300000}, "collected_at must be an ISO-8601 time string"),
        ({"collected_at": "yesterday"}, "is not an ISO-8601 time"),
        ({"collected_at": "2026-11-28T06:00:00"}, "has no time zone"),
        ({"pull_days": "30"}, "pull_days must be an integer"),
        ({"pull_days": -1}, "pull_days must be between 0 and 455"),
        ({"settings": "x"}, "settings must be an object"),
    ],
)
def test_meta_json_with_wrong_types_is_a_snapshot_error(saved, changes, message):
    _edit_meta(saved, **changes)
    with pytest.raises(SnapshotError, match="meta.json") as e:
        load_snapshot(saved)
    assert message in str(e.value)


@pytest.mark.parametrize(
    "table, damage, message",
    [
        ("images", lambda df: df.assign(size_bytes=-df["size_bytes"]), "size_bytes"),
        ("blobs", lambda df: df.assign(size_bytes=-1), "size_bytes"),
        ("pulls", lambda df: df.assign(pulls=-5.0), "pulls"),
        ("pulls", lambda df: df.assign(pulls=float("inf")), "pulls = inf"),
        ("pulls", lambda df: df.assign(pulls=float("nan")), "pulls = nan"),
        ("images", lambda df: pd.concat([df, df.iloc[:1]]), "duplicated"),
        ("repositories", lambda df: pd.concat([df, df.iloc[:1]]), "duplicated"),
        ("manifests", lambda df: pd.concat([df, df.iloc[:1]]), "duplicated digest"),
        ("pulls", lambda df: pd.concat([df, df.iloc[:1]]), "duplicated"),
        ("images", lambda df: df.assign(digest=None), "digest is missing"),
    ],
)
def test_bad_rows_are_a_snapshot_error(saved, table, damage, message):
    _rewrite(saved, table, damage)
    with pytest.raises(SnapshotError, match=table) as e:
        load_snapshot(saved)
    assert message in str(e.value)


def test_unknown_image_size_is_allowed(saved):
    _rewrite(
        saved, "images", lambda df: df.assign(size_bytes=pd.NA).astype({"size_bytes": "Int64"})
    )
    assert load_snapshot(saved).images["size_bytes"].isna().all()


@pytest.mark.parametrize("command", [["costs"], ["compare"], ["report", "--out", "REPORT"]])
def test_every_reader_gives_one_line_and_exit_1(saved, tmp_path, command):
    _edit_meta(saved, targets="us-east-1")
    args = [a.replace("REPORT", str(tmp_path / "r")) for a in command]
    result = CliRunner().invoke(cli, [args[0], str(saved), *args[1:]])
    assert result.exit_code == 1, result.output
    assert "targets must be a list of objects" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


def test_snapshot_build_in_memory_is_not_affected():
    # validation is on load; an in-memory snapshot (tests, what-ifs) is built as before
    Snapshot.build({"targets": []})
