"""Egress calibrated from the bill: billed transfer-out GB replace the traffic profile's guess in
the account-regions the bill covers, allocated by modelled pulled GB; explicit rules still win."""

import pandas as pd
import pytest
from bill_fixtures import E1, EU, GB, A, B, Reg, line, write_cur2
from click.testing import CliRunner

import ecrcost
from ecrcost.billing import import_bill, write_bill
from ecrcost.cli import cli
from ecrcost.errors import BillError
from ecrcost.pricing.model import line_items
from ecrcost.traffic import TrafficProfile

PROFILE = TrafficProfile.from_dict(
    {
        "default": {"same_region": 0.8, "cross_region": 0.15, "internet": 0.05},
        "rule": [
            {"repositories": "public/*", "same_region": 0.0, "cross_region": 0.0, "internet": 1.0}
        ],
    }
)


def snapshot():
    """1 GiB images; pulls in November (30 days): r1 100, r2 300, public/x 8 (A/us-east-1);
    r3 20 (A/eu-west-1); r4 50 (B/us-east-1) -> pulled GB = pulls."""
    reg = Reg()
    for repo, account, region, pulls in (
        ("r1", A, E1, 100),
        ("r2", A, E1, 300),
        ("public/x", A, E1, 8),
        ("r3", A, EU, 20),
        ("r4", B, E1, 50),
    ):
        reg.image(repo, f"sha256:{repo}", [(f"l-{repo}", GB)], account=account, region=region)
        reg.pulled(repo, pulls / 30, account=account, region=region)
    return reg.build()


@pytest.fixture
def bill(tmp_path):
    lines = [
        line("DataTransfer-Out-Bytes", 60.0, 5.40, day=1),
        line("DataTransfer-Out-Bytes", 40.0, 3.60, day=2),
        line("USE1-EUW1-AWS-Out-Bytes", 5.0, 0.10),
        line("TimedStorage-ByteHrs", 3.0, 0.30, resource="r1"),
        line("DataTransfer-Out-Bytes", 7.0, 0.63, month="2026-10"),
    ]
    return import_bill(str(write_cur2(tmp_path / "cur.parquet", lines)))


def repo(df, name):
    return df.set_index("repository").loc[name]


def test_billed_gb_replace_the_profile_in_one_account_region_only(bill):
    snap = snapshot()
    plain = ecrcost.costs(snap, traffic=PROFILE, month="2026-11")
    cal = ecrcost.costs(snap, traffic=PROFILE, month="2026-11", bill=bill)
    items = line_items(snap, traffic=PROFILE, month="2026-11", bill=bill)
    internet = items[items["item"].isin(["egress internet", "egress cross-region"])]
    out = internet.groupby("repository")["quantity"].sum()
    # A/us-east-1: public/x keeps its rule (8 GB out); 100 - 8 = 92 GB split 100:300
    assert out["public/x"] == pytest.approx(8.0)
    assert out["r1"] == pytest.approx(23.0) and out["r2"] == pytest.approx(69.0)
    assert out[["r1", "r2", "public/x"]].sum() == pytest.approx(100.0)  # sums to the billed GB
    same = items[items["item"] == "egress same-region"].set_index("repository")["quantity"]
    assert same["r1"] == pytest.approx(77.0) and same["r2"] == pytest.approx(231.0)
    assert repo(cal, "r1")["egress_usd"] == pytest.approx(23.0 * 0.09)
    assert any(
        "calibrated from the bill (2026-11): 100.00 GB" in f for f in repo(cal, "r1")["flags"]
    )
    # everywhere else the profile's guess is untouched
    for name in ("r3", "r4", "public/x"):
        assert repo(cal, name)["egress_usd"] == pytest.approx(repo(plain, name)["egress_usd"]), name
    assert repo(plain, "r1")["egress_usd"] == pytest.approx(100 * 0.2 * 0.09)
    m = cal.attrs["method"]["egress_calibration"]
    assert m.startswith("calibrated from the bill (cur, 2026-11): 111111111111/us-east-1;")
    assert "traffic profile: 111111111111/eu-west-1, 222222222222/us-east-1" in m
    assert "explicit traffic rules kept in: 111111111111/us-east-1" in m
    assert "egress_calibration" not in plain.attrs["method"]


def test_without_a_profile_only_the_billed_account_regions_are_known(bill):
    cal = ecrcost.costs(snapshot(), month="2026-11", bill=bill)
    # no profile, so no explicit rule: all 100 GB over 408 pulled GB
    assert repo(cal, "r1")["egress_usd"] == pytest.approx(100 * 100 / 408 * 0.09)
    assert repo(cal, "public/x")["egress_usd"] == pytest.approx(100 * 8 / 408 * 0.09)
    assert pd.isna(repo(cal, "r3")["egress_usd"]) and pd.isna(repo(cal, "r4")["total_usd"])
    m = cal.attrs["method"]["egress_calibration"]
    assert (
        "traffic profile: none" in m
        and "unknown: 111111111111/eu-west-1, 222222222222/us-east-1" in m
    )


