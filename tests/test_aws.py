"""The AWS seam: read-only guard, client config, call counter, assumed roles, credentials."""

import json
import re
from pathlib import Path

import boto3
import pytest

from ecrcost.aws import BILL_ACTIONS, COLLECT_ACTIONS, Aws, is_read_operation
from ecrcost.errors import AwsError, ReadOnlyViolation


@pytest.mark.parametrize(
    ("operation", "read"),
    [
        ("DescribeImages", True),
        ("ListTagsForResource", True),
        ("GetMetricData", True),
        ("BatchGetImage", True),
        ("BatchGetRepositoryScanningConfiguration", True),
        ("AssumeRole", True),
        ("GetCallerIdentity", True),
        ("PutImage", False),
        ("DeleteRepository", False),
        ("BatchDeleteImage", False),
        ("CreateRepository", False),
        ("PutMetricData", False),
        ("SetRepositoryPolicy", False),
        ("TagResource", False),
        ("StartImageScan", False),
        ("UpdateImageStorageClass", False),
        ("AssumeRoleWithWebIdentity", False),
    ],
)
def test_read_operation_allowlist(operation, read):
    assert is_read_operation(operation) is read


@pytest.mark.parametrize(
    ("service", "method", "params"),
    [
        ("ecr", "create_repository", {"repositoryName": "app"}),
        ("ecr", "delete_repository", {"repositoryName": "app", "force": True}),
        ("ecr", "batch_delete_image", {"repositoryName": "app", "imageIds": [{"imageTag": "v1"}]}),
        (
            "cloudwatch",
            "put_metric_data",
            {"Namespace": "x", "MetricData": [{"MetricName": "m", "Value": 1}]},
        ),
    ],
)
def test_mutating_call_is_refused_before_any_request(aws_env, service, method, params):
    session = boto3.Session()
    sent = []
    session.events.register("before-send", lambda request, **kw: sent.append(request.url))
    client = Aws(session=session).client(service, "us-east-1")
    with pytest.raises(ReadOnlyViolation, match="ecrcost only reads"):
        getattr(client, method)(**params)
    assert sent == []


def test_read_calls_go_through_and_are_counted(moto_aws):
    aws = Aws()
    ecr = aws.client("ecr", "us-east-1")
    ecr.describe_repositories()
    ecr.describe_repositories()
    aws.client("sts", "us-east-1").get_caller_identity()
    assert aws.operations() == {"ecr:DescribeRepositories": 2, "sts:GetCallerIdentity": 1}
    assert aws.client("ecr", "us-east-1") is ecr  # clients are cached and shared


def test_client_config_retries_and_pool(aws_env):
    aws = Aws(workers=32)
    cfg = aws.client("ecr", "eu-west-1").meta.config
    assert cfg.retries["mode"] == "adaptive" and cfg.retries["total_max_attempts"] >= 3
    assert cfg.max_pool_connections >= 32
    assert Aws(workers=1).config.max_pool_connections >= 10
    probe = aws.client("ecr", "eu-west-1", attempts=2)
    assert probe is not aws.client("ecr", "eu-west-1")
    assert probe.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 2}
    assert probe.meta.config.max_pool_connections >= 32


def test_endpoint_url_override_applies_to_every_service(aws_env):
    aws = Aws(endpoint_url="http://127.0.0.1:9")
    for service in ("ecr", "sts", "cloudwatch", "organizations"):
        assert aws.client(service, "us-east-1").meta.endpoint_url == "http://127.0.0.1:9"


def test_aws_endpoint_url_environment_is_honoured(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7")
    assert Aws().client("ecr", "us-east-1").meta.endpoint_url == "http://127.0.0.1:7"


def test_role_clients_use_the_roles_account_and_keep_the_guard_and_hooks(moto_aws):
    session = boto3.Session()
    seen = []
    session.events.register("before-call.ecr.*", lambda model, **kw: seen.append(model.name))
    aws = Aws(session=session)
    role = "arn:aws:iam::111111111111:role/reader"
    ecr = aws.client("ecr", "us-east-1", role_arn=role)
    assert ecr.describe_registry()["registryId"] == "111111111111"
    assert aws.client("ecr", "us-east-1").describe_registry()["registryId"] == "123456789012"
    assert seen == ["DescribeRegistry", "DescribeRegistry"]
    assert aws.operations()["sts:AssumeRole"] == 1
    with pytest.raises(ReadOnlyViolation):
        ecr.create_repository(repositoryName="nope")


def test_no_credentials_is_a_clear_error(aws_env, monkeypatch):
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(k)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(AwsError, match="no AWS credentials found"):
        Aws().check_credentials()


def test_collect_actions_are_reads_and_readme_policy_lists_exactly_them():
    assert all(is_read_operation(a.split(":")[1]) for a in COLLECT_ACTIONS + BILL_ACTIONS)
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("<!-- section: collect -->")[1].split("<!-- /section: collect -->")[0]
    policy = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    actions = [a for stmt in policy["Statement"] for a in stmt["Action"]]
    assert sorted(actions) == sorted(COLLECT_ACTIONS + BILL_ACTIONS)


def test_aws_region_wins_over_aws_default_region_as_in_the_aws_cli(aws_env, monkeypatch):
    assert Aws().default_region == "us-east-1"
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    assert Aws().default_region == "eu-west-2"


def test_profiles_as_in_the_aws_cli(aws_env, monkeypatch):
    from pathlib import Path

    Path(aws_env["AWS_CONFIG_FILE"]).write_text("[profile dev]\nregion = eu-central-1\n")
    Path(aws_env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n"
    )
    for k in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
    ):
        monkeypatch.delenv(k)
    aws = Aws(profile="dev")
    assert aws.default_region == "eu-central-1"
    assert aws.session.get_credentials().access_key == "AKIDDEV"
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert Aws().default_region == "eu-central-1"
