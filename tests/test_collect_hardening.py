"""Collection faults that used to pass silently: registry settings that cannot be read (a 500, a
reset, throttling that never clears), a manifest that is not JSON, and endpoint URLs that are not
usable or carry credentials."""

from __future__ import annotations

import json

import boto3
import moto_patches
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError
from click.testing import CliRunner
from collect_fixtures import image_manifest, push

import ecrcost
from ecrcost.cli import cli
from ecrcost.collectors import ecr as ecr_module
from ecrcost.errors import InputError

R = "us-east-1"


@pytest.fixture
def ecr(moto_aws, monkeypatch):
    moto_patches.apply(monkeypatch)
    client = boto3.client("ecr", region_name=R)
    client.create_repository(repositoryName="svc")
    push(client, "svc", image_manifest(("c", 1), [("x", 10)]), "v1")
    return client


def _failing(operation, exc):
    session = boto3.Session()

    def fail(model, **kw):
        if model.name == operation:
            raise exc

    session.events.register("before-call.ecr.*", fail)
    return session


@pytest.mark.parametrize(
    "operation, exc, shown",
    [
        (
            "DescribeRegistry",
            ClientError(
                {"Error": {"Code": "ServerException", "Message": "boom"}}, "DescribeRegistry"
            ),
            "ServerException",
        ),
        (
            "DescribeRegistry",
            ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "DescribeRegistry"
            ),
            "ThrottlingException",
        ),
        (
            "GetAccountSetting",
            ConnectionClosedError(endpoint_url="https://api.ecr.us-east-1.amazonaws.com"),
            "ConnectionClosedError",
        ),
        (
            "DescribePullThroughCacheRules",
            ClientError(
                {"Error": {"Code": "ServerException", "Message": "boom"}},
                "DescribePullThroughCacheRules",
            ),
            "ServerException",
        ),
        (
            "GetRegistryPolicy",
            ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetRegistryPolicy"
            ),
            "AccessDeniedException",
        ),
    ],
)
def test_unreadable_registry_setting_makes_the_target_partial(
    ecr, monkeypatch, operation, exc, shown
):
    monkeypatch.setattr("ecrcost.aws.PAGE_RETRIES", 0)  # throttling: no 2-4-8 s waits
    monkeypatch.setattr("ecrcost.aws.call.__defaults__", (0, lambda s: None))
    snap = ecrcost.collect(regions=[R], session=_failing(operation, exc), use_cache=False)
    (target,) = snap.meta["targets"]
    assert target["status"] == "partial"
    assert any(
        shown in e["error"] and e["error"].startswith("registry: ") for e in target["errors"]
    )
    assert len(snap.images) == 1  # the rest completed


def test_an_operation_the_endpoint_lacks_is_unknown_but_not_a_fault(ecr):
    # in-process moto raises NotImplementedError for these two; over HTTP it answers a bare 500
    snap = ecrcost.collect(regions=[R], use_cache=False)
    (reg,) = snap.meta["registries"]
    assert reg["blob_mounting"] == "unknown" and reg["pull_through_cache_rules"] == "unknown"
    assert snap.meta["targets"][0]["status"] == "ok"


def test_unreadable_registry_setting_exits_3_from_the_cli(ecr, tmp_path, monkeypatch):
    exc = ClientError({"Error": {"Code": "ServerException", "Message": "boom"}}, "DescribeRegistry")
    session = _failing("DescribeRegistry", exc)
    monkeypatch.setattr("boto3.Session", lambda *a, **k: session)
    result = CliRunner().invoke(cli, ["collect", "--region", R, "--out", str(tmp_path / "s"), "-q"])
    assert result.exit_code == 3, result.output
    assert "ServerException" in result.output


def test_a_manifest_that_is_not_json_is_unparsable_and_the_target_partial(ecr, monkeypatch):
    real = ecr_module.batch_get_manifests

    def corrupt(client, repository, digests):
        fetched, failed = real(client, repository, digests)
        return {d: (mt, "{not json") for d, (mt, _text) in fetched.items()}, failed

    monkeypatch.setattr(ecr_module, "batch_get_manifests", corrupt)
    snap = ecrcost.collect(regions=[R], use_cache=False)
    (m,) = snap.manifests.to_dict("records")
    assert m["kind"] == "unparsed" and m["error"].startswith("not valid JSON")
    (target,) = snap.meta["targets"]
    assert target["status"] == "partial"
    assert (
        "unparsable" in target["errors"][0]["error"] and target["errors"][0]["repository"] == "svc"
    )


def test_an_artifact_of_another_media_type_is_not_a_fault(ecr):
    text = json.dumps(
        {"schemaVersion": 1, "mediaType": "application/vnd.docker.distribution.manifest.v1+json"}
    )
    push(ecr, "svc", text, "old")
    snap = ecrcost.collect(regions=[R], use_cache=False)
    assert "unparsed" in set(snap.manifests["kind"])
    assert snap.meta["targets"][0]["status"] == "ok"


@pytest.mark.parametrize(
    "url, message",
    [
        ("foo", "expected http(s)://host[:port]"),
        ("ftp://127.0.0.1", "expected http(s)://host[:port]"),
        ("http://", "expected http(s)://host[:port]"),
        ("http://127.0.0.1:notaport", "not a valid URL"),
        ("http://AKIAEXAMPLE:s3cr3t@127.0.0.1:5000", "holds credentials"),
        ("http://token@127.0.0.1:5000", "holds credentials"),
    ],
)
def test_bad_endpoint_urls_are_refused_without_echoing_secrets(aws_env, tmp_path, url, message):
    result = CliRunner().invoke(
        cli, ["collect", "--region", R, "--endpoint-url", url, "--out", str(tmp_path / "s")]
    )
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output and "s3cr3t" not in result.output
    assert not (tmp_path / "s").exists()


def test_aws_endpoint_url_with_credentials_is_refused_too(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://KEY:SECRET@127.0.0.1:5000")
    with pytest.raises(InputError, match="AWS_ENDPOINT_URL: the URL holds credentials") as e:
        ecrcost.collect(regions=[R])
    assert "SECRET" not in str(e.value)
