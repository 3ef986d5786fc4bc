"""`ecrcost diff OLD NEW` through click: text layout, JSON, --by, errors."""

from __future__ import annotations

import json

from click.testing import CliRunner
from report_fixtures import baseline, build

from ecrcost.cli import cli


def test_diff_cli(tmp_path):
    old, new = baseline().write(tmp_path / "old"), build().write(tmp_path / "new")
    r = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert r.exit_code == 0, r.output
    assert "+ 222222222222/eu-west-1/data" in r.output
    assert "Monthly cost change:" in r.output
    r = CliRunner().invoke(cli, ["diff", str(old), str(new), "--output", "json", "--by", "account"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert {row["account_id"] for row in rows} == {"111111111111", "222222222222"}
    r = CliRunner(env={"ECRCOST_FORMAT": "csv"}).invoke(cli, ["diff", str(old), str(new)])
    assert r.output.startswith("account_id,region,repository,change,")


def test_diff_cli_errors(tmp_path):
    old, new = baseline().write(tmp_path / "old"), build().write(tmp_path / "new")
    r = CliRunner().invoke(cli, ["diff", str(new), str(old)])
    assert r.exit_code == 1 and "older snapshot first" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["diff", str(old), str(tmp_path / "nope")])
    assert r.exit_code == 1 and "no such snapshot" in r.output
    r = CliRunner().invoke(cli, ["diff", str(old), str(new), "--by", "tag:"])
    assert r.exit_code == 2 and "--by" in r.output
