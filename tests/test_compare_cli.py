"""`ecrcost.compare`, `workload` and `ecrcost compare` on a hand-built snapshot written to tmp_path."""

import json
import math

import pytest
from click.testing import CliRunner

from ecrcost.cli import cli
from ecrcost.pricing.summary import costs
from ecrcost.registries import REGISTRIES, compare, dimensions, load_plans, workload
from ecrcost.snapshot import Snapshot
from ecrcost.usage import egress_usage

A, R = "111111111111", "us-east-1"
GB = 2**30
MB = 2**20
BASE, APP, WEB, CFG = 2 * GB, 1 * GB, GB // 2, MB
CONTRACT = {
    "registry",
    "plan",
    "monthly_usd",
    "storage_usd",
    "transfer_usd",
    "base_usd",
    "fits",
    "notes",
    "price_date",
}
TRAFFIC = """
[default]
same_region = 0.8
cross_region = 0.15
internet = 0.05
layer_cache_hit = 0.0
"""


def _manifest(digest, layers):
    rows = [
        {
            "manifest_digest": digest,
            "blob_digest": f"cfg-{digest}",
            "size_bytes": CFG,
            "kind": "config",
        }
    ]
    return rows + [
        {"manifest_digest": digest, "blob_digest": d, "size_bytes": s, "kind": "layer"}
        for d, s in layers
    ]


def _img(repo, digest, pushed):
    return {
        "account_id": A,
        "region": R,
        "repository": repo,
        "digest": digest,
        "tags": ["v1"],
        "pushed_at": pushed,
        "size_bytes": None,
        "status": "ACTIVE",
        "last_pull_at": "2026-11-20T00:00:00Z",
    }


@pytest.fixture
def snap():
    # app: base + app layer (pushed long ago); web: the same base + web layer (pushed 3 days ago)
    blobs = _manifest("m1", [("base", BASE), ("app", APP)]) + _manifest(
        "m2", [("base", BASE), ("web", WEB)]
    )
    return Snapshot.build(
        meta={
            "collected_at": "2026-11-28T00:00:00+00:00",
            "pull_days": 30,
            "targets": [{"account_id": A, "region": R, "status": "ok", "error": None}],
        },
        repositories=[{"account_id": A, "region": R, "repository": r} for r in ("app", "web")],
        images=[
            _img("app", "m1", "2026-01-01T00:00:00Z"),
            _img("web", "m2", "2026-11-25T00:00:00Z"),
        ],
        manifests=[{"digest": d, "media_type": "x", "kind": "image"} for d in ("m1", "m2")],
        blobs=blobs,
        pulls=[
            {
                "account_id": A,
                "region": R,
                "repository": "app",
                "date": "2026-11-20T00:00:00Z",
                "pulls": 300.0,
            }
        ],
    )


@pytest.fixture
def snap_dir(tmp_path, snap):
    return str(snap.write(tmp_path / "snap"))


@pytest.fixture
def traffic_file(tmp_path):
    f = tmp_path / "traffic.toml"
    f.write_text(TRAFFIC)
    return str(f)


def test_workload_dedup_scopes_and_pushes(snap):
    w = workload(snap)
    assert w.stored_gb == pytest.approx(
        (BASE + APP + CFG + BASE + WEB + CFG) / GB
    )  # per repository
    assert w.stored_gb_global == pytest.approx(
        (BASE + APP + WEB + 2 * CFG) / GB
    )  # base stored once
    assert w.largest_repository_gb == pytest.approx((BASE + APP + CFG) / GB)
    assert w.repositories == 2 and w.users == 1 and not w.users_given
    assert w.pushed_gb == pytest.approx((WEB + CFG) / GB)  # only web's new blobs are this month's
    assert w.pulls_per_month == pytest.approx(float(costs(snap, by="total")["pulls"].iloc[0]))
    assert math.isnan(w.pulled_gb) and math.isnan(w.internet_gb)  # no traffic profile: unknown


def test_workload_with_traffic(snap, traffic_file):
    w = workload(snap, traffic_file, users=4)
    usage = egress_usage(snap, traffic_file)
    assert w.pulled_gb == pytest.approx(usage["pulled_gb"].sum()) and w.pulled_gb > 0
    assert w.internet_gb == pytest.approx(0.05 * w.pulled_gb)
    assert w.users == 4 and w.users_given and w.traffic_given


