"""The monthly report on the hand-built snapshot of report_fixtures: figures, month over month,
savings, escaping, saving, and every bad-input path (API and CLI)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner
from report_fixtures import XSS, MiB, baseline, build

import ecrcost
from ecrcost.cli import cli
from ecrcost.errors import InputError, OutputExistsError, SnapshotError
from ecrcost.pricing.summary import costs
from ecrcost.reporting.growth import month_over_month
from ecrcost.reporting.monthly import report
from ecrcost.reporting.output import Report
from ecrcost.reporting.savings import freed_bytes, savings_candidates
from ecrcost.storage import image_storage

CFG = 1000  # every fixture manifest has a 1000-byte config blob
SECTIONS = [
    "overview",
    "summary",
    "money",
    "chargeback",
    "growth",
    "trend",
    "savings",
    "egress",
    "alternatives",
    "coverage",
    "method",
]


@pytest.fixture(scope="module")
def rep() -> Report:
    return report(build(), baseline=baseline())


def by_repo(df):
    return df.set_index("repository")


def test_public_api_and_sections(rep):
    assert ecrcost.report is report and ecrcost.Report is Report
    assert [s.id for s in rep.sections] == SECTIONS
    assert rep.month == "2026-11" and rep.title == "ECR cost report 2026-11"
    assert set(rep.charts) >= {
        "naive_vs_unique",
        "cost_by_repository",
        "storage_by_push_month",
        "month_over_month",
        "image_age",
    }
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in rep.charts.values())
    assert rep["summary"] is rep.tables["summary"]


def test_figures_match_costs(rep):
    snap = build()
    total = costs(snap, by="total").iloc[0]
    s = rep["summary"].iloc[0]
    assert s["storage_usd"] == pytest.approx(total["storage_usd"])
    assert math.isnan(s["egress_usd"]) and math.isnan(
        s["total_usd"]
    )  # no traffic profile: unknown, not $0
    assert s["unique_bytes"] == total["unique_bytes"]
    assert s["naive_bytes"] - s["unique_bytes"] == s["overcount_bytes"] > 0
    assert (s["accounts"], s["regions"], s["repositories"], s["images"]) == (2, 2, 5, 9)
    top = rep["top_repositories"]
    pd.testing.assert_frame_equal(
        top.sort_values("repository").reset_index(drop=True),
        costs(snap).sort_values("repository").reset_index(drop=True),
        check_like=True,
    )
    assert list(top["repository"][:2]) == ["data", "app"]  # largest storage cost first
    assert rep["by_account"]["storage_usd"].sum() == pytest.approx(total["storage_usd"])
    assert rep["by_region"]["storage_usd"].sum() == pytest.approx(total["storage_usd"])


def test_month_over_month_added_removed_grown(rep):
    d = by_repo(rep["month_over_month"])
    assert d.loc["data", "change"] == "new" and d.loc["data", "before_images"] == 0
    assert d.loc["data", "delta_bytes"] == 2048 * MiB + CFG
    assert d.loc["retired", "change"] == "removed" and d.loc["retired", "after_unique_bytes"] == 0
    assert d.loc["retired", "delta_bytes"] == -(10 * MiB + CFG)
    assert d.loc["app", "change"] == "grew" and d.loc["app", "delta_bytes"] == 300 * MiB + CFG
    assert (d.loc["app", "before_images"], d.loc["app", "after_images"]) == (2, 3)
    assert "web" not in d.index  # unchanged repositories are not listed as changes
    assert list(rep["new_repositories"]["repository"]) == ["data"]
    assert list(rep["removed_repositories"]["repository"]) == ["retired"]
    full = by_repo(month_over_month(costs(baseline()), costs(build())))
    assert full.loc["web", "change"] == "unchanged" and full.loc["web", "delta_bytes"] == 0
    assert full["delta_storage_usd"].sum() == pytest.approx(
        costs(build())["storage_usd"].sum() - costs(baseline())["storage_usd"].sum()
    )
    text = " ".join(rep.section("growth").paragraphs)
    assert "1 new, 1 removed, 1 grew, 0 shrank, 3 unchanged" in text


def test_without_baseline_says_so():
    r = report(build())
    assert "month_over_month" not in r.tables
    assert "no baseline given" in " ".join(r.section("growth").paragraphs)


def test_savings_candidates_and_freed_bytes(rep):
    s = by_repo(rep["savings_by_repository"])
    # app: u1 is untagged (base is still used by m1/m2, so only old + its config is freed)
    assert s.loc["app", "untagged_images"] == 1
    assert s.loc["app", "untagged_exclusive_bytes"] == 100 * MiB + CFG
    # unpulled: u1 (last pull 2026-06-01) in app; l1 (never pulled, pushed 2024) in legacy.
    # m2 was never pulled but was pushed 25 days ago, so it is not stale; children of the index are never candidates
    assert s.loc["app", "unpulled_images"] == 1 and s.loc["legacy", "unpulled_images"] == 1
    assert s.loc["legacy", "unpulled_exclusive_bytes"] == 400 * MiB + CFG
    assert set(s.index) == {"app", "legacy"}
    rate = 0.10  # us-east-1 STANDARD, USD per GB-month, in the bundled catalog
    assert s.loc["legacy", "unpulled_storage_usd"] == pytest.approx(
        (400 * MiB + CFG) / 2**30 * rate
    )
    imgs = rep["savings_images"].set_index("digest")
    assert set(imgs.index) == {"u1", "l1"}
    assert imgs.loc["u1", "reason"] == "untagged; not pulled for 90+ days"
    assert imgs.loc["l1", "reason"] == "never pulled, pushed 90+ days ago"
    lc = rep["no_lifecycle_policy"]
    assert set(lc["repository"]) == {"web", "legacy"}
    assert json.loads(lc.set_index("repository").loc["web", "resource_tags"]) == {"team": XSS}
    assert rep["image_age"]["images"].sum() == 9


def test_freed_bytes_counts_blobs_shared_only_among_deleted_images():
    snap = build()
    imgs = image_storage(snap)
    digest = imgs["digest"].to_numpy()
    # deleting every app image frees the shared base layer too; deleting one does not
    app = (imgs["repository"] == "app").to_numpy()
    assert freed_bytes(snap, imgs, app, "repository").sum() == pytest.approx(
        (1024 + 200 + 300 + 100) * MiB + 3 * CFG
    )
    only_m1 = digest == "m1"
    assert freed_bytes(snap, imgs, only_m1, "repository").sum() == 200 * MiB + CFG
    cand = savings_candidates(imgs, pd.Timestamp("2026-11-28T06:00:00Z"))
    assert not cand.loc[imgs["is_child"].to_numpy(bool)].any(axis=None)


def test_user_strings_escaped_in_html_and_neutralised_in_csv(rep, tmp_path):
    html = rep.html()
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert XSS not in rep._repr_html_()
    md = rep.markdown()
    assert XSS not in md and "&lt;script&gt;" in md
    out = rep.save(tmp_path / "r")
    csv = (out / "savings_images.csv").read_text()
    assert "'=HYPERLINK(1);<script>alert(1)</script>" in csv  # a formula cell starts with a quote
    assert ",=HYPERLINK" not in csv


def test_save_writes_every_file(rep, tmp_path):
    out = rep.save(tmp_path / "2026-11")
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "report.md", "charts"} <= names
    assert {f"{t}.csv" for t in rep.tables} <= names
    assert {p.stem for p in (out / "charts").glob("*.png")} == set(rep.charts)
    md = (out / "report.md").read_text()
    for name in rep.charts:  # every chart the Markdown links exists beside it
        assert f"(charts/{name}.png)" in md
    html = (out / "index.html").read_text()
    assert html.count("data:image/png;base64,") == len(rep.charts)
    assert "http://" not in html and "https://" not in html.split("<body>")[0]  # nothing fetched


def test_save_refuses_existing_dir_and_force_replaces(rep, tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(OutputExistsError, match="--force"):
        rep.save(out)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    rep.save(out, force=True)
    assert (out / "index.html").exists() and not (out / "mine.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary directories left


def test_save_is_never_half_written(rep, tmp_path, monkeypatch):
    import ecrcost.reporting.html as html_mod

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(html_mod, "report_html", boom)
    with pytest.raises(RuntimeError):
        rep.save(tmp_path / "r")
    assert list(tmp_path.iterdir()) == []
    old = tmp_path / "old"
    rep_ok = old.mkdir() or (old / "index.html").write_text("last month")
    with pytest.raises(RuntimeError):
        rep.save(old, force=True)
    assert (old / "index.html").read_text() == "last month" and rep_ok is not None


def test_bad_baselines(tmp_path):
    snap = build()
    other = build("2026-10-01T00:00:00+00:00")
    other.meta["schema_version"] = 99
    with pytest.raises(SnapshotError, match="schema version 99"):
        report(snap, baseline=other)
    far = baseline()
    far.repositories["account_id"] = "999999999999"
    with pytest.raises(InputError, match="no repository in common"):
        report(snap, baseline=far)
    with pytest.raises(InputError, match="not before the snapshot"):
        report(baseline(), baseline=snap)
    # a baseline directory of another schema version
    path = baseline().write(tmp_path / "base")
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps(dict(meta, schema_version=0)))
    with pytest.raises(SnapshotError, match="schema version 0"):
        report(snap, baseline=path)


def test_failed_targets_reported(tmp_path):
    r = report(build(failed=True))
    assert len(r.incomplete) == 1
    cov = r["coverage"]
    assert list(cov["status"]) == ["ok", "ok", "failed"]
    assert "1 of 3 account-region(s) failed or were partial" in r.section("coverage").paragraphs[0]
    assert "Incomplete snapshot" in r.html()


def test_alternatives_section_present(rep):
    from ecrcost.registries import compare, dimensions

    assert {"alternatives", "alternatives_cheapest", "alternatives_dimensions"} <= set(rep.tables)
    assert {"cost_by_registry", "cost_vs_storage"} <= set(rep.charts)
    expected = compare(build())  # the same table `ecrcost compare` prints
    pd.testing.assert_frame_equal(rep["alternatives"], expected.reset_index(drop=True))
    assert list(rep["alternatives_dimensions"]["registry"]) == list(
        dimensions(expected)["registry"]
    )
    cheapest = rep["alternatives_cheapest"]
    assert cheapest["cheapest"].all() and cheapest["registry"].is_unique


def test_method_states_units_scope_and_catalog(rep):
    text = "\n".join(rep.section("method").paragraphs)
    assert "1 GB = 2^30 bytes" in text and "scope: repository" in text
    assert "Price sources:" in text and "catalog" in text.lower()
    assert "egress cost is unknown" in text


def test_registry_scope_and_empty_snapshot():
    r = report(build(), scope="registry")
    assert "scope: registry" in "\n".join(r.section("method").paragraphs)
    registry_total = costs(build(), by="total", scope="registry").iloc[0]
    assert r["summary"].iloc[0]["unique_bytes"] == registry_total["unique_bytes"]
    assert r["summary"].iloc[0]["storage_usd"] == pytest.approx(registry_total["storage_usd"])
    # registry scope counts a blob once per account+region: never more than per-repository scope
    assert (
        r["summary"].iloc[0]["unique_bytes"] <= report(build())["summary"].iloc[0]["unique_bytes"]
    )
    empty = report(ecrcost.Snapshot.build({"collected_at": "2026-11-28T00:00:00+00:00"}))
    assert len(empty["top_repositories"]) == 0 and empty["summary"].iloc[0]["images"] == 0
    assert "<html" in empty.html()


# ---- the CLI -------------------------------------------------------------------------------------
@pytest.fixture
def snaps(tmp_path):
    return (
        build(failed=True).write(tmp_path / "snap"),
        baseline().write(tmp_path / "base"),
        build().write(tmp_path / "ok"),
    )


def test_cli_default_out_dir_and_exit_3_on_failed_targets(snaps, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["report", str(snaps[0]), "--baseline", str(snaps[1])])
    assert res.exit_code == 3, res.output
    out = tmp_path / "reports" / "2026-11"
    assert (out / "index.html").exists() and (out / "month_over_month.csv").exists()
    assert "ap-south-1" in res.output and "Wrote" in res.output


def test_cli_refuses_existing_out_then_force(snaps, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    res = CliRunner().invoke(cli, ["report", str(snaps[2]), "--out", str(out)])
    assert res.exit_code == 1 and "already exists; pass --force" in res.output
    assert "Traceback" not in res.output and list(out.iterdir()) == []
    res = CliRunner().invoke(cli, ["report", str(snaps[2]), "--out", str(out), "--force"])
    assert res.exit_code == 0, res.output
    assert (out / "report.md").exists()


def test_cli_bad_baseline_is_one_line_error(snaps, tmp_path):
    res = CliRunner().invoke(
        cli,
        [
            "report",
            str(snaps[2]),
            "--baseline",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert res.exit_code == 1 and "no such snapshot" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_cli_help_has_example():
    res = CliRunner().invoke(cli, ["report", "--help"])
    assert res.exit_code == 0 and "Examples:" in res.output and "ecrcost report snap" in res.output


def test_unknown_egress_is_never_zero(rep):
    egress = rep.section("egress")
    assert "unknown without a traffic profile" in " ".join(egress.paragraphs)
    top = rep["top_repositories"]
    # unknown stays unknown; only a known zero (no GB pulled) is $0
    assert (top.loc[top["egress_gb"] > 0, "egress_usd"].isna()).all()
    assert (top.loc[top["egress_gb"] == 0, "egress_usd"] == 0).all()


def test_report_csv_matches_costs_cli(snaps, tmp_path):
    """The report's by-repository CSV holds exactly what `ecrcost costs --format csv` prints."""
    import io

    res = CliRunner().invoke(cli, ["costs", str(snaps[2]), "--format", "csv"])
    assert res.exit_code == 0, res.output
    cli_rows = pd.read_csv(io.StringIO(res.stdout), dtype=str, keep_default_na=False)
    out = report(snaps[2]).save(tmp_path / "r")
    rep_rows = pd.read_csv(out / "top_repositories.csv", dtype=str, keep_default_na=False)
    key = ["account_id", "region", "repository"]
    pd.testing.assert_frame_equal(
        rep_rows.sort_values(key).reset_index(drop=True),
        cli_rows[rep_rows.columns].sort_values(key).reset_index(drop=True),
    )


