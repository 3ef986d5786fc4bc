"""Targets: regions (explicit, --all-regions, default), role ARNs, organizations."""

import boto3
import botocore.session
import pytest

from ecrcost.errors import TargetError
from ecrcost.targets import Target, parse_role_arn, resolve_regions, resolve_targets


def test_explicit_regions_are_kept_in_order_without_duplicates():
    assert resolve_regions(["eu-west-1", "us-east-1", "eu-west-1"]) == ["eu-west-1", "us-east-1"]


def test_default_is_the_configured_region():
    assert resolve_regions(None, default="ap-southeast-2") == ["ap-southeast-2"]


def test_no_region_at_all_is_an_error():
    with pytest.raises(TargetError, match="no region"):
        resolve_regions(None, default=None)


@pytest.mark.parametrize("bad", ["us-est-1", "mars-north-1", "US-EAST-1"])
def test_unknown_region_is_refused(bad):
    with pytest.raises(TargetError, match=f"unknown region.*{bad}"):
        resolve_regions(["us-east-1", bad])


def test_all_regions_come_from_botocore_partition_data():
    expected = sorted(botocore.session.get_session().get_available_regions("ecr", "aws"))
    got = resolve_regions(None, all_regions=True, default="eu-west-1")
    assert got == expected and "us-east-1" in got and len(got) > 20
    assert not any(r.startswith("cn-") for r in got)
    china = resolve_regions(["cn-north-1"], all_regions=True)
    assert "cn-northwest-1" in china and "us-east-1" not in china


def test_region_data_read_without_a_session_matches_botocore_sessions():
    """The resolver read straight from botocore's loader (no session, ECR's endpoint prefix
    given) agrees with a botocore session's answer for every partition."""
    from ecrcost import targets

    bs = botocore.session.get_session()
    prefix = bs.get_service_model("ecr").metadata["endpointPrefix"]
    assert prefix == targets.ECR_ENDPOINT_PREFIX
    partitions = bs.get_available_partitions()
    assert len(partitions) > 3
    for p in partitions:
        assert targets.ecr_regions(p) == sorted(bs.get_available_regions("ecr", p))
        for r in targets.ecr_regions(p):
            assert targets.partition_of(r) == bs.get_partition_for_region(r)
    every = {r for p in partitions for r in bs.get_available_regions("ecr", p)}
    assert targets._known_regions() == every


def test_one_data_loader_per_process_serves_the_region_data_and_every_session(monkeypatch):
    """endpoints.json (1.2 MB) and the service models are decoded once per process: the region
    data and the sessions Aws uses share one loader (role sessions: test_collect_moto)."""
    from ecrcost import aws, targets

    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    shared = aws.data_loader(None)
    assert aws.data_loader(None) is shared
    caller = boto3.Session(region_name="us-east-1")
    aws.Aws(session=caller)
    assert caller._session.get_component("data_loader") is shared
    assert aws.Aws().session._session.get_component("data_loader") is shared
    targets._endpoints.cache_clear()
    try:
        targets._endpoints()
        assert ("load_data_with_path", "endpoints") in shared._cache  # botocore's instance cache
        # a data path of its own (AWS_DATA_PATH) gets its own loader, that path searched first
        monkeypatch.setenv("AWS_DATA_PATH", "/nonexistent/models")
        own = boto3.Session(region_name="us-east-1")
        aws.Aws(session=own)
        loader = own._session.get_component("data_loader")
        assert loader is aws.data_loader("/nonexistent/models") and loader is not shared
        assert loader.search_paths[0] == "/nonexistent/models"
    finally:
        targets._endpoints.cache_clear()


