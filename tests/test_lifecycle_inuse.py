"""`collect --in-use`: ECS and Lambda against moto (in-process and over HTTP on 127.0.0.1),
Amazon Inspector coverage and the pull-time update exclusions with botocore's Stubber in the real
response shapes (moto implements neither), and the planner's in-use protection."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from botocore.stub import Stubber
from collect_fixtures import image_manifest, push
from lifecycle_fixtures import ACCOUNT, REGION, UNTAGGED_30, digest, expired, repo_snapshot

import ecrcost
from ecrcost.aws import COLLECT_ACTIONS, IN_USE_ACTIONS, Aws, is_read_operation
from ecrcost.collectors.inuse import collect_in_use, parse_image_reference, resolve
from ecrcost.collectors.registry import collect_registry
from ecrcost.errors import ReadOnlyViolation
from ecrcost.lifecycle import evaluate_policy
from ecrcost.lifecycle.plan import cleanup_plan, pull_time_warnings

NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
URI = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


def seed_runtime(session: boto3.Session, digests: dict[str, str], url: str | None = None) -> None:
    """An ECS service on tag v2, a running task by digest (v3's), a Lambda image function on v1."""
    from moto.ec2 import utils as ec2_utils

    ecs = session.client("ecs", region_name=REGION, endpoint_url=url)
    ecs.create_cluster(clusterName="prod")
    svc_td = ecs.register_task_definition(
        family="api",
        containerDefinitions=[{"name": "api", "image": f"{URI}/app:v2", "memory": 128}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="prod", serviceName="api", taskDefinition=svc_td, desiredCount=1)
    inst = session.resource("ec2", region_name=REGION, endpoint_url=url).create_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1
    )[0]
    ecs.register_container_instance(
        cluster="prod",
        instanceIdentityDocument=json.dumps(ec2_utils.generate_instance_identity_document(inst)),
    )
    job_td = ecs.register_task_definition(
        family="job",
        containerDefinitions=[
            {"name": "job", "image": f"{URI}/app@{digests['v3']}", "memory": 128},
            {"name": "side", "image": "docker.io/library/busybox:latest", "memory": 64},
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.run_task(cluster="prod", taskDefinition=job_td, count=1)
    iam = session.client("iam", region_name=REGION, endpoint_url=url)
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = session.client("lambda", region_name=REGION, endpoint_url=url)
    lam.create_function(
        FunctionName="worker", Role=role, PackageType="Image", Code={"ImageUri": f"{URI}/app:v1"}
    )


def push_app(ecr) -> dict[str, str]:
    ecr.create_repository(repositoryName="app")
    return {
        t: push(ecr, "app", image_manifest((f"c{t}", 10), [(f"l{t}", 1000)]), t)
        for t in ("v1", "v2", "v3", "v4")
    }


def coverage_stub(inspector, resources: list[dict], token_pages: int = 1) -> Stubber:
    stub = Stubber(inspector)
    crit = {"resourceType": [{"comparison": "EQUALS", "value": "AWS_ECR_CONTAINER_IMAGE"}]}
    half = len(resources) // 2 if token_pages == 2 else len(resources)
    first = {"coveredResources": resources[:half]}
    if token_pages == 2:
        first["nextToken"] = "t1"
    stub.add_response("list_coverage", first, {"filterCriteria": crit})
    if token_pages == 2:
        stub.add_response(
            "list_coverage",
            {"coveredResources": resources[half:]},
            {"filterCriteria": crit, "nextToken": "t1"},
        )
    return stub


def covered(digest_: str, count: int, last: dt.datetime | None) -> dict:
    """One ListCoverage coveredResources entry for an ECR image, as the botocore model has it."""
    img = {"tags": ["x"], "inUseCount": count, "imagePulledAt": NOW}
    if last is not None:
        img["lastInUseAt"] = last
    return {
        "resourceType": "AWS_ECR_CONTAINER_IMAGE",
        "resourceId": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/app/{digest_}",
        "accountId": ACCOUNT,
        "scanType": "PACKAGE",
        "scanStatus": {"statusCode": "ACTIVE", "reason": "SUCCESSFUL"},
        "resourceMetadata": {
            "ecrRepository": {"name": "app", "scanFrequency": "CONTINUOUS_SCAN"},
            "ecrImage": img,
        },
        "lastScannedAt": NOW,
    }


def test_parse_image_reference():
    d = "sha256:" + "a" * 64
    assert parse_image_reference(f"{URI}/team/api:v1")["tag"] == "v1"
    assert parse_image_reference(f"{URI}/team/api@{d}") == {
        "account_id": ACCOUNT,
        "region": REGION,
        "repository": "team/api",
        "tag": None,
        "digest": d,
    }
    assert parse_image_reference(f"{URI}/api")["tag"] == "latest"
    assert parse_image_reference("docker.io/library/busybox:1") is None
    assert parse_image_reference("public.ecr.aws/x/y:1") is None


def test_ecs_lambda_and_inspector_in_process(moto_aws):
    session = boto3.Session(region_name=REGION)
    digests = push_app(session.client("ecr"))
    seed_runtime(session, digests)
    inspector = session.client("inspector2", region_name=REGION)
    resources = [
        covered(digests["v4"], 2, NOW),  # running in 2 EKS pods / ECS tasks
        covered(digests["v1"], 0, NOW - dt.timedelta(days=2)),  # used 2 days ago: still in use
        covered(digest("old"), 0, NOW - dt.timedelta(days=60)),  # not recently: not in use
    ]
    with coverage_stub(inspector, resources, token_pages=2) as stub:
        rows, state, errors = collect_in_use(
            session.client("ecs"), session.client("lambda"), inspector, NOW
        )
        stub.assert_no_pending_responses()
    assert errors == [] and state == "on"
    images = ecrcost.collect(regions=[REGION], use_cache=False).images
    table, notes = resolve(rows, images)
    by_source = {}
    for r in table:
        by_source.setdefault(r["source"], set()).add(r["digest"])
    # tag references resolved to digests; the busybox sidecar is not an ECR image
    assert by_source["ecs"] == {digests["v2"], digests["v3"]}
    assert digests["v1"] in by_source["lambda"]
    assert by_source["inspector"] == {digests["v4"], digests["v1"]}
    assert notes == []
    counts = {r["digest"]: r["in_use_count"] for r in table if r["source"] == "inspector"}
    assert counts[digests["v4"]] == 2


@pytest.fixture
def server(moto_server):
    """moto on loopback only."""
    return moto_server


def test_collect_in_use_over_http_then_lifecycle_keeps_what_runs(server, tmp_path):
    from click.testing import CliRunner

    from ecrcost.cli import cli

    session = boto3.Session(region_name=REGION)
    digests = push_app(session.client("ecr", endpoint_url=server))
    seed_runtime(session, digests, server)
    snap_dir = tmp_path / "snap"
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "collect",
            "--region",
            REGION,
            "--endpoint-url",
            server,
            "--in-use",
            "--no-cache",
            "-q",
            "--out",
            str(snap_dir),
        ],
    )
    assert res.exit_code == 0, res.output
    snap = ecrcost.load_snapshot(snap_dir)
    assert snap.meta["in_use"]["collected"] is True
    # moto has no Inspector and no ListPullTimeUpdateExclusions: both unknown, target still ok
    assert snap.meta["in_use"]["inspector"] == {f"{ACCOUNT} {REGION}": "unknown"}
    assert snap.meta["registries"][0]["pull_time_update_exclusions"] == "unknown"
    used = set(snap.in_use["digest"])
    assert {digests["v1"], digests["v2"], digests["v3"]} <= used and digests["v4"] not in used
    calls = set(snap.meta["api_calls"])
    assert {"ecs:ListClusters", "ecs:DescribeTaskDefinition", "lambda:GetFunction"} <= calls
    assert calls <= set(COLLECT_ACTIONS)
    policy = tmp_path / "older-than-a-day.json"
    rule = {
        "rulePriority": 1,
        "selection": {
            "tagStatus": "any",
            "countType": "sinceImagePushed",
            "countUnit": "days",
            "countNumber": 1,
        },
        "action": {"type": "expire"},
    }
    policy.write_text(json.dumps({"rules": [rule]}))
    args = ["lifecycle", str(snap_dir), "--policy", str(policy), "--at", "2030-01-01T00:00:00Z"]
    res = runner.invoke(cli, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    act = {i["image_digest"]: i for i in doc["images"]}
    # in 2030 every image is older than a day; the three that run are kept, the rule listed
    for t in ("v1", "v2", "v3"):
        assert act[digests[t]]["action"] == "keep" and act[digests[t]]["in_use"] is True
        assert act[digests[t]]["blocked_rule_priority"] == 1
    assert act[digests["v4"]]["action"] == "expire" and not act[digests["v4"]]["in_use"]
    assert doc["evaluated_at"].startswith("2030-01-01")
    assert doc["by_repository"][0]["in_use_blocked"] == 3


def test_inspector_states_and_denied(moto_aws):
    inspector = boto3.client("inspector2", region_name=REGION)
    with coverage_stub(inspector, []):
        _, state, errors = collect_in_use(None, None, inspector, NOW)
    assert state == "off" and len(errors) == 2  # ECS and Lambda clients missing: reported
    stub = Stubber(inspector)
    stub.add_client_error("list_coverage", "AccessDeniedException", "no", 403)
    with stub:
        _, state, errors = collect_in_use(None, None, inspector, NOW)
    assert state == "unknown" and any("AccessDeniedException" in e for e in errors)
    stub = Stubber(inspector)
    stub.add_client_error("list_coverage", "ValidationException", "Inspector is not enabled", 400)
    with stub:
        _, state, errors = collect_in_use(None, None, inspector, NOW)
    assert state == "unknown" and not any("inspector" in e for e in errors)


def test_pull_time_update_exclusions_with_stubber():
    ecr = boto3.client("ecr", region_name=REGION, aws_access_key_id="t", aws_secret_access_key="t")
    role = f"arn:aws:iam::{ACCOUNT}:role/inspector-scanner"
    stub = Stubber(ecr)
    stub.add_response(
        "describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": []}}, {}
    )
    stub.add_client_error("get_registry_policy", "RegistryPolicyNotFoundException", "none")
    stub.add_response(
        "describe_pull_through_cache_rules", {"pullThroughCacheRules": []}, {"maxResults": 1000}
    )
    stub.add_response(
        "get_account_setting",
        {"name": "BLOB_MOUNTING", "value": "DISABLED"},
        {"name": "BLOB_MOUNTING"},
    )
    # two pages, in the ListPullTimeUpdateExclusions response shape
    stub.add_response(
        "list_pull_time_update_exclusions",
        {"pullTimeUpdateExclusions": [role], "nextToken": "n"},
        {},
    )
    stub.add_response(
        "list_pull_time_update_exclusions",
        {"pullTimeUpdateExclusions": [f"arn:aws:iam::{ACCOUNT}:role/ci"]},
        {"nextToken": "n"},
    )
    with stub:
        entry, errors = collect_registry(ecr, ACCOUNT, REGION)
        stub.assert_no_pending_responses()
    assert errors == []
    assert entry["pull_time_update_exclusions"] == sorted([role, f"arn:aws:iam::{ACCOUNT}:role/ci"])
    # an endpoint without the operation: unknown, not an error
    stub = Stubber(ecr)
    stub.add_response("describe_registry", {"registryId": ACCOUNT}, {})
    stub.add_response("get_registry_policy", {"registryId": ACCOUNT, "policyText": "{}"}, {})
    stub.add_response(
        "describe_pull_through_cache_rules", {"pullThroughCacheRules": []}, {"maxResults": 1000}
    )
    stub.add_response(
        "get_account_setting",
        {"name": "BLOB_MOUNTING", "value": "ENABLED"},
        {"name": "BLOB_MOUNTING"},
    )
    stub.add_client_error(
        "list_pull_time_update_exclusions", "UnknownOperationException", "no", 400
    )
    with stub:
        entry, errors = collect_registry(ecr, ACCOUNT, REGION)
    assert entry["pull_time_update_exclusions"] == "unknown" and errors == []


