"""The README's cron and GitHub Actions recipes, run end to end against the demo's emulator
(moto's server on 127.0.0.1, seeded with the synthetic organization) over three simulated months.

Each month the emulator is reset and seeded with the organization as of 06:00 UTC on the 1st,
and the recipe's own shell text runs through bash, unchanged except for three substitutions a
test cannot avoid: the working directory (`cd /srv/ecrcost`), the targeting options of `collect`
(the emulator's endpoint, the organization's role ARNs and regions instead of `--org-role ...
--all-regions`), and the clock: `date` on PATH prints the simulated day, and `ecrcost` on PATH is
the real CLI with the collector's clock set to it (tests/recipe_clock.py). The cache step of the
Actions job is the snapshots directory kept between the months.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ecrcost.demo import emulator, isolated_emulator, real_ecr_behaviour, seed_emulator
from ecrcost.synthetic import synthetic_organization

pytestmark = pytest.mark.slow

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
MONTHS = ["2026-10-01T06:00:00+00:00", "2026-11-01T06:00:00+00:00", "2026-12-01T06:00:00+00:00"]
REPORTED = ["2026-09", "2026-10", "2026-11"]
TARGETING = "--org-role ecrcost-reader --all-regions"


def cron_line() -> str:
    block = re.search(r"```cron\n(.*?)```", README, flags=re.S).group(1)
    line = next(x for x in block.splitlines() if x and not x.startswith("#"))
    command = line.split(None, 5)[5]  # after the five time fields
    return command.replace("\\%", "%")  # cron's escaping of %


def actions_steps() -> list[str]:
    block = re.search(r"```yaml\n(.*?)```", README, flags=re.S).group(1)
    steps = yaml.safe_load(block)["jobs"]["ecr-costs"]["steps"]
    return [s["run"] for s in steps if "run" in s and "ecrcost" in s["run"]]


@pytest.fixture
def world(tmp_path):
    """(bin dir with the `date` and `ecrcost` shims, environment for the recipe)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    date = bin_dir / "date"
    date.write_text(f'#!/bin/sh\nexec {shutil_which("date")} -d "$ECRCOST_TEST_NOW" "$@"\n')
    shim = bin_dir / "ecrcost"
    clock = Path(__file__).with_name("recipe_clock.py")
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} {clock} "$@"\n')
    for f in (date, shim):
        f.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "ecrcost-test",
        "AWS_SECRET_ACCESS_KEY": "ecrcost-test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "ECRCOST_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    return env


def shutil_which(name: str) -> str:
    import shutil

    path = shutil.which(name)
    assert path, name
    return path


def run_month(command: str, when: str, workdir: Path, env: dict, url: str, org) -> None:
    targets = " ".join(
        [f"--endpoint-url {url}"]
        + [f"--role-arn {shlex.quote(a)}" for a in org.role_arns()]
        + [f"--region {r}" for r in org.regions]
        + ["--workers 4", "-q"]
    )
    if "ecrcost collect" in command:
        assert TARGETING in command, command  # the recipe's own targeting, replaced below
    script = command.replace("cd /srv/ecrcost", f"cd {shlex.quote(str(workdir))}")
    script = script.replace(TARGETING, targets)
    proc = subprocess.run(
        ["bash", "-c", script],
        env={**env, "ECRCOST_TEST_NOW": when},
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (script, proc.stdout, proc.stderr)


def seeded_months(size="small"):
    with isolated_emulator(), emulator() as url, real_ecr_behaviour():
        from moto.moto_api._internal.models import moto_api_backend

        for when in MONTHS:
            moto_api_backend.reset()
            org = synthetic_organization(size, seed=0, now=pd.Timestamp(when).to_pydatetime())
            seed_emulator(org)
            yield when, url, org


def checkout(workdir: Path) -> Path:
    """The recipe's working directory with its traffic.toml."""
    workdir.mkdir()
    (workdir / "traffic.toml").write_text(
        "[default]\nsame_region = 0.9\ncross_region = 0.05\ninternet = 0.05\n"
    )
    return workdir


def check_reports(reports: Path) -> None:
    assert sorted(p.name for p in reports.iterdir()) == REPORTED
    first = (reports / REPORTED[0] / "report.md").read_text()
    assert first.startswith(f"# ECR cost report {REPORTED[0]}")
    assert "no baseline" in first and "No trend yet" in first
    last = (reports / REPORTED[-1] / "report.md").read_text()
    assert "vs last month" in last and "3 months (2026-09 to 2026-11)" in last
    assert "Forecast for 2027-02" in last
    hist = pd.read_csv(reports / REPORTED[-1] / "history.csv")
    assert list(hist["month"]) == REPORTED
    assert (reports / REPORTED[-1] / "chargeback.csv").is_file()


def test_cron_recipe_over_three_months(tmp_path, world):
    workdir = checkout(tmp_path / "srv")
    command = cron_line()
    for when, url, org in seeded_months():
        run_month(command, when, workdir, world, url, org)
    assert len(list((workdir / "snapshots").iterdir())) == 3
    check_reports(workdir / "reports")


def test_github_actions_recipe_over_three_months(tmp_path, world):
    workdir = checkout(tmp_path / "repo")
    steps = actions_steps()
    assert len(steps) == 2 and all("ecrcost" in s for s in steps)
    reports = tmp_path / "artifacts"
    reports.mkdir()
    for i, (when, url, org) in enumerate(seeded_months()):
        for step in steps:  # each `run:` step is its own shell, in the checkout
            run_month(step, when, workdir, world, url, org)
        # upload-artifact: keep this month's report; the next run starts without it
        (workdir / "report").rename(reports / REPORTED[i])
    check_reports(reports)