def test_compare_prices_every_plan_and_reuses_ecr_costs(snap, traffic_file):
    df = compare(snap, traffic=traffic_file, users=3)
    plans = load_plans()
    assert len(df) == plans.groupby(["registry", "plan"]).ngroups
    assert list(dict.fromkeys(df["registry"])) == list(REGISTRIES)
    ecr = df[df["registry"] == "ecr"].iloc[0]
    total = costs(snap, by="total", traffic=traffic_file).iloc[0]
    assert ecr["storage_usd"] == pytest.approx(total["storage_usd"])
    assert ecr["transfer_usd"] == pytest.approx(total["egress_usd"])
    assert ecr["monthly_usd"] == pytest.approx(total["total_usd"]) and ecr["cheapest"]
    w = df.attrs["workload"]
    gar = df[df["registry"] == "gar"].iloc[0]
    assert gar["monthly_usd"] == pytest.approx(
        (w["stored_gb"] - 0.5) * 0.10 + w["pulled_gb"] * 0.12
    )
    # one cheapest plan per registry that has a fitting plan; ECR Public fits no private repository
    marked = df[df["cheapest"]]
    assert marked["registry"].is_unique and set(marked["registry"]) == set(REGISTRIES) - {
        "ecr-public"
    }


def test_without_traffic_transfer_is_unknown_not_zero(snap):
    df = compare(snap).set_index(["registry", "plan"])
    for key in [("ecr", "private"), ("gar", "Standard"), ("acr", "Basic"), ("artifactory", "Pro")]:
        assert math.isnan(df.loc[key, "monthly_usd"]), key
    assert "--traffic" in df.loc[("gar", "Standard"), "notes"]
    assert df.loc[("dockerhub", "Team"), "monthly_usd"] == 15  # no transfer charge: known
    assert df.loc[("ghcr", "Free"), "monthly_usd"] == 0


