"""kill -9 of `ecrcost collect` and `ecrcost report` at seeded random points: the output path is
either absent or complete (a reader accepts only a whole snapshot / report), a staging directory
left behind is never mistaken for output, and the next run succeeds.

The subprocesses collect over HTTP from moto running in this process (127.0.0.1), slowed by 30 ms
per ECR answer so the kills land in the middle of the work. Not a timed test: the kill times only
spread the kills over the run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import boto3
import moto_patches
import pytest
from botocore.config import Config
from collect_fixtures import image_manifest, push
from fault_server import FaultyMoto

import ecrcost
from ecrcost.errors import SnapshotError

R = "us-east-1"
KILLS = 3


@pytest.fixture(scope="module")
def server():
    mp = pytest.MonkeyPatch()
    moto_patches.apply(mp)
    srv = FaultyMoto(seed=0)
    url = srv.start()
    import requests

    requests.post(f"{url}/moto-api/reset", timeout=10)
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    ecr = boto3.client(
        "ecr",
        region_name=R,
        endpoint_url=url,
        config=Config(retries={"max_attempts": 1}),
        **{
            "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        },
    )
    for r in range(8):
        ecr.create_repository(repositoryName=f"svc-{r}")
        for i in range(6):
            push(
                ecr,
                f"svc-{r}",
                image_manifest((f"c{r}{i}", 5), [("base", 100), (f"l{r}{i}", 10)]),
                f"v{i}",
            )
    srv.faults.page_size = 2  # many small pages: more calls to be killed in the middle of
    srv.faults.delay = 0.03
    yield srv
    srv.stop()
    mp.undo()


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECRCOST_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=R,
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        ECRCOST_CACHE_DIR=str(tmp_path / "cache"),
    )
    return env


def _kill_at(cmd, env, cwd, delay):
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(delay)
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    return p.returncode


def _staging(parent, name):
    return [p for p in parent.iterdir() if p.name.startswith(f".{name}.")]


@pytest.mark.slow
def test_kill_9_collect_never_leaves_a_snapshot_a_reader_accepts(server, tmp_path):
    env = _env(tmp_path)
    out = tmp_path / "snap"
    cmd = [
        sys.executable,
        "-m",
        "ecrcost",
        "collect",
        "--region",
        R,
        "--endpoint-url",
        server.url,
        "--workers",
        "2",
        "--no-cache",
        "-q",
        "--force",
        "--out",
        str(out),
    ]
    reference = ecrcost.collect(
        regions=[R],
        endpoint_url=server.url,
        use_cache=False,
        workers=2,
        session=boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing"),
    )
    rng = random.Random(13)
    killed = accepted_corrupt = 0
    for _ in range(KILLS):  # each kill lands on whatever the previous one left behind
        code = _kill_at(cmd, env, tmp_path, rng.uniform(0.5, 5.0))
        killed += code == -signal.SIGKILL
        if out.exists():  # the rename happened: the snapshot must be whole
            snap = ecrcost.load_snapshot(out)
            accepted_corrupt += any(
                not df.equals(getattr(snap, name)) for name, df in reference.tables().items()
            )
        for stage in _staging(tmp_path, out.name):  # never read as output: incomplete or whole
            try:
                staged = ecrcost.load_snapshot(stage)
            except SnapshotError:
                continue
            accepted_corrupt += len(staged.images) != len(reference.images)
    again = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr  # the next run succeeds
    assert len(ecrcost.load_snapshot(out).images) == 48
    assert _staging(tmp_path, out.name) == []  # and sweeps what the killed runs left
    assert accepted_corrupt == 0
    assert killed >= 1, "the kills should land before the run ends"
    print(f"KILLS collect: {killed} of {KILLS} killed mid-run, corrupt accepted {accepted_corrupt}")


@pytest.mark.slow
def test_kill_9_report_never_leaves_a_half_written_report(server, tmp_path):
    env = _env(tmp_path)
    snap_dir = ecrcost.collect(
        regions=[R],
        endpoint_url=server.url,
        use_cache=False,
        session=boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing"),
    ).write(tmp_path / "snap")
    out = tmp_path / "report"
    cmd = [sys.executable, "-m", "ecrcost", "report", str(snap_dir), "--out", str(out), "--force"]
    rng = random.Random(14)
    killed = half = 0
    for _ in range(KILLS):
        code = _kill_at(cmd, env, tmp_path, rng.uniform(0.5, 4.0))
        killed += code == -signal.SIGKILL
        if out.exists():  # renamed into place: whole
            page = (out / "index.html").read_text(encoding="utf-8")
            half += not (page.rstrip().endswith("</html>") and (out / "report.md").is_file())
    again = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr  # the next run succeeds
    assert (out / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert _staging(tmp_path, out.name) == []  # and sweeps what the killed runs left
    assert half == 0
    assert killed >= 1
    print(f"KILLS report: {killed} of {KILLS} killed mid-run, half-written accepted {half}")