def test_pull_time_warning_when_inspector_on_and_no_exclusion():
    snap = repo_snapshot([dict(name="a", tags=["v"], pushed=1)])
    key = f"{ACCOUNT} {REGION}"
    snap.meta["registries"] = [
        {"account_id": ACCOUNT, "region": REGION, "pull_time_update_exclusions": []}
    ]
    snap.meta["in_use"] = {"collected": True, "inspector": {key: "on"}}
    assert any("no pull-time update exclusion" in w for w in pull_time_warnings(snap))
    snap.meta["registries"][0]["pull_time_update_exclusions"] = ["arn:aws:iam::1:role/s"]
    assert pull_time_warnings(snap) == []
    snap.meta["registries"][0]["pull_time_update_exclusions"] = []
    snap.meta["in_use"]["inspector"][key] = "off"
    assert pull_time_warnings(snap) == []


# ---- the planner never expires what runs ---------------------------------------------------------
def test_in_use_image_is_kept_and_the_rule_listed():
    images = [dict(name=n, tags=[n], pushed=d) for n, d in (("a", 40), ("b", 30), ("c", 20))]
    policy = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": 1,
                },
                "action": {"type": "expire"},
            }
        ]
    }
    snap = repo_snapshot(images, in_use=[{"name": "a", "source": "ecs", "resource": "svc/api"}])
    r = evaluate_policy(snap, policy)
    assert expired(r, images) == {"b"}
    a = r[r["image_digest"] == digest("a")].iloc[0]
    assert a["in_use"] and a["action"] == "keep" and a["blocked_rule_priority"] == 1
    assert "ecs svc/api" in a["reason"] and "rule 1 would have expired it" in a["reason"]
    plan = cleanup_plan(snap, policy)
    assert plan.by_repository["in_use_blocked"].iloc[0] == 1
    assert plan.by_rule["in_use_blocked"].iloc[0] == 1


