"""Snapshot schema, atomic write and validated load, including every bad-input path."""

import json
import shutil

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ecrcost.errors import OutputExistsError, SnapshotError
from ecrcost.snapshot import SCHEMA, SCHEMA_VERSION, Snapshot, conform, load_snapshot
from ecrcost.snapshot_files import write_v1

IMAGES_PART = "images/account_id=1/region=us-east-1/part-0.parquet"


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
    import ecrcost.snapshot_files as mod

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
    with pytest.raises(SnapshotError, match="schema version 99, this ecrcost reads versions 1, 2"):
        load_snapshot(p)


def test_load_rejects_missing_table_corrupt_table_and_missing_column(snap, tmp_path):
    p = snap.write(tmp_path / "s")
    (p / "children.parquet").unlink()
    with pytest.raises(SnapshotError, match="missing table children.parquet"):
        load_snapshot(p)

    p = snap.write(tmp_path / "s1")
    shutil.rmtree(p / "pulls")
    with pytest.raises(SnapshotError, match="missing table pulls/"):
        load_snapshot(p)

    p = snap.write(tmp_path / "s2")
    (p / IMAGES_PART).write_bytes(b"PAR1 garbage")
    with pytest.raises(SnapshotError, match="unreadable Parquet"):
        load_snapshot(p)

    p = snap.write(tmp_path / "s3")
    df = pd.read_parquet(p / "blobs.parquet").drop(columns=["size_bytes"])
    df.to_parquet(p / "blobs.parquet")
    with pytest.raises(SnapshotError, match=r"missing columns \['size_bytes'\]"):
        load_snapshot(p)


def test_v2_layout_is_hive_partitioned_with_a_digest_dictionary(snap, tmp_path):
    p = snap.write(tmp_path / "s")
    assert (p / IMAGES_PART).is_file()
    assert (p / "repositories/account_id=1/region=us-east-1/part-0.parquet").is_file()
    assert sorted(pq.read_schema(p / IMAGES_PART).names)[:2] == ["activated_at", "archived_at"]
    assert "account_id" not in pq.read_schema(p / IMAGES_PART).names  # in the path
    digests = pd.read_parquet(p / "digests.parquet")
    assert sorted(digests["digest"]) == ["sha256:aa", "sha256:bb"]  # each digest once
    blobs = pd.read_parquet(p / "blobs.parquet")
    assert blobs["manifest_id"].dtype == "int32" and blobs["blob_id"].dtype == "int32"
    by_id = dict(zip(digests["id"], digests["digest"], strict=True))
    assert (by_id[blobs.loc[0, "manifest_id"]], by_id[blobs.loc[0, "blob_id"]]) == (
        "sha256:aa",
        "sha256:bb",
    )
    # other engines read the layout as it is (account ids stay strings)
    con = duckdb.connect()
    got = con.sql(
        f"SELECT account_id, region, repository FROM read_parquet('{p}/images/*/*/*.parquet', "
        "hive_partitioning=true, hive_types={'account_id': VARCHAR, 'region': VARCHAR})"
    ).fetchall()
    assert got == [("1", "us-east-1", "app")]


def test_partitions_keep_odd_values_and_nulls(tmp_path):
    rows = [
        {"account_id": "000000000001", "region": "us-east-1", "repository": "a", "digest": "d1"},
        {"account_id": "a/b=c", "region": "eu west%2F1", "repository": "b", "digest": "d2"},
    ]
    s = Snapshot.build(images=rows)
    back = load_snapshot(s.write(tmp_path / "s"))
    got = back.images[["account_id", "region", "repository", "digest"]].astype(object)
    assert got.where(got.notna(), None).to_dict("records") == rows


def test_tables_are_read_on_first_use(snap, tmp_path):
    back = load_snapshot(snap.write(tmp_path / "s"))
    assert "images=(on disk)" in repr(back)
    assert back.files() is not None
    assert len(back.images) == 1 and "images=1" in repr(back)
    assert back.files() is not None  # read, not replaced
    back.images = back.images.iloc[:0]
    assert back.files() is None  # the files no longer hold the snapshot's tables


def test_v1_snapshots_still_load(snap, tmp_path):
    p = tmp_path / "v1"
    p.mkdir()
    write_v1(snap.tables(), snap.meta, p)
    assert (p / "images.parquet").is_file()
    back = load_snapshot(p)
    assert back.meta["schema_version"] == 1
    for name in SCHEMA:
        pd.testing.assert_frame_equal(back.tables()[name], snap.tables()[name])
    # and it converts: written again it is v2, with the same tables
    again = load_snapshot(back.write(tmp_path / "v2"))
    assert again.meta["schema_version"] == SCHEMA_VERSION == 2
    for name in SCHEMA:
        pd.testing.assert_frame_equal(again.tables()[name], snap.tables()[name])


def test_v1_bad_tables_are_reported(snap, tmp_path):
    p = tmp_path / "v1"
    p.mkdir()
    write_v1(snap.tables(), snap.meta, p)
    (p / "pulls.parquet").unlink()
    with pytest.raises(SnapshotError, match="missing table pulls.parquet"):
        load_snapshot(p)


def test_snapshot_never_holds_credentials(snap, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-key-value")
    p = snap.write(tmp_path / "s")
    files = [f for f in p.rglob("*") if f.is_file()]
    assert len(files) == 7  # meta.json, digests, 3 global tables, 2 partitions (no pulls rows)
    for f in files:
        assert b"very-secret-key-value" not in f.read_bytes()


def test_an_empty_snapshot_round_trips_and_models(tmp_path):
    from ecrcost.storage import image_storage, repository_storage

    back = load_snapshot(Snapshot.build().write(tmp_path / "s"))
    assert back.files() is not None
    assert len(repository_storage(back)) == 0 and len(image_storage(back)) == 0
    for name in SCHEMA:
        assert len(back.tables()[name]) == 0


@pytest.mark.parametrize(
    "table, change, message",
    [
        ("images", lambda df: df.assign(size_bytes=-1), r"images: row 0: size_bytes = -1"),
        ("blobs", lambda df: df.assign(size_bytes=-5), r"blobs: row 0: size_bytes = -5"),
        ("pulls", lambda df: df.assign(pulls=float("nan")), r"pulls: row 0: pulls = None"),
        ("images", lambda df: pd.concat([df, df.iloc[:1]]), r"images: row 2: duplicated"),
        ("manifests", lambda df: df.assign(digest=None), r"manifests: row 0: digest is missing"),
        ("images", lambda df: df.assign(repository=None), r"row 0: repository is missing"),
    ],
)
def test_v2_tables_are_validated_on_load_without_reading_them(tmp_path, table, change, message):
    rows = [
        {"account_id": "1", "region": "r", "repository": "a", "digest": d, "size_bytes": 1}
        for d in ("m1", "m2")
    ]
    s = Snapshot.build(
        images=rows,
        manifests=[{"digest": "m1", "kind": "image"}],
        blobs=[{"manifest_digest": "m1", "blob_digest": "b", "size_bytes": 3}],
        pulls=[
            {"account_id": "1", "region": "r", "repository": "a", "date": d, "pulls": 2.0}
            for d in ("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")
        ],
    )
    setattr(s, table, conform(table, change(getattr(s, table)).reset_index(drop=True)))
    # Snapshot.write does not validate; load does (SQL over the files, nothing materialised)
    p = s.write(tmp_path / "s")
    with pytest.raises(SnapshotError, match=message):
        load_snapshot(p)
