"""CLI regressions of issue 13: an unwritable --out fails before any work, a collect that finds
nothing says so by account and region, usage errors exit 2, hostile error text stays one line."""

from __future__ import annotations

import boto3
import pytest
from click.testing import CliRunner

from ecrcost.cli import cli
from ecrcost.synthetic import synthetic_snapshot


@pytest.fixture
def snap_dir(tmp_path):
    return synthetic_snapshot(images=40, repositories=3, seed=1).write(tmp_path / "snap")


@pytest.mark.parametrize("where", ["under-a-file", "proc"])
def test_report_out_unwritable_fails_before_computing(snap_dir, tmp_path, monkeypatch, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    out = blocker / "report" if where == "under-a-file" else "/proc/ecrcost-report"

    def boom(*a, **k):  # the report must not even be computed
        raise AssertionError("report computed before --out was checked")

    monkeypatch.setattr("ecrcost.reporting.monthly.report", boom)
    result = CliRunner().invoke(cli, ["report", str(snap_dir), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "--out" in result.output and "Traceback" not in result.output


def test_collect_out_unwritable_fails_before_collecting(aws_env, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    result = CliRunner().invoke(
        cli, ["collect", "--region", "us-east-1", "--out", str(blocker / "s")]
    )
    assert result.exit_code == 1 and "is a file, not a directory" in result.output


def test_a_collect_that_finds_nothing_warns_by_account_and_region(moto_aws, tmp_path):
    boto3.client("ecr", region_name="us-east-1").create_repository(repositoryName="app")
    runner = CliRunner()
    # the wrong region: nothing there
    wrong = runner.invoke(
        cli, ["collect", "--region", "eu-west-2", "-q", "--out", str(tmp_path / "a")]
    )
    assert wrong.exit_code == 3, wrong.output
    assert "no repositories in account 123456789012 region eu-west-2" in wrong.output
    assert "--allow-empty" in wrong.output
    asked = runner.invoke(
        cli,
        ["collect", "--region", "eu-west-2", "-q", "--allow-empty", "--out", str(tmp_path / "b")],
    )
    assert asked.exit_code == 0 and "no repositories in account" in asked.output
    # one empty region beside a full one: warned, not an error
    both = runner.invoke(
        cli,
        [
            "collect",
            "--region",
            "us-east-1",
            "--region",
            "eu-west-2",
            "-q",
            "--out",
            str(tmp_path / "c"),
        ],
    )
    assert (
        both.exit_code == 0
        and "region eu-west-2" in both.output
        and "us-east-1 (wrong" not in both.output
    )


@pytest.mark.parametrize(
    "args",
    [
        ["costs", "SNAP", "--by", "team"],
        ["costs"],
        ["nosuchcommand"],
        ["compare", "SNAP", "--users", "0"],
    ],
)
def test_usage_errors_exit_2(snap_dir, args):
    result = CliRunner().invoke(cli, [str(snap_dir) if a == "SNAP" else a for a in args])
    assert result.exit_code == 2, result.output


def test_error_messages_are_one_terminal_safe_line(tmp_path):
    bad = tmp_path / "evil\x1b]0;owned\x07\nINFO forged"
    bad.mkdir()
    result = CliRunner().invoke(cli, ["costs", str(bad)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert len(result.output.strip().splitlines()) == 1