def test_in_use_index_keeps_children_and_child_keeps_index():
    images = [
        dict(name="idx", tags=["v1"], pushed=50, kind="index"),
        dict(name="amd64", tags=[], pushed=50),
        dict(name="arm64", tags=[], pushed=50),
        dict(name="loose", tags=[], pushed=50),
    ]
    policy = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "any",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 10,
                },
                "action": {"type": "expire"},
            }
        ]
    }
    kids = [("idx", "amd64"), ("idx", "arm64")]
    r = evaluate_policy(repo_snapshot(images, children=kids, in_use=[{"name": "idx"}]), policy)
    assert expired(r, images) == {"loose"}
    r = evaluate_policy(repo_snapshot(images, children=kids, in_use=[{"name": "arm64"}]), policy)
    assert expired(r, images) == {"loose"}


def test_read_only_guard_allows_the_in_use_reads_only():
    assert set(IN_USE_ACTIONS) <= set(COLLECT_ACTIONS)
    assert all(is_read_operation(a.split(":")[1]) for a in IN_USE_ACTIONS)
    for op in (
        "RunTask",
        "StopTask",
        "UpdateService",
        "DeregisterTaskDefinition",
        "UpdateFunctionCode",
        "DeleteFunction",
        "Enable",
        "Disable",
        "CreateFilter",
        "RegisterPullTimeUpdateExclusion",
        "DeregisterPullTimeUpdateExclusion",
        "PutLifecyclePolicy",
        "UpdateImageStorageClass",
        "BatchDeleteImage",
    ):
        assert not is_read_operation(op), op


