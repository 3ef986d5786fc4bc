"""`ecrcost report` month semantics and automation: --month, a snapshot of the 1st reports the month
before, no baseline on the first report, --baseline auto from the history, --allow-partial, --pdf
with a clear message when Chromium is missing; plus the CLI output options (--envelope, --output,
ECRCOST_FORMAT, CSV account IDs as text) and `ecrcost.style`."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner
from report_fixtures import build

import ecrcost
from ecrcost.cli import cli


def run(*args, env=None):
    return CliRunner(env=env).invoke(cli, [str(a) for a in args])


@pytest.fixture
def months(tmp_path):
    """snapshots/2026-11-01 (collected on the 1st: reports October) and snapshots/2026-12-01."""
    root = tmp_path / "snapshots"
    build("2026-11-01T06:00:00+00:00", baseline=True).write(root / "2026-11-01")
    build("2026-12-01T06:00:00+00:00").write(root / "2026-12-01")
    return root


def test_first_days_report_the_month_before_and_first_report_has_no_baseline(months, tmp_path):
    out = tmp_path / "r1"
    r = run("report", months / "2026-11-01", "--baseline", "auto", "--out", out)
    assert r.exit_code == 0, r.output
    assert "no baseline" in r.output and "ECR cost report 2026-10" in r.output
    md = (out / "report.md").read_text()
    assert md.startswith("# ECR cost report 2026-10")
    assert "Covers October 2026 (collected 2026-11-01, after the month ended)" in md
    assert "no baseline" in md
    assert "No trend yet" in md


def test_baseline_auto_picks_the_previous_month(months, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("report", months / "2026-12-01", "--baseline", "auto", "--history", months)
    assert r.exit_code == 0, r.output
    assert f"baseline {months / '2026-11-01'}" in r.output
    out = tmp_path / "reports" / "2026-11"  # default --out: the month reported
    md = (out / "report.md").read_text()
    assert "vs last month" in md and "2 months (2026-10 to 2026-11)" in md
    hist = pd.read_csv(out / "history.csv")
    assert list(hist["month"]) == ["2026-10", "2026-11"]


def test_month_option_labels_the_report(months, tmp_path):
    out = tmp_path / "r"
    r = run("report", months / "2026-12-01", "--month", "2026-12", "--out", out)
    assert r.exit_code == 0, r.output
    assert (out / "report.md").read_text().startswith("# ECR cost report 2026-12")
    r = run("report", months / "2026-12-01", "--month", "2026-13", "--out", tmp_path / "x")
    assert r.exit_code == 1 and "--month '2026-13'" in r.output and "Traceback" not in r.output


def test_partial_snapshot_exits_3_unless_allowed(tmp_path):
    snap = build(failed=True).write(tmp_path / "snap")
    r = run("report", snap, "--out", tmp_path / "a")
    assert r.exit_code == 3 and (tmp_path / "a" / "index.html").is_file()
    r = run("report", snap, "--out", tmp_path / "b", "--allow-partial")
    assert r.exit_code == 0 and (tmp_path / "b" / "index.html").is_file()
    assert "Incomplete: 1 account-region(s)" in r.output  # still said, on stderr
    assert "figures undercount" in (tmp_path / "b" / "report.md").read_text()


def test_pdf_without_chromium_is_a_clear_error(tmp_path, monkeypatch):
    snap = build().write(tmp_path / "snap")
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium here
    monkeypatch.delenv("ECRCOST_CHROMIUM", raising=False)
    r = run("report", snap, "--out", tmp_path / "r", "--pdf")
    assert r.exit_code == 1 and "--pdf needs Chromium on PATH" in r.output
    assert "Traceback" not in r.output
    assert (tmp_path / "r" / "index.html").is_file()  # the HTML report is kept


def test_costs_by_tag_sums_to_total_and_envelope(tmp_path):
    snap = build().write(tmp_path / "snap")
    r = run("costs", snap, "--by", "tag:team", "--output", "json", "--envelope")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) >= {"data", "method", "units", "title"}
    total = json.loads(run("costs", snap, "--by", "total", "--format", "json").stdout)[0]
    assert sum(g["storage_usd"] for g in doc["data"]) == pytest.approx(total["storage_usd"])
    assert {g["group"] for g in doc["data"]} == {"untagged", "<script>alert(1)</script>"}
    assert doc["method"]["by"].startswith("tag:team")
    bare = json.loads(run("costs", snap, "--format", "json").stdout)
    assert isinstance(bare, list)  # the default contract: the bare array


def test_format_env_and_csv_account_ids(tmp_path):
    snap = build().write(tmp_path / "snap")
    r = run("costs", snap, env={"ECRCOST_FORMAT": "csv"})
    assert r.exit_code == 0
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0][0] == "account_id"
    assert {row[0] for row in rows[1:]} == {'="111111111111"', '="222222222222"'}
    # a spreadsheet shows ="111111111111" as the text 111111111111 (all 12 digits)
    r = run("costs", snap, "--format", "table", env={"ECRCOST_FORMAT": "csv"})
    assert "┃" in r.output  # the option wins over the environment


@pytest.mark.parametrize("width", [80, 120])
def test_costs_table_fits_the_terminal(tmp_path, width, monkeypatch):
    snap = build().write(tmp_path / "snap")
    monkeypatch.setenv("COLUMNS", str(width))
    r = CliRunner().invoke(cli, ["costs", str(snap), "--by", "account"], terminal_width=width)
    table = [line for line in r.output.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= width
    assert "total_usd" in r.output or "storage_usd" in r.output


def test_style_shows_frames_as_the_report_does():
    df = ecrcost.costs(build())
    styled = ecrcost.style(df, rows=2)
    html = styled._repr_html_()
    assert "Total / month" in html and "First 2 of 5 rows." in html and "<script>" not in html
    text = str(styled)
    assert max(len(line) for line in text.splitlines()) <= 80 and "$" in text
    assert styled.df is df  # nothing changed
