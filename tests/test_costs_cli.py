"""`ecrcost costs` and `ecrcost prices` through click's CliRunner: the JSON contract and bad input."""

import json

import pytest
from click.testing import CliRunner

from ecrcost.cli import cli
from ecrcost.snapshot import Snapshot

A, R = "111111111111", "us-east-1"
GB = 2**30
CONTRACT_KEYS = [
    "account_id", "region", "repository", "images", "tagged_images", "untagged_images", "naive_bytes",
    "unique_bytes", "exclusive_bytes", "storage_gb", "storage_usd", "pulls", "egress_gb", "egress_usd",
    "total_usd",
]


def _snapshot(tmp_path):
    # repo "app": two images sharing a 3 GB base layer; each adds 1 GB -> 5 GB unique, 8 GB naive
    blobs = [
        {"manifest_digest": "m1", "blob_digest": "base", "size_bytes": 3 * GB, "kind": "layer"},
        {"manifest_digest": "m1", "blob_digest": "a", "size_bytes": GB, "kind": "layer"},
        {"manifest_digest": "m2", "blob_digest": "base", "size_bytes": 3 * GB, "kind": "layer"},
        {"manifest_digest": "m2", "blob_digest": "b", "size_bytes": GB, "kind": "layer"},
    ]
    images = [
        {"account_id": A, "region": R, "repository": "app", "digest": "m1", "tags": ["v1"],
         "pushed_at": "2026-10-01T00:00:00Z", "size_bytes": 4 * GB, "status": "ACTIVE"},
        {"account_id": A, "region": R, "repository": "app", "digest": "m2", "tags": [],
         "pushed_at": "2026-10-02T00:00:00Z", "size_bytes": 4 * GB, "status": "ACTIVE"},
    ]
    manifests = [{"digest": d, "kind": "image"} for d in ("m1", "m2")]
    repos = [{"account_id": A, "region": R, "repository": r} for r in ("app", "empty")]
    snap = Snapshot.build(
        {"collected_at": "2026-11-01T00:00:00+00:00",
         "targets": [{"account_id": A, "region": R, "status": "ok", "error": None}]},
        repositories=repos, images=images, manifests=manifests, blobs=blobs,
    )
    return snap.write(tmp_path / "snap")


@pytest.fixture
def snap_dir(tmp_path):
    return str(_snapshot(tmp_path))


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result


def test_costs_json_contract_by_repository(snap_dir):
    r = run("costs", snap_dir, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [row["repository"] for row in rows] == ["app", "empty"]
    for row in rows:
        assert list(row)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    app = rows[0]
    assert app["naive_bytes"] == 8 * GB and app["unique_bytes"] == 5 * GB
    assert app["images"] == 2 and app["tagged_images"] == 1 and app["untagged_images"] == 1
    assert app["storage_gb"] == pytest.approx(5.0)
    assert app["storage_usd"] == pytest.approx(0.50)  # 5 GB x $0.10
    assert "catalog_date: " in r.stderr


@pytest.mark.parametrize(
    ("by", "keys"),
    [("account", ["account_id"]), ("region", ["region"]), ("total", [])],
)
def test_costs_json_keys_shrink_with_by(snap_dir, by, keys):
    r = run("costs", snap_dir, "--by", by, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) == 1
    assert list(rows[0])[: len(keys) + 12] == keys + CONTRACT_KEYS[3:]
    assert rows[0]["storage_usd"] == pytest.approx(0.50)


def test_costs_registry_scope(snap_dir):
    r = run("costs", snap_dir, "--scope", "registry", "--by", "total", "--format", "json")
    assert json.loads(r.stdout)[0]["unique_bytes"] == 5 * GB


def test_costs_table_and_markdown_state_the_method(snap_dir):
    r = run("costs", snap_dir)
    assert r.exit_code == 0 and "catalog_date: 2026-11-28" in r.stdout
    r = run("costs", snap_dir, "--format", "markdown")
    assert r.exit_code == 0 and "| app |" in r.stdout.replace("  ", " ") or "app" in r.stdout
    assert "- catalog_date:" in r.stdout


def test_costs_missing_snapshot_is_a_clean_error(tmp_path):
    r = run("costs", tmp_path / "nope")
    assert r.exit_code == 1 and "no such snapshot" in r.output and "Traceback" not in r.output