def test_guard_refuses_ecs_and_lambda_mutations(moto_aws):
    aws = Aws(session=boto3.Session(region_name=REGION))
    with pytest.raises(ReadOnlyViolation):
        aws.client("ecs", REGION).update_service(cluster="c", service="s", desiredCount=0)
    with pytest.raises(ReadOnlyViolation):
        aws.client("lambda", REGION).delete_function(FunctionName="f")
    with pytest.raises(ReadOnlyViolation):
        aws.client("ecr", REGION).put_lifecycle_policy(repositoryName="a", lifecyclePolicyText="{}")


def test_report_savings_section_uses_the_planner():
    images = [
        dict(name="old", tags=["v1"], pushed=300),  # unpulled for 90+ days: a naive candidate
        dict(name="run", tags=["v2"], pushed=300),  # the same, but it runs
        dict(name="u", tags=[], pushed=200),  # untagged: the repository's policy expires it
        dict(name="new", tags=["v3"], pushed=1, pulled=1),
    ]
    policy = json.dumps(UNTAGGED_30)
    snap = repo_snapshot(
        images,
        policy=policy,
        in_use=[{"name": "run", "source": "lambda", "resource": "fn"}],
        layer_size=2**30,
    )
    snap.meta["registries"] = [
        {"account_id": ACCOUNT, "region": REGION, "pull_time_update_exclusions": []}
    ]
    snap.meta["in_use"]["inspector"] = {f"{ACCOUNT} {REGION}": "on"}
    rep = ecrcost.report(snap)
    current = rep["lifecycle_current"]
    assert current["images_expired"].tolist() == [1]
    assert current["freed_bytes"].iloc[0] == 2**30 + 100
    recommended = rep["lifecycle_recommended"]
    assert recommended["candidate_images"].tolist() == [1]  # "old"; "run" is in use
    hits = rep["naive_cleanup_in_use"]
    assert hits["digest"].tolist() == [digest("run")] and "lambda fn" in hits["used_by"].iloc[0]
    section = next(s for s in rep.sections if s.id == "savings")
    paras = " ".join(section.paragraphs)
    assert "would delete 1 images that are in use" in paras
    assert "no pull-time update exclusion is registered" in paras
