"""Bad inputs, tried all at once: how many end in a traceback, how many are accepted (exit 0 or an
unsafe output) although they are invalid. Not a test: run by hand to measure (issue 13).

    python bench/bad_inputs.py            # the installed / checked-out ecrcost
    PYTHONPATH=/path/to/old/checkout python bench/bad_inputs.py   # an older version, to compare

Each case runs one CLI command in-process (click's CliRunner, AWS in moto where a call is made):
- "traceback": the command raised something other than a clean exit (a Python traceback);
- "accepted": an invalid input exited 0, or the output carries the hostile text unescaped (an
  escape sequence on the terminal, a Markdown image in report.md, credentials in meta.json).
Prints one line per case that is not handled, then the totals.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ecrcost.cli import cli
from ecrcost.snapshot import load_snapshot
from ecrcost.synthetic import synthetic_snapshot

ROOT = Path(tempfile.mkdtemp(prefix="ecrcost-bad-"))
GOOD_CATALOG_HEADER = (
    "provider,service,region,dimension,storage_class,tier_start_gb,tier_end_gb,unit,usd,value,"
    "source_url,source_date,read_date,confidence,notes"
)
GOOD_ROW = (
    "aws,AmazonECR,us-east-1,storage,STANDARD,0,,GB-Mo,0.10,,https://x,2026-03,2026-11-28,high,"
)


def fresh_snapshot(name: str, damage: Callable[[Path], None] | None = None) -> Path:
    path = ROOT / name
    synthetic_snapshot(images=40, repositories=3, seed=1).write(path)
    if damage:
        damage(path)
    return path


def edit_meta(**changes: Any) -> Callable[[Path], None]:
    def run(p: Path) -> None:
        meta = json.loads((p / "meta.json").read_text())
        meta.update(changes)
        (p / "meta.json").write_text(json.dumps(meta))

    return run


def edit_table(table: str, fn: Callable[[Any], Any]) -> Callable[[Path], None]:
    """Damage one table and write the snapshot again in the current format (whatever its files)."""

    def run(p: Path) -> None:
        from ecrcost.snapshot import Snapshot

        snap = load_snapshot(p)
        tables = {name: df.copy() for name, df in snap.tables().items()}
        tables[table] = fn(tables[table]).reset_index(drop=True)
        Snapshot(meta=dict(snap.meta), **tables).write(p, force=True)

    return run


def corrupt_first_file(table: str) -> Callable[[Path], None]:
    def run(p: Path) -> None:
        files = sorted(p.glob(f"{table}.parquet")) + sorted(p.glob(f"{table}/**/*.parquet"))
        files[0].write_bytes(b"PAR1garbage")

    return run


def remove_table(table: str) -> Callable[[Path], None]:
    def run(p: Path) -> None:
        import shutil

        for f in [*p.glob(f"{table}.parquet"), *p.glob(table)]:
            shutil.rmtree(f) if f.is_dir() else f.unlink()

    return run


def write(name: str, content: str | bytes) -> Path:
    p = ROOT / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    return p


Case = tuple[str, list[str], Callable[[Any], bool] | None]  # name, args, "is the output unsafe?"


def cases(url: str) -> list[Case]:
    import pandas as pd

    out: list[Case] = []
    snap_damage = {
        "meta targets a string": edit_meta(targets="us-east-1"),
        "meta registries a string": edit_meta(registries="none"),
        "meta targets list of strings": edit_meta(targets=["x"]),
        "meta target status bad": edit_meta(
            targets=[{"account_id": "1", "region": "us-east-1", "status": "fine"}]
        ),
        "meta collected_at a number": edit_meta(collected_at=1764300000),
        "meta collected_at yesterday": edit_meta(collected_at="yesterday"),
        "meta collected_at no time zone": edit_meta(collected_at="2026-11-28T06:00:00"),
        "meta pull_days a string": edit_meta(pull_days="30"),
        "meta pull_days negative": edit_meta(pull_days=-3),
        "meta settings a string": edit_meta(settings="x"),
        "negative image sizes": edit_table(
            "images", lambda d: d.assign(size_bytes=-d["size_bytes"])
        ),
        "negative blob sizes": edit_table("blobs", lambda d: d.assign(size_bytes=-1)),
        "negative pulls": edit_table("pulls", lambda d: d.assign(pulls=-5.0)),
        "infinite pulls": edit_table("pulls", lambda d: d.assign(pulls=float("inf"))),
        "duplicated image rows": edit_table("images", lambda d: pd.concat([d, d])),
        "duplicated repository rows": edit_table("repositories", lambda d: pd.concat([d, d])),
        "meta.json not JSON": lambda p: (p / "meta.json").write_text("{not json"),
        "meta.json an array": lambda p: (p / "meta.json").write_text("[]"),
        "missing table": remove_table("blobs"),
        "corrupt table": corrupt_first_file("images"),
    }
    for i, (what, damage) in enumerate(snap_damage.items()):
        snap = fresh_snapshot(f"s{i}", damage)
        out.append((f"costs: {what}", ["costs", str(snap)], None))
        out.append((f"compare: {what}", ["compare", str(snap)], None))
        out.append((f"report: {what}", ["report", str(snap), "--out", str(ROOT / f"r{i}")], None))
    good = fresh_snapshot("good")
    for what, path in {
        "no such snapshot": ROOT / "missing",
        "a file, not a snapshot": write("file.txt", "x"),
        "an empty directory": (ROOT / "empty").mkdir() or ROOT / "empty",
    }.items():
        out.append((f"costs: {what}", ["costs", str(path)], None))
    catalogs = {
        "usd inf": GOOD_ROW.replace("0.10", "inf"),
        "usd nan": GOOD_ROW.replace("0.10", "nan"),
        "usd negative": GOOD_ROW.replace("0.10", "-1"),
        "usd text": GOOD_ROW.replace("0.10", "ten"),
        "tier end before start": GOOD_ROW.replace(",0,,GB-Mo", ",5,2,GB-Mo"),
        "confidence bad": GOOD_ROW.replace(",high,", ",sure,"),
        "read_date bad": GOOD_ROW.replace("2026-11-28", "28/11/2026"),
    }
    for i, (what, row) in enumerate(catalogs.items()):
        cat = write(f"cat{i}.csv", GOOD_CATALOG_HEADER + "\n" + row + "\n")
        out.append(
            (
                f"prices show: {what}",
                ["prices", "show", "--prices", str(cat), "--format", "json"],
                None,
            )
        )
        out.append((f"costs --prices: {what}", ["costs", str(good), "--prices", str(cat)], None))
    for what, content in {
        "empty catalog": b"",
        "binary catalog": bytes(range(256)),
        "header only": GOOD_CATALOG_HEADER.encode(),
        "missing columns": b"provider,usd\naws,1\n",
    }.items():
        cat = write(f"{what}.csv".replace(" ", "-"), content)
        out.append((f"prices show: {what}", ["prices", "show", "--prices", str(cat)], None))
    # a byte-order mark is valid: refusing it is the defect (the case passes only if accepted)
    bom = write(
        "bom.csv", b"\xef\xbb\xbf" + (GOOD_CATALOG_HEADER + "\n" + GOOD_ROW + "\n").encode()
    )
    out.append(
        ("prices show: UTF-8 BOM (valid)", ["prices", "show", "--prices", str(bom)], "valid")
    )
    traffic = {
        "nested 100,000 deep": "x = " + "[" * 100_000 + "]" * 100_000,
        "nested tables 100,000 deep": "x = " + "{a = " * 100_000 + "1" + "}" * 100_000,
        "not TOML": "[default\nsame_region = ",
        "no default": "[other]\na = 1\n",
        "shares do not sum to 1": "[default]\nsame_region = 0.5\ncross_region = 0.1\ninternet = 0.1\n",
        "share negative": "[default]\nsame_region = 1.5\ncross_region = -0.5\ninternet = 0\n",
        "unknown key": "[default]\nsame_region = 1\ncross_region = 0\ninternet = 0\nfoo = 1\n",
        "bad glob": "[default]\nsame_region = 1\ncross_region = 0\ninternet = 0\n[[rule]]\nrepositories = '[a'\nsame_region = 1\ncross_region = 0\ninternet = 0\n",
        "share a string": "[default]\nsame_region = 'all'\ncross_region = 0\ninternet = 0\n",
        "rule not a table": "rule = 3\n[default]\nsame_region = 1\ncross_region = 0\ninternet = 0\n",
        "binary": bytes(range(256)),
    }
    for i, (what, content) in enumerate(traffic.items()):
        t = write(f"t{i}.toml", content)
        out.append((f"costs --traffic: {what}", ["costs", str(good), "--traffic", str(t)], None))
    for month in ("0000-01", "9999-12", "1677-12", "2262-04", "2026-13", "26-01", "abc"):
        out.append((f"costs --month {month}", ["costs", str(good), "--month", month], None))
    host = url.removeprefix("http://")
    for what, endpoint in {
        "not a URL": "foo",
        "ftp scheme": f"ftp://{host}",
        "bad port": "http://127.0.0.1:port",
        "credentials in the URL": f"http://AKIAEXAMPLEKEY:s3cr3tSECRET@{host}",
        "empty host": "http://",
    }.items():
        dest = ROOT / f"c-{what}".replace(" ", "-")
        out.append(
            (
                f"collect --endpoint-url: {what}",
                [
                    "collect",
                    "--region",
                    "us-east-1",
                    "--endpoint-url",
                    endpoint,
                    "-q",
                    "--out",
                    str(dest),
                ],
                lambda r, d=dest: d.exists() and "s3cr3tSECRET" in (d / "meta.json").read_text(),
            )
        )
    # a wrong region: nothing there, yet exit 0 and an empty report is the defect
    empty = ROOT / "c-wrong-region"
    out.append(
        (
            "collect: a region with no repository (wrong --region)",
            ["collect", "--region", "eu-west-2", "--endpoint-url", url, "-q", "--out", str(empty)],
            None,
        )
    )
    blocker = write("blocker", "a file")
    for what, dest in {
        "under a file": blocker / "report",
        "in /proc": Path("/proc/ecrcost-report"),
    }.items():
        out.append((f"report --out {what}", ["report", str(good), "--out", str(dest)], None))
    for args in (
        ["costs", str(good), "--by", "team"],
        ["costs"],
        ["nosuchcommand"],
        ["compare", str(good), "--users", "0"],
    ):
        out.append((f"usage error: {' '.join(args[:1] + args[2:])}", args, "usage"))
    # hostile names reaching the terminal and Markdown
    hostile = ROOT / "hostile"
    snap = synthetic_snapshot(images=40, repositories=3, seed=1)
    repos = snap.repositories.copy()
    imgs = snap.images.copy()
    old = repos.loc[0, "repository"]
    evil = "evil\x1b]0;owned\x07\x1b[2J/app"
    repos.loc[0, "repository"] = evil
    imgs.loc[imgs["repository"] == old, "repository"] = evil
    imgs.at[imgs.index[0], "tags"] = [
        "![px](http://tracker.example/p.png)",
        "[x](javascript:alert(1))",
    ]
    snap.repositories, snap.images = repos, imgs
    snap.pulls = snap.pulls.assign(
        repository=snap.pulls["repository"].where(snap.pulls["repository"] != old, evil)
    )
    snap.write(hostile)
    out.append(
        (
            "terminal: ESC/OSC in a repository name",
            ["costs", str(hostile)],
            lambda r: "\x1b" in r.output,
        )
    )
    rep = ROOT / "hostile-report"
    out.append(
        (
            "report.md: Markdown image/link in a tag",
            ["report", str(hostile), "--out", str(rep)],
            lambda r: (
                rep.exists()
                and any(
                    s in (rep / "report.md").read_text()
                    for s in ("![px](http", "](javascript:", "\x1b")
                )
            ),
        )
    )
    return out


def run_case(runner: CliRunner, name: str, args: list[str], check: Any) -> str:
    result = runner.invoke(cli, args, catch_exceptions=True)
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        return "traceback"
    if check == "valid":
        return "ok" if result.exit_code == 0 else "refused-valid"
    if check == "usage":
        return "ok" if result.exit_code == 2 else "accepted"
    if callable(check) and check(result):
        return "accepted"
    if check is None and result.exit_code == 0:
        return "accepted"
    return "ok"


def main() -> int:
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        ECRCOST_CACHE_DIR=str(ROOT / "cache"),
    )
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client("ecr", endpoint_url=url).create_repository(repositoryName="app")
    runner = CliRunner()
    tally: dict[str, int] = {}
    all_cases = cases(url)
    for name, args, check in all_cases:
        verdict = run_case(runner, name, args, check)
        tally[verdict] = tally.get(verdict, 0) + 1
        if verdict != "ok":
            print(f"{verdict:14} {name}")
    print(
        f"bad inputs tried: {len(all_cases)}; tracebacks: {tally.get('traceback', 0)}; "
        f"accepted (exit 0 or unsafe output): {tally.get('accepted', 0)}; valid refused: "
        f"{tally.get('refused-valid', 0)}; handled: {tally.get('ok', 0)}"
    )
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