def test_the_shared_loader_reads_what_botocores_own_loader_reads(tmp_path):
    """Plain dicts instead of OrderedDicts, the same data: the endpoint data and the models of
    every service ecrcost calls, compressed (.json.gz) files included."""
    import gzip
    import json

    from botocore.loaders import create_loader

    from ecrcost import aws

    assert isinstance(aws.data_loader(None).file_loader, aws._JSONFiles)
    # (a fresh loader: botocore's endpoint resolver memoizes into the data it resolves from)
    ours, botocores = create_loader(), create_loader()
    ours.file_loader = aws._JSONFiles()
    assert ours.load_data("endpoints") == botocores.load_data("endpoints")
    for service in ("ecr", "sts", "cloudwatch", "organizations", "ce", "s3", "ecs", "lambda"):
        for kind in ("service-2", "endpoint-rule-set-1", "paginators-1"):
            assert ours.load_service_model(service, kind) == botocores.load_service_model(
                service, kind
            )
    (tmp_path / "thing.json.gz").write_bytes(gzip.compress(json.dumps({"a": [1]}).encode()))
    files = aws._JSONFiles()
    assert files.exists(str(tmp_path / "thing")) and not files.exists(str(tmp_path / "none"))
    assert files.load_file(str(tmp_path / "thing")) == {"a": [1]}
    assert files.load_file(str(tmp_path / "none")) is None


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        ("arn:aws:iam::111111111111:role/reader", "111111111111"),
        ("arn:aws:iam::222222222222:role/path/to/ecrcost-Reader", "222222222222"),
        ("arn:aws-cn:iam::333333333333:role/r", "333333333333"),
    ],
)
def test_valid_role_arns(arn, account):
    assert parse_role_arn(arn) == account


@pytest.mark.parametrize(
    "arn",
    [
        "reader",
        "arn:aws:iam::12345:role/x",
        "arn:aws:iam::111111111111:user/x",
        "arn:aws:sts::111111111111:assumed-role/x/y",
        "arn:aws:iam::111111111111:role/",
    ],
)
def test_invalid_role_arns(arn):
    with pytest.raises(TargetError, match="invalid IAM role ARN"):
        parse_role_arn(arn)


def test_own_account_by_default(moto_aws):
    assert resolve_targets(regions=["us-east-1", "eu-west-1"]) == [
        Target("123456789012", "us-east-1"),
        Target("123456789012", "eu-west-1"),
    ]


def test_role_arns_give_exactly_their_accounts_without_network(aws_env):
    roles = ["arn:aws:iam::111111111111:role/r", "arn:aws:iam::222222222222:role/r"]
    targets = resolve_targets(regions=["us-east-1"], role_arns=roles)
    assert targets == [
        Target("111111111111", "us-east-1", roles[0]),
        Target("222222222222", "us-east-1", roles[1]),
    ]


def test_org_role_lists_active_accounts(moto_aws):
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    created = [
        org.create_account(Email=f"a{i}@example.com", AccountName=f"a{i}")["CreateAccountStatus"][
            "AccountId"
        ]
        for i in range(3)
    ]
    targets = resolve_targets(regions=["us-east-1"], org_role="ReadOnlyECR")
    accounts = {t.account_id for t in targets}
    assert set(created) <= accounts and "123456789012" in accounts and len(accounts) == 4
    t = next(t for t in targets if t.account_id == created[0])
    assert t.role_arn == f"arn:aws:iam::{created[0]}:role/ReadOnlyECR"


def test_role_arn_and_org_role_are_exclusive(aws_env):
    with pytest.raises(TargetError, match="cannot be combined"):
        resolve_targets(
            regions=["us-east-1"], role_arns=["arn:aws:iam::111111111111:role/r"], org_role="x"
        )


def test_bad_role_arn_fails_before_regions_or_network(aws_env):
    with pytest.raises(TargetError, match="--role-arn"):
        resolve_targets(regions=["nowhere-1"], role_arns=["not-an-arn"])


def test_org_role_without_an_organization_is_a_clear_error(moto_aws):
    from botocore.exceptions import ClientError

    from ecrcost.errors import AwsError

    session = boto3.Session()

    def not_in_use(model, **kw):  # what real AWS answers outside an organization
        raise ClientError(
            {"Error": {"Code": "AWSOrganizationsNotInUseException", "Message": "not in an org"}},
            model.name,
        )

    session.events.register("before-call.organizations.ListAccounts", not_in_use)
    with pytest.raises(
        AwsError, match="--org-role: cannot list the organization's accounts.*NotInUse"
    ):
        resolve_targets(regions=["us-east-1"], org_role="ReadOnlyECR", session=session)
    with pytest.raises(TargetError, match="no ACTIVE accounts"):  # moto: an empty list
        resolve_targets(regions=["us-east-1"], org_role="ReadOnlyECR")


def test_region_validation_does_not_depend_on_aws_profile(monkeypatch):
    # endpoint data is bundled with botocore; a missing profile must not break it
    from ecrcost.targets import resolve_regions

    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    assert resolve_regions(["eu-west-1"]) == ["eu-west-1"]
    assert "us-east-1" in resolve_regions(all_regions=True, default="us-east-1")
