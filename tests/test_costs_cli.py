"""`ecrcost costs` and `ecrcost prices` through click's CliRunner: the JSON contract and bad input."""

import json

import pytest
from click.testing import CliRunner

from ecrcost.cli import cli
from ecrcost.snapshot import Snapshot

A, R = "111111111111", "us-east-1"
GB = 2**30
CONTRACT_KEYS = [
    "account_id",
    "region",
    "repository",
    "images",
    "tagged_images",
    "untagged_images",
    "naive_bytes",
    "unique_bytes",
    "exclusive_bytes",
    "storage_gb",
    "storage_usd",
    "pulls",
    "egress_gb",
    "egress_usd",
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
        {
            "account_id": A,
            "region": R,
            "repository": "app",
            "digest": "m1",
            "tags": ["v1"],
            "pushed_at": "2026-10-01T00:00:00Z",
            "size_bytes": 4 * GB,
            "status": "ACTIVE",
        },
        {
            "account_id": A,
            "region": R,
            "repository": "app",
            "digest": "m2",
            "tags": [],
            "pushed_at": "2026-10-02T00:00:00Z",
            "size_bytes": 4 * GB,
            "status": "ACTIVE",
        },
    ]
    manifests = [{"digest": d, "kind": "image"} for d in ("m1", "m2")]
    repos = [{"account_id": A, "region": R, "repository": r} for r in ("app", "empty")]
    snap = Snapshot.build(
        {
            "collected_at": "2026-11-01T00:00:00+00:00",
            "targets": [{"account_id": A, "region": R, "status": "ok", "error": None}],
        },
        repositories=repos,
        images=images,
        manifests=manifests,
        blobs=blobs,
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


def _with_pulls(tmp_path):
    """The "app" snapshot plus 300 pulls of the newest tagged image (m1, 4 GB) over 30 days."""
    from ecrcost.snapshot import conform, load_snapshot

    snap = load_snapshot(_snapshot(tmp_path))
    snap.pulls = conform(
        "pulls",
        [{"account_id": A, "region": R, "repository": "app", "date": "2026-10-15", "pulls": 300}],
    )
    return str(snap.write(tmp_path / "snap2"))


def test_costs_json_with_a_traffic_profile_matches_hand_computation(tmp_path):
    snap = _with_pulls(tmp_path)
    profile = tmp_path / "profile.toml"
    profile.write_text("[default]\nsame_region = 0.5\ncross_region = 0.25\ninternet = 0.25\n")
    r = run("costs", snap, "--traffic", profile, "--format", "json")
    assert r.exit_code == 0, r.output
    app = json.loads(r.stdout)[0]
    assert list(app)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    # 300 pulls / 30 days x 30.4375 = 304.375 pulls x 4 GB = 1,217.5 GB; half leaves the region
    # at the internet rate: 608.75 GB x $0.09 = $54.7875; storage 5 GB x $0.10 = $0.50
    assert app["pulls"] == pytest.approx(304.375)
    assert app["egress_gb"] == pytest.approx(1217.5)
    assert round(app["egress_usd"], 2) == 54.79
    assert round(app["total_usd"], 2) == 55.29
    assert "traffic profile" in r.stderr and "cross-region pulls priced as internet" in r.stderr


def test_costs_without_profile_shows_gb_and_na(tmp_path):
    snap = _with_pulls(tmp_path)
    r = run("costs", snap, "--format", "json")
    app = json.loads(r.stdout)[0]
    assert (
        app["egress_gb"] == pytest.approx(1217.5)
        and app["egress_usd"] is None
        and app["total_usd"] is None
    )
    assert any("$0.09/GB" in f for f in app["flags"])
    r = run("costs", snap, "--format", "markdown")
    assert "n/a" in r.stdout and "$0.00 |" not in r.stdout.split("egress")[0]
    assert "- egress: unknown (n/a)" in r.stdout


def test_costs_month_and_free_tier_options(tmp_path):
    snap = _with_pulls(tmp_path)
    r = run("costs", snap, "--month", "2026-10", "--free-tier", "--by", "total", "--format", "json")
    assert r.exit_code == 0, r.output
    total = json.loads(r.stdout)[0]
    # October (744 h): everything pushed 1-2 October 00:00 -> m1's blobs all month, b from the 2nd (720 h)
    assert total["storage_gb"] == pytest.approx(4 + 720 / 744)
    assert "period: 2026-10 (744 hours)" in r.stderr and "free_tier: subtracted" in r.stderr


def test_costs_with_user_prices(tmp_path, snap_dir):
    from ecrcost.pricing.catalog import load_catalog
    from ecrcost.pricing.refresh import write_catalog

    rows = load_catalog().show()
    rows.loc[rows["dimension"] == "storage", "usd"] = 0.2
    p = write_catalog(rows, tmp_path / "mine.csv")
    r = run("costs", snap_dir, "--prices", p, "--format", "json")
    assert json.loads(r.stdout)[0]["storage_usd"] == pytest.approx(1.00)
    assert f"catalog: {p}" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-3"], "--month '2026-3': expected YYYY-MM"),
        (["--traffic", "MISSING.toml"], "no such traffic profile file"),
        (["--prices", "MISSING.csv"], "no such price catalog file"),
    ],
)
def test_costs_bad_input_is_one_line_exit_1(snap_dir, tmp_path, args, message):
    args = [str(tmp_path / a) if a.startswith("MISSING") else a for a in args]
    r = run("costs", snap_dir, *args)
    assert r.exit_code == 1 and message in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_costs_bad_traffic_and_price_files(snap_dir, tmp_path):
    t = tmp_path / "t.toml"
    t.write_text("[default]\nsame_region = 0.9\ncross_region = 0.2\ninternet = 0\n")
    r = run("costs", snap_dir, "--traffic", t)
    assert r.exit_code == 1 and f"{t}: [default] (line 1)" in r.output and "not 1" in r.output
    p = tmp_path / "p.csv"
    p.write_text("provider,service\n")
    r = run("costs", snap_dir, "--prices", p)
    assert r.exit_code == 1 and f"{p}: not a price catalog: missing columns" in r.output
    r = run("costs", snap_dir, "--by", "team")
    assert r.exit_code == 2 and "Invalid value for '--by'" in r.output


