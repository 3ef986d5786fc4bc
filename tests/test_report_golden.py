"""Golden files: the report's Markdown and every CSV table for the fixed snapshot of report_fixtures.

Regenerate after an intended change with::

    ECRCOST_UPDATE_GOLDEN=1 python -m pytest tests/test_report_golden.py

and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from report_fixtures import baseline, build

from ecrcost.reporting.monthly import report
from ecrcost.reporting.tables import to_csv

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ECRCOST_UPDATE_GOLDEN") == "1"

TRAFFIC = """
[default]
same_region = 0.8
cross_region = 0.15
internet = 0.05

[[rule]]
repositories = "web"
same_region = 0.0
cross_region = 0.0
internet = 1.0
"""


def rendered(rep) -> dict[str, str]:
    files = {"report.md": rep.markdown()}
    files.update({f"{name}.csv": to_csv(df) for name, df in rep.tables.items()})
    return files


def check_golden(name: str, files: dict[str, str]) -> None:
    folder = GOLDEN / name
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for fname, text in files.items():
            (folder / fname).write_text(text, encoding="utf-8")
        return
    assert folder.is_dir(), f"no golden files in {folder}; run with ECRCOST_UPDATE_GOLDEN=1"
    assert sorted(p.name for p in folder.iterdir()) == sorted(files), (
        "set of files differs from the golden set"
    )
    for fname, text in files.items():
        expected = (folder / fname).read_text(encoding="utf-8")
        assert text == expected, (
            f"{name}/{fname} differs from the golden file (ECRCOST_UPDATE_GOLDEN=1 to update)"
        )


def test_golden_report_with_baseline():
    check_golden("report", rendered(report(build(), baseline=baseline())))


def test_golden_report_with_traffic_profile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the method section names the profile: keep its path fixed
    (tmp_path / "traffic.toml").write_text(TRAFFIC)
    rep = report(build(failed=True), traffic="traffic.toml")
    files = rendered(rep)
    assert "egress_by_destination" in rep.charts
    check_golden("report-traffic", files)


@pytest.mark.skipif(UPDATE, reason="golden files are being rewritten")
def test_golden_files_are_what_save_writes(tmp_path):
    out = report(build(), baseline=baseline()).save(tmp_path / "r")
    for f in (GOLDEN / "report").iterdir():
        assert (out / f.name).read_text(encoding="utf-8") == f.read_text(encoding="utf-8"), f.name


def first_screen(rep) -> dict[str, str]:
    """The first screen (the overview section) as Markdown and as HTML."""
    from ecrcost.reporting.document import Document
    from ecrcost.reporting.html import section_html
    from ecrcost.reporting.markdown import report_markdown

    overview = rep.section("overview")
    doc = Document(rep.title, rep.month, rep.subtitle, [overview], rep.incomplete)
    return {
        "first-screen.md": report_markdown(doc),
        "first-screen.html": section_html(overview) + "\n",
    }


def test_golden_first_screen_with_baseline_and_traffic(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "traffic.toml").write_text(TRAFFIC)
    rep = report(build(), baseline=baseline(), traffic="traffic.toml")
    files = first_screen(rep)
    assert "no baseline" not in files["first-screen.md"]
    check_golden("first-screen", files)


def test_golden_first_screen_without_baseline():
    rep = report(build(failed=True))
    files = first_screen(rep)
    assert "no baseline" in files["first-screen.md"]
    assert "failed" in files["first-screen.md"]  # coverage says what is missing
    check_golden("first-screen-no-baseline", files)