def test_month_over_month_total_cost_with_traffic(tmp_path):
    profile = tmp_path / "t.toml"
    profile.write_text("[default]\nsame_region = 0.5\ncross_region = 0.25\ninternet = 0.25\n")
    r = report(build(), baseline=baseline(), traffic=str(profile))
    d = by_repo(r["month_over_month"])
    now, before = costs(build(), traffic=str(profile)), costs(baseline(), traffic=str(profile))
    assert d.loc["app", "delta_total_usd"] == pytest.approx(
        by_repo(now).loc["app", "total_usd"] - by_repo(before).loc["app", "total_usd"]
    )
    assert d.loc["data", "delta_total_usd"] == pytest.approx(by_repo(now).loc["data", "total_usd"])
    growth = " ".join(r.section("growth").paragraphs)
    assert (
        f"Total cost ${before['total_usd'].sum():,.2f} to ${now['total_usd'].sum():,.2f}" in growth
    )
    assert "egress_by_destination" in r.charts
    e = by_repo(r["egress"])
    assert (
        e["same_region_gb"] + e["cross_region_gb"] + e["internet_gb"]
    ).to_numpy() == pytest.approx(e["pulled_gb"].to_numpy())


def test_unreadable_lifecycle_policy_is_not_counted_as_none():
    snap = build()
    web = snap.repositories["repository"] == "web"
    snap.repositories.loc[web, "error"] = "lifecycle_policy: AccessDeniedException: not authorized"
    r = report(snap)
    assert list(r["no_lifecycle_policy"]["repository"]) == ["legacy"]
    assert (
        "1 of 5 repositories have no lifecycle policy (1 more could not be read)."
        in r.section("savings").paragraphs
    )
    assert list(r["repository_errors"]["repository"]) == ["web"]  # and Coverage lists the error
