"""Fault injection (not timed): collection over HTTP through a middleware in front of moto that
throttles 30 % of ECR calls, resets connections and answers 500 mid-pagination.

- transient faults: the snapshot equals the fault-free one, table for table;
- persistent faults: the gap is recorded (target partial, repository error, unknown sizes) and the
  CLI exits 3.

botocore's retry *pacing* (exponential backoff, the adaptive token bucket) is set to zero wait here
so the suite takes seconds; what is tested is that every fault is retried, and that no page is
lost or repeated.
"""

from __future__ import annotations

import boto3
import moto_patches
import pytest
from botocore.config import Config
from click.testing import CliRunner
from collect_fixtures import image_manifest, push
from fault_server import FaultyMoto

import ecrcost
from ecrcost.cli import cli

R = "us-east-1"
REPOS, IMAGES = 12, 7  # 12 repositories over 3 pages, 7 images each over 2 pages (page size 5)


@pytest.fixture
def no_waiting(monkeypatch):
    import botocore.retries.adaptive
    import botocore.retries.standard

    monkeypatch.setattr(
        botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0.0
    )
    monkeypatch.setattr(
        botocore.retries.adaptive.ClientRateLimiter, "on_sending_request", lambda self, **kw: None
    )
    import ecrcost.aws

    retries, _sleep = ecrcost.aws.call.__defaults__
    monkeypatch.setattr(ecrcost.aws.call, "__defaults__", (retries, lambda s: None))
    kw = dict(ecrcost.aws.pages.__kwdefaults__, sleep=lambda s: None)
    monkeypatch.setattr(ecrcost.aws.pages, "__kwdefaults__", kw)


@pytest.fixture
def moto_http(aws_env, monkeypatch, no_waiting):
    moto_patches.apply(monkeypatch)
    server = FaultyMoto(seed=13)
    url = server.start()
    import requests

    requests.post(
        f"{url}/moto-api/reset", timeout=10
    )  # moto's state is per process, not per server
    ecr = boto3.client(
        "ecr", region_name=R, endpoint_url=url, config=Config(retries={"max_attempts": 1})
    )
    for r in range(REPOS):
        name = f"team-{r % 3}/svc-{r}"
        ecr.create_repository(repositoryName=name)
        for i in range(IMAGES):
            layers = [("base", 1000), (f"dep-{r % 4}", 300), (f"app-{r}-{i}", 10 + i)]
            push(ecr, name, image_manifest((f"cfg-{r}-{i}", 5), layers), f"v{i}" if i % 2 else None)
    yield server
    server.stop()


def _collect(url):
    return ecrcost.collect(regions=[R], endpoint_url=url, workers=4, use_cache=False)


def test_transient_faults_leave_the_snapshot_identical(moto_http):
    faults = moto_http.faults
    clean = _collect(moto_http.url)
    assert len(clean.repositories) == REPOS and len(clean.images) == REPOS * IMAGES
    assert clean.meta["targets"][0]["status"] == "ok"

    faults.enabled = True
    faulty = _collect(moto_http.url)
    injected = faults.counts["throttle"] + faults.counts["reset"] + faults.counts["500"]
    attempts = injected + faults.counts["ok"]
    # the run met every kind of fault, about 30 % of the calls throttled
    assert faults.counts["throttle"] >= 10 and faults.counts["500"] >= 5
    assert faults.counts["reset"] >= 1
    assert 0.2 < faults.counts["throttle"] / attempts < 0.45
    assert faulty.meta["targets"] == clean.meta["targets"]  # still ok, no error recorded
    for name, df in clean.tables().items():
        assert df.equals(getattr(faulty, name)), name
    assert faulty.meta["registries"] == clean.meta["registries"]
    # calls, not botocore's attempts (a page retried by ecrcost itself is a second call)
    calls, again = clean.meta["api_calls"], faulty.meta["api_calls"]
    assert set(calls) == set(again) and all(again[k] >= n for k, n in calls.items())
    print(
        f"FAULTS injected={injected} {dict(faults.counts)} tables identical={len(clean.tables())}"
    )


def test_persistent_faults_are_recorded_and_exit_3(moto_http, tmp_path):
    faults = moto_http.faults
    faults.enabled = True
    faults.always_fail("DescribeImages", "team-1/svc-4")
    faults.always_fail("DescribeRegistry")
    out = tmp_path / "snap"
    result = CliRunner().invoke(
        cli,
        [
            "collect",
            "--region",
            R,
            "--endpoint-url",
            moto_http.url,
            "--no-cache",
            "-q",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 3, result.output
    assert "team-1/svc-4" in result.output and "ServerException" in result.output
    snap = ecrcost.load_snapshot(out)  # the snapshot is written, and says what is missing
    (target,) = snap.meta["targets"]
    assert target["status"] == "partial"
    gaps = {(e["repository"], e["error"].split(":")[0]) for e in target["errors"]}
    assert ("team-1/svc-4", "images") in gaps and (None, "registry") in gaps
    repos = snap.repositories.set_index("repository")
    assert repos.loc["team-1/svc-4", "images_complete"] == False  # noqa: E712
    assert (snap.images["repository"] != "team-1/svc-4").all()
    assert len(snap.images) == (REPOS - 1) * IMAGES  # everything else was collected
    assert snap.meta["registries"][0]["replication_rules"] == "unknown"
    sizes = ecrcost.repository_storage(snap).set_index("repository")["unique_bytes"]
    assert sizes.isna().sum() == 1  # unknown, not 0