def test_run_rate_uses_the_latest_month_and_a_missing_month_is_an_error(bill):
    cal = ecrcost.costs(snapshot(), traffic=PROFILE, bill=bill)
    assert "(cur, 2026-11)" in cal.attrs["method"]["egress_calibration"]
    oct_ = ecrcost.costs(snapshot(), traffic=PROFILE, month="2026-10", bill=bill)
    # October's bill has 7 GB out; public/x's explicit rule alone claims 8 x 31/30 GB of it,
    # so nothing is left for the others (never below 0)
    assert repo(oct_, "r1")["egress_usd"] == 0.0
    assert repo(oct_, "public/x")["egress_usd"] == pytest.approx(8 * 31 / 30 * 0.09)
    no_rule = ecrcost.costs(snapshot(), month="2026-10", bill=bill)
    assert repo(no_rule, "r1")["egress_usd"] == pytest.approx(7 * 100 / 408 * 0.09)
    with pytest.raises(
        BillError, match=r"--bill has no rows for 2026-09 \(its months: 2026-10, 2026-11\)"
    ):
        ecrcost.costs(snapshot(), traffic=PROFILE, month="2026-09", bill=bill)


def test_a_billed_account_region_with_no_pulls_allocates_equally(tmp_path):
    snap = Reg().image("a", "sha256:a", [("la", GB)]).image("b", "sha256:b", [("lb", GB)]).build()
    bill = import_bill(
        str(write_cur2(tmp_path / "c.parquet", [line("DataTransfer-Out-Bytes", 10.0, 0.9)]))
    )
    items = line_items(snap, month="2026-11", bill=bill)
    out = items[items["item"] == "egress internet"].set_index("repository")["quantity"]
    assert out.to_dict() == {"a": 5.0, "b": 5.0}
    flags = items[items["item"] == "egress internet"]["flags"].iloc[0]
    assert any(
        "allocated equally (no pulls modelled)" in f and "more than the modelled pulled GB" in f
        for f in flags
    )


def test_cli_costs_compare_and_report_take_the_bill(bill, tmp_path):
    snap_dir = snapshot().write(tmp_path / "snap")
    write_bill(bill, tmp_path / "bill")
    (tmp_path / "t.toml").write_text(
        "[default]\nsame_region = 0.8\ncross_region = 0.15\ninternet = 0.05\n\n"
        '[[rule]]\nrepositories = "public/*"\nsame_region = 0.0\ncross_region = 0.0\ninternet = 1.0\n'
    )
    args = [str(snap_dir), "--traffic", str(tmp_path / "t.toml"), "--bill", str(tmp_path / "bill")]
    res = CliRunner().invoke(cli, ["costs", *args, "--month", "2026-11"])
    assert res.exit_code == 0, res.output
    assert (
        "egress_calibration: calibrated from the bill (cur, 2026-11): 111111111111/us-east-1"
        in res.output
    )
    res = CliRunner().invoke(cli, ["compare", *args, "--format", "json"])
    assert res.exit_code == 0, res.output
    plain = ecrcost.compare(snapshot(), traffic=PROFILE)
    cal = ecrcost.compare(snapshot(), traffic=PROFILE, bill=bill)
    assert cal.attrs["workload"]["internet_gb"] > plain.attrs["workload"]["internet_gb"]
    res = CliRunner().invoke(cli, ["report", *args, "--out", str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "rep" / "bill_error.csv").is_file() and (
        tmp_path / "rep" / "charts" / "bill_vs_model.png"
    ).is_file()
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "## Estimate vs bill" in md and "Storage 2026-11: modelled" in md
    res = CliRunner().invoke(cli, ["costs", str(snap_dir), "--bill", str(tmp_path / "nope")])
    assert res.exit_code == 1 and "no such bill directory" in res.output


def test_report_estimate_vs_bill_section(bill):
    rep = ecrcost.report(snapshot(), traffic=PROFILE, bill=bill)
    sec = rep.section("bill")
    assert sec.title == "Estimate vs bill"
    err = rep.tables["bill_error"]
    assert set(err["month"]) == {"2026-10", "2026-11"}
    assert {
        "account_id",
        "region",
        "category",
        "billed_usd",
        "modelled_usd",
        "diff_usd",
        "note",
    } <= set(err.columns)
    residuals = rep.tables["bill_residuals"]
    assert "matches" not in set(residuals["note"])
    assert list(residuals["diff_usd"].abs()) == sorted(residuals["diff_usd"].abs(), reverse=True)
    assert "bill_vs_model" in rep.charts and rep.charts["bill_vs_model"].startswith(b"\x89PNG")
    assert any(p.startswith("Storage 2026-11: modelled") for p in sec.paragraphs)
    # the section uses the profile's egress, not the calibrated one: November's A/us-east-1 out
    nov = err[
        (err["month"] == "2026-11")
        & (err["category"] == "egress_internet")
        & (err["region"] == E1)
        & (err["account_id"] == A)
    ].iloc[0]
    assert nov["billed_quantity"] == 100.0 and nov["modelled_quantity"] == pytest.approx(
        0.2 * 400 + 8
    )
    with pytest.raises(StopIteration):
        ecrcost.report(snapshot(), traffic=PROFILE).section("bill")
