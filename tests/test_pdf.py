"""`print_pdf`: the report printed by headless Chromium; the title text is extractable (pdftotext)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from report_fixtures import baseline, build

from ecrcost.reporting.monthly import report
from ecrcost.reporting.pdf import FLAGS, BrowserMissingError, find_chromium, print_pdf


def require_tools() -> None:
    """Skip without chromium or pdftotext, unless ECRCOST_REQUIRE_BROWSER=1 (then fail)."""
    if not find_chromium() or not shutil.which("pdftotext"):
        if os.environ.get("ECRCOST_REQUIRE_BROWSER") == "1":
            pytest.fail("ECRCOST_REQUIRE_BROWSER=1 but chromium or pdftotext is missing")
        pytest.skip("needs Debian's chromium and poppler-utils (.ci/run installs both)")


def test_flags_are_the_safe_ones():
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"):  # fmt: skip
        assert flag in FLAGS


def test_missing_chromium_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("ECRCOST_CHROMIUM", raising=False)
    assert find_chromium() is None
    (tmp_path / "index.html").write_text("<h1>x</h1>")
    with pytest.raises(BrowserMissingError, match="apt-get install chromium"):
        print_pdf(tmp_path / "index.html", tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()


@pytest.mark.browser
def test_report_pdf_has_the_title(tmp_path):
    require_tools()
    rep = report(build(), baseline=baseline())
    out = rep.save(tmp_path / "rep")
    pdf = print_pdf(out / "index.html", out / "report.pdf")
    assert pdf.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert rep.title in text
    assert not list(out.glob(".report.pdf.*"))  # no temporary file left behind


@pytest.mark.browser
def test_report_command_pdf(tmp_path):
    require_tools()
    from click.testing import CliRunner

    from ecrcost.cli import cli

    snap = build().write(tmp_path / "snap")
    r = CliRunner().invoke(cli, ["report", str(snap), "--out", str(tmp_path / "r"), "--pdf"])
    assert r.exit_code == 0, r.output
    pdf = tmp_path / "r" / "report.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "ECR cost report 2026-11" in text and "at a glance" in text