def test_costs_exit_3_for_a_partial_snapshot(tmp_path):
    from ecrcost.snapshot import load_snapshot

    snap = load_snapshot(_snapshot(tmp_path))
    snap.meta["targets"].append(
        {"account_id": A, "region": "eu-west-1", "status": "failed", "error": "AccessDenied"}
    )
    path = snap.write(tmp_path / "partial")
    r = run("costs", path, "--format", "json")
    assert r.exit_code == 3 and json.loads(r.stdout)[0]["repository"] == "app"
    assert "eu-west-1: failed: AccessDenied" in r.stderr


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_prices_show_traces_sources_and_dates(fmt):
    r = run("prices", "show", "--format", fmt)
    assert r.exit_code == 0, r.output
    assert "2026-11-28" in r.output and "cloudburn" in r.output.replace("\n", "").replace(
        "│", ""
    ).replace(" ", "")
    if fmt == "json":
        rows = json.loads(r.stdout)
        assert {"source_url", "source_date", "read_date", "confidence", "usd"} <= set(rows[0])
        assert any(row["region"] == "*" for row in rows)


def test_prices_show_bad_user_file(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("nonsense\n")
    r = run("prices", "show", "--prices", p)
    assert r.exit_code == 1 and str(p) in r.output and "Traceback" not in r.output


def test_help_ends_with_examples():
    for args in (["costs"], ["prices", "show"], ["prices", "refresh"]):
        r = run(*args, "--help")
        assert r.exit_code == 0 and "Examples:" in r.output
