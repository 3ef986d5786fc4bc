"""Snapshot schema, atomic write and validated load, including every bad-input path."""

import json

import pandas as pd
import pytest

from ecrcost.errors import OutputExistsError, SnapshotError
from ecrcost.snapshot import SCHEMA, SCHEMA_VERSION, Snapshot, conform, load_snapshot


@pytest.fixture
def snap():
    return Snapshot.build(
        {
            "targets": [
                {
                    "account_id": "1",
                    "region": "us-east-1",
                    "status": "ok",
                    "error": None,
                    "errors": [],
                },
                {
                    "account_id": "1",
                    "region": "eu-west-1",
                    "status": "failed",
                    "error": "AccessDenied",
                    "errors": [],
                },
            ]
        },
        repositories=[
            {
                "account_id": "1",
                "region": "us-east-1",
                "repository": "app",
                "created_at": "2026-01-01T00:00:00Z",
                "scan_on_push": True,
                "tags": '{"team": "a"}',
            }
        ],
        images=[
            {
                "account_id": "1",
                "region": "us-east-1",
                "repository": "app",
                "digest": "sha256:aa",
                "tags": ["v1", "latest"],
                "pushed_at": "2026-11-01T10:00:00Z",
                "size_bytes": 1234,
            }
        ],
        blobs=[
            {
                "manifest_digest": "sha256:aa",
                "blob_digest": "sha256:bb",
                "size_bytes": 1200,
                "kind": "layer",
            }
        ],
    )


def test_round_trip_keeps_every_table_and_dtype(snap, tmp_path):
    path = snap.write(tmp_path / "snap")
    back = load_snapshot(path)
    for name in SCHEMA:
        got, want = back.tables()[name], snap.tables()[name]
        assert list(got.columns) == list(SCHEMA[name])
        assert [str(t) for t in got.dtypes] == [str(t) for t in want.dtypes], name
        assert len(got) == len(want)
    assert back.images.loc[0, "tags"] == ["v1", "latest"]
    assert back.images.loc[0, "size_bytes"] == 1234
    assert back.images.loc[0, "pushed_at"] == pd.Timestamp("2026-11-01T10:00:00Z")
    assert back.meta["schema_version"] == SCHEMA_VERSION
    assert back.path == tmp_path / "snap"


def test_incomplete_targets_are_listed(snap):
    bad = snap.incomplete_targets
    assert list(bad["region"]) == ["eu-west-1"] and bad.loc[0, "error"] == "AccessDenied"


def test_refuses_to_overwrite_without_force_and_replaces_with_force(snap, tmp_path):
    dest = tmp_path / "snap"
    snap.write(dest)
    (dest / "marker").write_text("old")
    with pytest.raises(OutputExistsError):
        snap.write(dest)
    assert (dest / "marker").exists()  # nothing touched
    snap.write(dest, force=True)
    assert not (dest / "marker").exists()
    assert load_snapshot(dest).images.shape[0] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]  # no temporary directories left


def test_failed_write_leaves_nothing_behind(snap, tmp_path, monkeypatch):
    import ecrcost.snapshot as mod

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(mod.pq, "write_table", boom)
    with pytest.raises(OSError):
        snap.write(tmp_path / "snap")
    assert list(tmp_path.iterdir()) == []


def test_conform_rejects_unknown_columns():
    with pytest.raises(ValueError, match="unknown columns"):
        conform("images", [{"digest": "x", "colour": "blue"}])


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: None, "no such snapshot"),
        (lambda p: p.write_text("x"), "not a snapshot directory"),
        (lambda p: p.mkdir(), "no meta.json"),
    ],
)
def test_load_rejects_missing_or_not_a_snapshot(tmp_path, damage, message):
    p = tmp_path / "s"
    damage(p)
    with pytest.raises(SnapshotError, match=message):
        load_snapshot(p)


def test_load_rejects_corrupt_meta(snap, tmp_path):
    p = snap.write(tmp_path / "s")
    (p / "meta.json").write_text("{not json")
    with pytest.raises(SnapshotError, match="corrupt meta.json"):
        load_snapshot(p)


def test_load_rejects_other_schema_version(snap, tmp_path):
    p = snap.write(tmp_path / "s")
    meta = json.loads((p / "meta.json").read_text())
    meta["schema_version"] = 99
    (p / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(SnapshotError, match="schema version 99"):
        load_snapshot(p)


def test_load_rejects_missing_table_corrupt_table_and_missing_column(snap, tmp_path):
    p = snap.write(tmp_path / "s")
    (p / "pulls.parquet").unlink()
    with pytest.raises(SnapshotError, match="missing table pulls.parquet"):
        load_snapshot(p)

    p = snap.write(tmp_path / "s2")
    (p / "images.parquet").write_bytes(b"PAR1 garbage")
    with pytest.raises(SnapshotError, match="unreadable Parquet"):
        load_snapshot(p)

    p = snap.write(tmp_path / "s3")
    df = pd.read_parquet(p / "blobs.parquet").drop(columns=["size_bytes"])
    df.to_parquet(p / "blobs.parquet")
    with pytest.raises(SnapshotError, match=r"missing columns \['size_bytes'\]"):
        load_snapshot(p)


def test_snapshot_never_holds_credentials(snap, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-key-value")
    p = snap.write(tmp_path / "s")
    for f in p.iterdir():
        assert b"very-secret-key-value" not in f.read_bytes()