def test_cli_json_contract(snap_dir, traffic_file):
    r = CliRunner().invoke(
        cli, ["compare", snap_dir, "--traffic", traffic_file, "--users", "2", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert all(CONTRACT <= set(row) for row in rows)
    assert {row["registry"] for row in rows} == set(REGISTRIES)
    assert len(rows) == load_plans().groupby(["registry", "plan"]).ngroups
    team = next(x for x in rows if x["registry"] == "dockerhub" and x["plan"] == "Team")
    assert team["monthly_usd"] == 30 and team["base_usd"] == 30 and team["fits"] is True
    assert all(isinstance(x["fits"], bool) and x["price_date"] for x in rows)


def test_cli_json_without_traffic_has_nulls(snap_dir):
    r = CliRunner().invoke(cli, ["compare", snap_dir, "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = {(x["registry"], x["plan"]): x for x in json.loads(r.stdout)}
    assert (
        rows[("ecr", "private")]["transfer_usd"] is None
        and rows[("ecr", "private")]["monthly_usd"] is None
    )
    assert rows[("ecr", "private")]["storage_usd"] > 0
    assert rows[("gar", "Standard")]["monthly_usd"] is None


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_cli_other_formats(snap_dir, fmt):
    r = CliRunner().invoke(cli, ["compare", snap_dir, "--format", fmt])
    assert r.exit_code == 0, r.output
    assert "artifactory" in r.stdout and "Enterprise X" in r.stdout


def test_cli_dimensions(snap_dir, traffic_file):
    r = CliRunner().invoke(
        cli, ["compare", snap_dir, "--traffic", traffic_file, "--dimensions", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [x["registry"] for x in rows] == list(REGISTRIES)
    ecr = rows[0]
    assert "12 hours" in ecr["authentication"] and ecr["monthly_usd"] is not None
    assert "this workload" in ecr["pricing"] and ecr["sources"]


def test_dimensions_without_compare_frame():
    df = dimensions()
    assert len(df) == len(REGISTRIES) and df["monthly_usd"].isna().all()
    assert df[["workflow", "authentication", "availability", "pricing"]].map(bool).all().all()


def test_cli_bad_plan_file_is_one_line_error(snap_dir, tmp_path):
    bad = tmp_path / "plans.csv"
    bad.write_text("registry,plan\nquay,x\n")
    r = CliRunner().invoke(cli, ["compare", snap_dir, "--plans", str(bad)])
    assert r.exit_code == 1 and "missing columns" in r.output and str(bad) in r.output
    assert "Traceback" not in r.output


def test_cli_rejects_zero_users(snap_dir):
    r = CliRunner().invoke(cli, ["compare", snap_dir, "--users", "0"])
    assert r.exit_code == 2 and "--users" in r.output


def test_cli_help_ends_with_example():
    r = CliRunner().invoke(cli, ["compare", "--help"])
    assert (
        r.exit_code == 0
        and "Examples:" in r.output
        and "ecrcost compare snap --traffic" in r.output
    )


def test_empty_snapshot_compares():
    df = compare(Snapshot.build())
    w = df.attrs["workload"]
    assert w["stored_gb"] == 0 and w["repositories"] == 0 and w["pushed_gb"] == 0
    quay = df[df["registry"] == "quay"].set_index("plan")
    assert quay.loc["Open Source", "cheapest"] and quay.loc["Open Source", "monthly_usd"] == 0
    assert df.loc[df["registry"] == "ecr", "storage_usd"].iloc[0] == 0


def test_users_must_be_positive(snap):
    from ecrcost.errors import InputError

    with pytest.raises(InputError, match="users"):
        workload(snap, users=0)


def test_ecr_replication_joins_storage_and_transfer(snap, traffic_file):
    snap.meta["registries"] = [
        {
            "account_id": A,
            "region": R,
            "replication_rules": [{"destinations": [{"region": "eu-west-1", "registryId": A}]}],
        }
    ]
    ecr = compare(snap, traffic=traffic_file).set_index("registry").loc["ecr"]
    total = costs(snap, by="total", traffic=traffic_file).iloc[0]
    assert total["replication_usd"] > 0
    assert ecr["monthly_usd"] == pytest.approx(total["total_usd"])
    assert ecr["storage_usd"] + ecr["transfer_usd"] == pytest.approx(total["total_usd"])
    assert ecr["storage_usd"] > total["storage_usd"] and "includes replication" in ecr["notes"]


def test_user_plan_file_without_ecr_still_has_the_ecr_row(snap, tmp_path):
    f = tmp_path / "plans.csv"
    f.write_text(
        "registry,plan,item,quantity,tier_start,tier_end,block,value,unit,source_url,source_date,"
        "read_date,confidence,notes\n"
        "quay,Negotiated,fee,,,,,99,USD/month,https://example.com/contract,2026-10,2026-11-28,high,our deal\n"
    )
    df = compare(snap, plans=str(f))
    assert list(df["registry"]) == ["ecr", "quay"]
    assert (
        df.loc[1, "monthly_usd"] == 99
        and df.loc[1, "cheapest"]
        and "our deal" in df.loc[1, "notes"]
    )


def test_prices_option_reaches_the_ecr_row(snap_dir, tmp_path):
    from ecrcost.pricing.catalog import bundled_catalog_path

    text = bundled_catalog_path().read_text()
    old = "aws,AmazonECR,us-east-1,storage,STANDARD,0,,GB-Mo,0.10,"
    assert old in text
    mine = tmp_path / "prices.csv"
    mine.write_text(text.replace(old, "aws,AmazonECR,us-east-1,storage,STANDARD,0,,GB-Mo,0.20,"))
    rows = {}
    for args in ([], ["--prices", str(mine)]):
        r = CliRunner().invoke(cli, ["compare", snap_dir, "--format", "json", *args])
        assert r.exit_code == 0, r.output
        rows[bool(args)] = next(x for x in json.loads(r.stdout) if x["registry"] == "ecr")
    assert rows[True]["storage_usd"] == pytest.approx(2 * rows[False]["storage_usd"])


def test_partial_snapshot_exits_3_with_output(tmp_path, snap):
    snap.meta["targets"].append(
        {"account_id": A, "region": "eu-west-1", "status": "failed", "error": "AccessDenied"}
    )
    path = snap.write(tmp_path / "partial")
    r = CliRunner().invoke(cli, ["compare", str(path), "--format", "json"])
    assert r.exit_code == 3
    assert len(json.loads(r.stdout)) == load_plans().groupby(["registry", "plan"]).ngroups
    assert "AccessDenied" in r.stderr
