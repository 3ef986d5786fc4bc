"""Regression tests of the accuracy defects of issue 13, each computed by hand: a known zero is $0,
the free tier comes off the first tier, one month length, a demo total that adds up, billed vs
unbilled plans, and months outside the computable range."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest
from click.testing import CliRunner

import ecrcost
from ecrcost.cli import cli
from ecrcost.pricing.catalog import load_catalog
from ecrcost.pricing.model import price_by_group
from ecrcost.synthetic import synthetic_snapshot

DT = "AWSDataTransfer"


@pytest.fixture
def no_pulls():
    """A snapshot whose repositories were never pulled (and no traffic profile is given)."""
    snap = synthetic_snapshot(images=80, repositories=5, seed=1)
    snap.pulls = snap.pulls.iloc[0:0]
    return snap


# ---- zero egress GB = $0 -------------------------------------------------------------------------
def test_zero_egress_is_zero_dollars_not_unknown(no_pulls):
    df = ecrcost.costs(no_pulls)
    assert (df["egress_gb"] == 0).all()
    assert (df["egress_usd"] == 0).all() and df["total_usd"].notna().all()
    assert df["total_usd"].sum() == pytest.approx(
        df["storage_usd"].sum() + df["replication_usd"].sum()
    )
    assert not any("egress cost unknown" in f for fl in df["flags"] for f in fl)


def test_zero_egress_every_compare_row_is_known(no_pulls):
    cmp = ecrcost.compare(no_pulls)
    rows = cmp.set_index(["registry", "plan"])
    for registry, plan in [
        ("ecr", "private"),
        ("ecr-public", "public"),
        ("gar", "Standard"),
        ("acr", "Basic"),
        ("acr", "Standard"),
        ("acr", "Premium"),
        ("artifactory", "Pro"),
    ]:
        r = rows.loc[(registry, plan)]
        assert not math.isnan(r["monthly_usd"]), (registry, plan, r["notes"])
        assert r["transfer_usd"] == 0, (registry, plan)


def test_zero_egress_in_json_is_zero_not_null(no_pulls, tmp_path):
    import json

    no_pulls.write(tmp_path / "s")
    out = CliRunner().invoke(cli, ["costs", str(tmp_path / "s"), "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert all(r["egress_usd"] == 0 and r["total_usd"] is not None for r in rows)


# ---- --free-tier: off the first ($0.09) tier ---------------------------------------------------
def test_free_tier_comes_off_the_first_tier_s3_faq_example():
    # S3 FAQ: 63,488 GB out of us-east-1 with 1 GB free:
    # 10,239 x 0.09 + 40,960 x 0.085 + 12,288 x 0.07 = 921.51 + 3,481.60 + 860.16 = $5,263.27
    cat = load_catalog()
    usd, _ = price_by_group(
        pd.Series([63_488.0]),
        ["us-east-1"],
        lambda r: cat.price("egress internet", r, service=DT),
        allowance=1.0,
    )
    assert round(usd[0], 2) == 5263.27  # taking it off the 0.07 tier gave $5,263.29


def test_free_tier_100_gb_saves_exactly_9_dollars_above_10_tb():
    cat = load_catalog()
    price = lambda r: cat.price("egress internet", r, service=DT)  # noqa: E731
    q = pd.Series([30_000.0, 33_488.0])  # two repositories sharing the ladder
    full, _ = price_by_group(q, ["us-east-1"] * 2, price)
    free, _ = price_by_group(q, ["us-east-1"] * 2, price, allowance=100.0)
    assert full.sum() - free.sum() == pytest.approx(100 * 0.09)  # not 100 x 0.07 = $7
    assert free[0] / free[1] == pytest.approx(30_000 / 33_488)  # allocated pro rata


def test_free_tier_end_to_end(tmp_path):
    snap = synthetic_snapshot(images=200, repositories=6, seed=2)
    traffic = tmp_path / "t.toml"
    traffic.write_text("[default]\nsame_region = 0.0\ncross_region = 0.0\ninternet = 1.0\n")
    plain = ecrcost.costs(snap, by="total", traffic=traffic).iloc[0]
    free = ecrcost.costs(snap, by="total", traffic=traffic, free_tier=True).iloc[0]
    internet_gb = plain["egress_gb"]
    assert 100 < internet_gb  # the allowance is used in full
    saved_egress = plain["egress_usd"] - free["egress_usd"]
    assert saved_egress == pytest.approx(100 * 0.09)


# ---- one month length ----------------------------------------------------------------------------
def test_one_month_length_everywhere():
    import importlib

    from ecrcost import units as usage
    from ecrcost.registries import plans

    workload_module = importlib.import_module("ecrcost.registries.workload")
    assert plans.PLAN_DAYS_PER_MONTH == usage.DAYS_PER_MONTH == 365.25 / 12
    assert workload_module.HOURS_PER_MONTH == 24 * usage.DAYS_PER_MONTH
    acr = ecrcost.compare(synthetic_snapshot(images=20, repositories=2, seed=0))
    basic = acr[(acr["registry"] == "acr") & (acr["plan"] == "Basic")].iloc[0]
    assert basic["base_usd"] == pytest.approx(0.167 * 365.25 / 12)


# ---- the demo's terminal tables add up and name the transfer money consistently ---------------
def test_demo_summary_adds_up_and_relates_transfer_to_egress(tmp_path):
    from ecrcost.demo import summary

    snap = synthetic_snapshot(images=200, repositories=6, seed=2)
    snap.meta["registries"] = [
        {
            "account_id": a,
            "region": r,
            "replication_rules": [{"destinations": [{"region": "ap-south-1", "registryId": a}]}],
        }
        for a, r in snap.repositories[["account_id", "region"]].drop_duplicates().to_numpy()
    ]
    traffic = tmp_path / "t.toml"
    traffic.write_text("[default]\nsame_region = 0.5\ncross_region = 0.25\ninternet = 0.25\n")
    result = SimpleNamespace(
        costs=ecrcost.costs(snap, traffic=traffic),
        comparison=ecrcost.compare(snap, traffic=traffic),
    )
    table, cheapest = summary(result)
    total = table.iloc[-1]
    assert total["replication_usd"] > 0
    assert total["storage_usd"] + total["egress_usd"] + total["replication_usd"] == pytest.approx(
        total["total_usd"]
    )
    ecr = result.comparison.set_index("registry").loc["ecr"]
    assert ecr["monthly_usd"] == pytest.approx(total["total_usd"])
    note = cheapest.attrs["note"]
    assert f"egress_usd ${total['egress_usd']:,.2f}" in note and "replication transfer" in note
    assert {"unbilled_usd", "confidence", "upper_bound"} <= set(cheapest.columns)


# ---- billed vs unbilled, confidence ------------------------------------------------------------
def test_compare_table_shows_unbilled_and_confidence_and_ranks_on_billed_cost(tmp_path):
    snap = synthetic_snapshot(images=200, repositories=6, seed=2)
    snap.write(tmp_path / "s")
    out = CliRunner().invoke(cli, ["compare", str(tmp_path / "s")])
    assert out.exit_code == 0, out.output
    header = next(line for line in out.stdout.splitlines() if "monthly_usd" in line)
    assert "unbilled_usd" in header and "confidence" in header
    assert "what is billed today" in out.stdout


def test_quay_2017_prices_are_low_confidence():
    cmp = ecrcost.compare(synthetic_snapshot(images=20, repositories=2, seed=0))
    assert set(cmp.loc[cmp["registry"] == "quay", "confidence"]) == {"low"}


def test_ghcr_if_billed_storage_is_per_day():
    from ecrcost.registries import Workload, load_plans, price_plans

    w = Workload(
        stored_gb=100.5,
        stored_gb_global=100.5,
        largest_repository_gb=1,
        repositories=1,
        pulled_gb=0.0,
        internet_gb=0.0,
        pushed_gb=0.0,
        pulls_per_month=0.0,
        traffic_given=True,
    )
    ghcr = price_plans(load_plans(), w).set_index(["registry", "plan"]).loc[("ghcr", "Free")]
    assert ghcr["unbilled_usd"] == pytest.approx(100 * 0.008 * 365.25 / 12)  # not 100 x $0.25


# ---- months outside the computable range ---------------------------------------------------------
@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1677-12", "2262-04"])
def test_month_out_of_range_is_one_line(no_pulls, tmp_path, month):
    no_pulls.write(tmp_path / "s")
    out = CliRunner().invoke(cli, ["costs", str(tmp_path / "s"), "--month", month])
    assert out.exit_code == 1 and "outside the months" in out.output
    assert "Traceback" not in out.output
