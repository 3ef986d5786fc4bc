"""`ecrcost sql` / `ecrcost.sql`: the README's queries, read-only enforcement, one-line errors."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import ecrcost
from ecrcost.cli import cli
from ecrcost.errors import QueryError
from ecrcost.query import connect, sql
from ecrcost.snapshot import load_snapshot
from ecrcost.storage import image_blob_edges, repository_storage
from ecrcost.synthetic import synthetic_snapshot

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
SECTION = README.split("<!-- section: sql -->")[1].split("<!-- /section: sql -->")[0]
QUERIES = re.findall(r"^```sql\n(.*?)^```", SECTION, flags=re.S | re.M)


@pytest.fixture(scope="module")
def snap_dir(tmp_path_factory):
    snap = synthetic_snapshot(images=3000, repositories=30, seed=3)
    return snap.write(tmp_path_factory.mktemp("sql") / "snap")


@pytest.fixture(scope="module")
def snap(snap_dir):
    return load_snapshot(snap_dir)


@pytest.fixture(scope="module")
def con(snap):
    return connect(snap)


def query(title: str) -> str:
    [q] = [q for q in QUERIES if q.startswith(f"-- {title}")]
    return q


def test_the_readme_has_five_example_queries():
    assert len(QUERIES) == 5


def test_largest_repositories(snap, con):
    got = sql(snap, query("largest repositories"), con)
    want = repository_storage(snap).nlargest(10, "unique_bytes")
    assert list(got["repository"]) == list(want["repository"])
    assert got["unique_gb"].tolist() == pytest.approx(
        (want["unique_bytes"] / 2**30).round(2).tolist()
    )


def test_layers_shared_across_repositories(snap, con):
    got = sql(snap, query("layers shared across repositories"), con)
    edges = image_blob_edges(snap)
    imgs = snap.images.reset_index(drop=True)
    e = edges.assign(
        repo=(imgs["account_id"] + "/" + imgs["region"] + "/" + imgs["repository"]).to_numpy()[
            edges["image"]
        ]
    )
    repos = e.drop_duplicates(["repo", "blob"]).groupby("blob").size()
    assert len(got) == 10 and (got["repositories"] > 1).all()
    digests = snap.arrow({"digests": ["digest"]})["digests"].column("digest").to_pylist()
    by_digest = {digests[b]: n for b, n in repos.items()}
    for d, n in zip(got["blob_digest"], got["repositories"], strict=True):
        assert by_digest[d] == n


def test_images_never_pulled(snap, con):
    got = sql(snap, query("images never pulled"), con)
    never = snap.images[snap.images["last_pull_at"].isna()]
    assert len(got) == min(20, len(never)) > 0
    assert got["size_bytes"].max() == never["size_bytes"].max()
    assert got["last_pull_at"].isna().all() if "last_pull_at" in got else True


def test_cost_by_tag(snap, con):
    got = sql(snap, query("cost by tag"), con)
    costs = ecrcost.costs(snap)
    assert got["storage_usd"].sum() == pytest.approx(
        costs["storage_usd"].sum(), abs=0.01 * len(got)
    )
    assert got["repositories"].sum() == len(costs)
    assert set(got["team"]) <= {
        *snap.repositories["tags"].str.extract(r'"team": "([^"]+)"')[0],
        "(no team tag)",
    }


def test_growth_by_push_month(snap, con):
    got = sql(snap, query("growth by push month"), con)
    months = snap.images["pushed_at"].dt.strftime("%Y-%m")
    want = snap.images.groupby(months)["size_bytes"].agg(["size", "sum"])
    assert list(got["push_month"]) == list(want.index)
    assert list(got["images"]) == list(want["size"])
    assert got["pushed_gb"].tolist() == pytest.approx((want["sum"] / 2**30).round(2).tolist())


def test_tables_match_the_snapshot(snap, con):
    imgs = sql(snap, "SELECT * FROM images", con)
    pd.testing.assert_series_equal(imgs["digest"].astype("string"), snap.images["digest"])
    blobs = sql(snap, "SELECT manifest_digest, blob_digest FROM blobs", con)
    assert blobs.astype(object).equals(
        snap.blobs[["manifest_digest", "blob_digest"]].astype(object)
    )


def test_in_memory_snapshots_work_too():
    s = synthetic_snapshot(images=200, repositories=5, seed=1)
    got = ecrcost.sql(s, "SELECT count(*) AS n FROM images")
    assert got.loc[0, "n"] == 200


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(str(f).encode() + f.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize(
    "bad, message",
    [
        ("SELEC 1", "syntax error"),
        ("SELECT nope FROM images", "not found"),
        ("SELECT 1; SELECT 2", "one SELECT statement"),
        ("DROP TABLE images", "only SELECT"),
        ("INSERT INTO images SELECT * FROM images", "only SELECT"),
        ("CREATE TABLE x AS SELECT 1", "only SELECT"),
        ("COPY images TO '{dir}/out.csv'", "only SELECT"),
        ("ATTACH '{dir}/x.duckdb'", "only SELECT"),
        ("SET enable_external_access = true", "only SELECT"),
        ("SELECT * FROM read_csv('/etc/passwd')", "disabled"),
        ("SELECT * FROM read_parquet('{dir}/blobs.parquet')", "disabled"),
        ("SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')", "disabled"),
        ("SELECT * FROM glob('{dir}/*')", "disabled"),
    ],
)
def test_bad_or_writing_queries_are_refused_and_nothing_changes(snap, con, snap_dir, bad, message):
    before = _digest(snap_dir)
    with pytest.raises(QueryError, match=message) as e:
        sql(snap, bad.format(dir=snap_dir), con)
    assert "\n" not in str(e.value)
    assert _digest(snap_dir) == before
    assert not (snap_dir / "out.csv").exists() and not (snap_dir / "x.duckdb").exists()
    assert sql(snap, "SELECT count(*) AS n FROM images", con).loc[0, "n"] == len(snap.images)


def test_cli_prints_the_result_and_one_line_errors(snap_dir):
    r = CliRunner().invoke(
        cli, ["sql", str(snap_dir), "SELECT count(*) AS n FROM repositories", "--format", "csv"]
    )
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == ["n", "30"]
    r = CliRunner().invoke(cli, ["sql", str(snap_dir), "SELEC 1"])
    assert r.exit_code == 1
    assert r.output.startswith("Error: Parser Error") and r.output.count("\n") == 1
    assert "Traceback" not in r.output


def test_cli_takes_a_query_that_starts_with_a_comment_after_double_dash(snap_dir):
    q = query("images never pulled")
    r = CliRunner().invoke(cli, ["sql", str(snap_dir), "--format", "json", "--", q])
    assert r.exit_code == 0, r.output
    assert r.output.lstrip().startswith("[")
