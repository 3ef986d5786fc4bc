"""ecrcost.collect() against in-process moto: every scenario of issue 2.

Expected figures are computed by hand from the manifests each test pushes.
"""

import gc
import threading
import time
from datetime import UTC, datetime, timedelta

import boto3
import moto_patches
import pandas as pd
import pytest
from botocore.exceptions import ClientError
from collect_fixtures import OCI, OCI_INDEX, blob, image_manifest, index_manifest, push

import ecrcost
from ecrcost.aws import Aws, data_loader
from ecrcost.storage import repository_storage

R = "us-east-1"
REGISTRY_OPERATIONS = (
    "DescribeRegistry",
    "GetRegistryPolicy",
    "DescribePullThroughCacheRules",
    "GetAccountSetting",
    "ListPullTimeUpdateExclusions",
)
ACCOUNT = "123456789012"


@pytest.fixture
def ecr(moto_aws, monkeypatch):
    moto_patches.apply(monkeypatch)
    return boto3.client("ecr", region_name=R)


def test_shared_layers_multi_arch_untagged_and_empty(ecr):
    # app: two images share "base" (1000); web: shares "base" with app; multi: an index + 2 children
    ecr.create_repository(
        repositoryName="app",
        tags=[{"Key": "team", "Value": "a"}],
        imageTagMutability="IMMUTABLE",
        encryptionConfiguration={
            "encryptionType": "KMS",
            "kmsKey": "arn:aws:kms:us-east-1:123456789012:key/k",
        },
        imageScanningConfiguration={"scanOnPush": True},
    )
    for name in ("web", "multi", "empty"):
        ecr.create_repository(repositoryName=name)
    a1 = image_manifest(("cfg-a1", 10), [("base", 1000), ("a1", 200)])
    a2 = image_manifest(("cfg-a2", 10), [("base", 1000), ("a2", 300)], OCI)
    w = image_manifest(("cfg-w", 10), [("base", 1000), ("w", 50)])
    arm = image_manifest(("cfg-arm", 5), [("l-arm", 700)], OCI)
    amd = image_manifest(("cfg-amd", 5), [("l-amd", 900)], OCI)
    ix = index_manifest([(amd, "linux/amd64"), (arm, "linux/arm64")])
    d_a1 = push(ecr, "app", a1, "v1")
    d_a2 = push(ecr, "app", a2)  # untagged
    push(ecr, "web", w, "latest")
    d_arm, d_amd = push(ecr, "multi", arm), push(ecr, "multi", amd)
    d_ix = push(ecr, "multi", ix, "v1")
    policy = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}'
    ecr.put_lifecycle_policy(repositoryName="app", lifecyclePolicyText=policy)

    snap = ecrcost.collect(regions=[R])

    assert snap.meta["targets"] == [
        {
            "account_id": ACCOUNT,
            "region": R,
            "role_arn": None,
            "status": "ok",
            "error": None,
            "errors": [],
            "notes": [],
        }
    ]
    repos = snap.repositories.set_index("repository")
    assert sorted(repos.index) == ["app", "empty", "multi", "web"]
    app = repos.loc["app"]
    assert (app["tag_mutability"], app["encryption_type"], app["scan_on_push"]) == (
        "IMMUTABLE",
        "KMS",
        True,
    )
    assert app["kms_key"].endswith(":key/k") and app["tags"] == '{"team": "a"}'
    assert app["lifecycle_policy"] == policy and pd.isna(repos.loc["web", "lifecycle_policy"])
    assert app["arn"] == f"arn:aws:ecr:{R}:{ACCOUNT}:repository/app"

    images = snap.images.set_index("digest")
    assert images.loc[d_a1, "tags"] == ["v1"] and images.loc[d_a2, "tags"] == []
    assert images.loc[d_a1, "size_bytes"] == 1200  # layer sum (size patch = real ECR semantics)
    assert set(images.loc[[d_arm, d_amd, d_ix], "repository"]) == {"multi"}
    assert (images["status"] == "ACTIVE").all()

    kinds = snap.manifests.set_index("digest")["kind"]
    assert kinds[d_ix] == "index" and kinds[d_a1] == "image" and len(kinds) == 6
    ch = snap.children
    assert sorted(zip(ch["child_digest"], ch["platform"], strict=True)) == sorted(
        [(d_amd, "linux/amd64"), (d_arm, "linux/arm64")]
    )
    assert set(snap.blobs.loc[snap.blobs["manifest_digest"] == d_a1, "blob_digest"]) == {
        blob("cfg-a1"),
        blob("base"),
        blob("a1"),
    }

    st = repository_storage(snap).set_index("repository")
    assert st.loc["app", "unique_bytes"] == 10 + 10 + 1000 + 200 + 300
    assert st.loc["app", "naive_bytes"] == 1200 + 1300
    assert st.loc["web", "unique_bytes"] == 1060
    assert st.loc["multi", "unique_bytes"] == 705 + 905
    assert st.loc["empty", "images"] == 0 and st.loc["empty", "unique_bytes"] == 0
    reg = repository_storage(snap, scope="registry")
    assert reg["unique_bytes"].sum() == 10 + 10 + 10 + 1000 + 200 + 300 + 50 + 705 + 905


def test_archived_images_are_collected_with_their_status(ecr):
    from moto.ecr.models import ecr_backends

    ecr.create_repository(repositoryName="app")
    old = push(ecr, "app", image_manifest(("c-old", 1), [("old", 5000)]), "old")
    push(ecr, "app", image_manifest(("c-new", 1), [("new", 10)]), "new")
    img = next(
        i
        for i in ecr_backends[ACCOUNT][R].repositories["app"].images
        if i.get_image_digest() == old
    )
    img.image_status = "ARCHIVED"
    img.last_archived_at = datetime(2026, 10, 1, tzinfo=UTC)
    img.last_recorded_pull_time = datetime(2026, 9, 1, tzinfo=UTC)

    snap = ecrcost.collect(regions=[R])
    images = snap.images.set_index("digest")
    assert images.loc[old, "status"] == "ARCHIVED"
    assert images.loc[old, "archived_at"] == datetime(2026, 10, 1, tzinfo=UTC)
    assert images.loc[old, "last_pull_at"] == datetime(2026, 9, 1, tzinfo=UTC)
    assert (images.drop(index=old)["status"] == "ACTIVE").all()


def test_describe_images_asks_for_every_status_in_pages_of_1000(ecr):
    ecr.create_repository(repositoryName="app")
    seen = []
    session = boto3.Session()
    session.events.register(
        "provide-client-params.ecr.DescribeImages", lambda params, **kw: seen.append(dict(params))
    )
    ecrcost.collect(regions=[R], session=session)
    assert seen == [{"repositoryName": "app", "maxResults": 1000, "filter": {"imageStatus": "ANY"}}]


def test_two_regions(ecr):
    ecr.create_repository(repositoryName="svc")
    push(ecr, "svc", image_manifest(("c", 1), [("x", 10)]), "v1")
    eu = boto3.client("ecr", region_name="eu-west-1")
    eu.create_repository(repositoryName="svc")
    push(eu, "svc", image_manifest(("c", 1), [("y", 20)]), "v1")
    push(eu, "svc", image_manifest(("c2", 1), [("y", 20)]), "v2")

    snap = ecrcost.collect(regions=[R, "eu-west-1"])
    assert [t["status"] for t in snap.meta["targets"]] == ["ok", "ok"]
    counts = snap.images.groupby("region").size().to_dict()
    assert counts == {R: 1, "eu-west-1": 2}
    arns = set(snap.repositories["arn"])
    assert arns == {f"arn:aws:ecr:{r}:{ACCOUNT}:repository/svc" for r in (R, "eu-west-1")}
    assert {r["region"] for r in snap.meta["registries"]} == {R, "eu-west-1"}


def test_an_injected_aws_is_used_for_every_call(ecr):
    ecr.create_repository(repositoryName="svc")
    push(ecr, "svc", image_manifest(("c", 1), [("x", 10)]), "v1")
    aws = Aws(session=boto3.Session(region_name=R), workers=2)

    snap = ecrcost.collect(regions=[R], aws=aws, workers=2, use_cache=False)

    assert len(snap.images) == 1 and snap.meta["targets"][0]["status"] == "ok"
    assert aws.calls[("ecr", "DescribeImages")] >= 1  # the calls went through the injected Aws
    assert snap.meta["api_calls"] == aws.operations()


def _account_ecr(account):
    creds = boto3.client("sts", region_name=R).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed"
    )["Credentials"]
    return boto3.client(
        "ecr",
        region_name=R,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def test_two_accounts_through_assume_role(ecr):
    for account, n in (("111111111111", 1), ("222222222222", 2)):
        c = _account_ecr(account)
        c.create_repository(repositoryName=f"svc-{account[:1]}")
        for i in range(n):
            push(
                c,
                f"svc-{account[:1]}",
                image_manifest((f"c{i}", 1), [(f"l{account}{i}", 10)]),
                f"v{i}",
            )
    ecr.create_repository(repositoryName="not-collected")
    roles = ["arn:aws:iam::111111111111:role/reader", "arn:aws:iam::222222222222:role/reader"]

    snap = ecrcost.collect(regions=[R], role_arns=roles)
    assert [(t["account_id"], t["role_arn"], t["status"]) for t in snap.meta["targets"]] == [
        ("111111111111", roles[0], "ok"),
        ("222222222222", roles[1], "ok"),
    ]
    assert sorted(
        zip(snap.repositories["account_id"], snap.repositories["repository"], strict=True)
    ) == [("111111111111", "svc-1"), ("222222222222", "svc-2")]
    assert snap.images.groupby("account_id").size().to_dict() == {
        "111111111111": 1,
        "222222222222": 2,
    }
    assert snap.meta["api_calls"]["sts:AssumeRole"] == 2
    # role sessions share the process's botocore data loader (each file decoded once)
    aws = Aws()
    for arn in roles:
        aws.client("ecr", R, arn)
    loaders = {id(s._session.get_component("data_loader")) for s in aws._role_sessions.values()}
    assert loaders == {id(data_loader(None))}


def test_the_first_regions_repository_list_is_read_once_alongside_sts(ecr):
    # read early (while sts:GetCallerIdentity runs) and taken by its target task: never twice
    ecr.create_repository(repositoryName="svc")
    boto3.client("ecr", region_name="eu-west-1").create_repository(repositoryName="svc")
    snap = ecrcost.collect(regions=[R, "eu-west-1"])
    assert snap.meta["api_calls"]["ecr:DescribeRepositories"] == 2
    assert sorted(snap.repositories["region"]) == ["eu-west-1", R]
    # with a shard nothing is read early (the target may belong to another shard)
    for k in (1, 2):
        part = ecrcost.collect(regions=[R, "eu-west-1"], shard=(k, 2))
        assert part.meta["api_calls"].get("ecr:DescribeRepositories", 0) == len(part.repositories)


def test_the_first_regions_settings_and_repositories_are_read_while_sts_answers(ecr):
    # none of them needs the account id: they are sent before sts:GetCallerIdentity's answer is
    # in, each on its own thread, and read once (the target's tasks take them)
    session = boto3.Session()
    wanted = {"DescribeRepositories", *REGISTRY_OPERATIONS}
    seen: set[str] = set()
    every_one = threading.Event()
    waited = []

    def called(model, context, **kw):
        if context.get("client_region") == R:
            seen.add(model.name)
        if wanted <= seen:
            every_one.set()

    session.events.register("before-call.*.*", called)
    session.events.register(
        "after-call.sts.GetCallerIdentity", lambda **kw: waited.append(every_one.wait(10))
    )
    boto3.client("ecr", region_name="eu-west-1").create_repository(repositoryName="svc")
    snap = ecrcost.collect(regions=[R, "eu-west-1"], session=session)
    assert waited == [True]
    calls = snap.meta["api_calls"]
    assert all(calls[f"ecr:{op}"] == 2 for op in REGISTRY_OPERATIONS)  # one per region
    assert [(r["region"], r["registry_policy"]) for r in snap.meta["registries"]] == [
        ("eu-west-1", False),
        (R, False),
    ]
    assert [t["status"] for t in snap.meta["targets"]] == ["ok", "ok"]
    for k in (1, 2):  # with a shard nothing is read early
        part = ecrcost.collect(regions=[R, "eu-west-1"], shard=(k, 2))
        assert part.meta["api_calls"].get("ecr:DescribeRegistry", 0) == len(part.meta["targets"])


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_no_more_requests_are_in_flight_than_workers_even_while_sts_answers(ecr, workers):
    for name in ("svc-a", "svc-b", "svc-c", "svc-d"):
        ecr.create_repository(repositoryName=name)
    session = boto3.Session()
    lock, state = threading.Lock(), {"now": 0, "most": 0}

    def sent(**kw):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.02)  # (a round trip: in-process moto answers at once)

    def answered(**kw):
        with lock:
            state["now"] -= 1

    session.events.register("before-call.*.*", sent)
    session.events.register("after-call.*.*", answered)
    session.events.register("after-call-error.*.*", answered)
    snap = ecrcost.collect(regions=[R], workers=workers, session=session)
    assert [t["status"] for t in snap.meta["targets"]] == ["ok"]
    assert state["now"] == 0 and state["most"] == workers
    # each registry setting is read once however many of them were read early
    assert all(snap.meta["api_calls"][f"ecr:{op}"] == 1 for op in REGISTRY_OPERATIONS)


def test_a_denied_early_repository_list_fails_only_its_target(ecr):
    session = boto3.Session()

    def deny_first(model, context, **kw):
        if context.get("client_region") == R and model.name == "DescribeRepositories":
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}},
                model.name,
            )

    session.events.register("before-call.*.*", deny_first)
    boto3.client("ecr", region_name="eu-west-1").create_repository(repositoryName="svc")
    snap = ecrcost.collect(regions=[R, "eu-west-1"], session=session)
    t = {x["region"]: x for x in snap.meta["targets"]}
    assert t[R]["status"] == "failed" and "AccessDeniedException" in t[R]["error"]
    assert t["eu-west-1"]["status"] == "ok" and list(snap.repositories["region"]) == ["eu-west-1"]


def test_access_denied_in_one_region_is_a_failed_target_and_the_rest_completes(ecr):
    ecr.create_repository(repositoryName="svc")
    push(ecr, "svc", image_manifest(("c", 1), [("x", 10)]), "v1")
    session = boto3.Session()

    def deny_eu(model, context, **kw):
        if (
            context.get("client_region") == "eu-west-1"
            and model.service_model.service_name == "ecr"
        ):
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}},
                model.name,
            )

    session.events.register("before-call.*.*", deny_eu)
    snap = ecrcost.collect(regions=[R, "eu-west-1"], session=session)
    t = {x["region"]: x for x in snap.meta["targets"]}
    assert t[R]["status"] == "ok"
    assert (
        t["eu-west-1"]["status"] == "failed" and "AccessDeniedException" in t["eu-west-1"]["error"]
    )
    assert len(snap.images) == 1 and list(snap.incomplete_targets["region"]) == ["eu-west-1"]
    regs = {r["region"]: r for r in snap.meta["registries"]}
    assert regs["eu-west-1"]["blob_mounting"] == "unknown" and regs[R]["replication_rules"] == []


def test_access_denied_on_one_repository_is_partial(ecr):
    for name in ("open", "locked"):
        ecr.create_repository(repositoryName=name)
        push(ecr, name, image_manifest((f"c-{name}", 1), [(name, 10)]), "v1")
    session = boto3.Session()

    def deny_locked(model, params, **kw):
        if model.name == "DescribeImages" and params.get("repositoryName") == "locked":
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "repository policy"}},
                model.name,
            )

    session.events.register("before-parameter-build.ecr.*", deny_locked)
    snap = ecrcost.collect(regions=[R], session=session)
    (target,) = snap.meta["targets"]
    assert target["status"] == "partial"
    assert target["errors"] == [
        {
            "repository": "locked",
            "error": "images: DescribeImages: AccessDeniedException: repository policy",
        }
    ]
    repos = snap.repositories.set_index("repository")
    assert "AccessDenied" in repos.loc["locked", "error"] and pd.isna(repos.loc["open", "error"])
    assert list(snap.images["repository"]) == ["open"]
    assert repos.loc["locked", "images_complete"] == False  # noqa: E712 (pandas boolean NA-aware)
    sizes = ecrcost.repository_storage(snap).set_index("repository")
    assert pd.isna(sizes.loc["locked", "unique_bytes"]) and sizes.loc["open", "unique_bytes"] > 0


def test_pull_counts_access_denied_is_partial(ecr):
    ecr.create_repository(repositoryName="svc")
    session = boto3.Session()

    def deny_cw(model, **kw):
        if model.service_model.service_name == "cloudwatch":
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "no cloudwatch"}}, model.name
            )

    session.events.register("before-call.*.*", deny_cw)
    snap = ecrcost.collect(regions=[R], session=session)
    (target,) = snap.meta["targets"]
    assert target["status"] == "partial" and target["error"].startswith(
        "pulls: GetMetricData: AccessDenied"
    )
    assert len(snap.repositories) == 1


def test_repository_deleted_mid_run_is_skipped_and_noted(ecr):
    from moto.ecr.models import ecr_backends

    for name in ("stays", "goes"):
        ecr.create_repository(repositoryName=name)
        push(ecr, name, image_manifest((f"c-{name}", 1), [(name, 10)]), "v1")
    session = boto3.Session()

    def delete_first(model, params, **kw):
        if params.get("repositoryName") == "goes":
            ecr_backends[ACCOUNT][R].repositories.pop("goes", None)

    session.events.register("before-parameter-build.ecr.DescribeImages", delete_first)
    snap = ecrcost.collect(regions=[R], session=session)
    (target,) = snap.meta["targets"]
    assert target["status"] == "ok" and target["errors"] == []
    assert target["notes"] == [{"repository": "goes", "note": "deleted during collection; skipped"}]
    assert list(snap.repositories["repository"]) == ["stays"]
    assert list(snap.images["repository"]) == ["stays"]


def test_pulls_are_daily_sums_for_the_window(ecr):
    ecr.create_repository(repositoryName="svc")
    ecr.create_repository(repositoryName="quiet")
    cw = boto3.client("cloudwatch", region_name=R)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day1, day2 = today - timedelta(days=3), today - timedelta(days=2)
    for ts, v in [
        (day1 + timedelta(hours=1), 5),
        (day1 + timedelta(hours=7), 7),
        (day2 + timedelta(hours=2), 11),
        (today - timedelta(days=40), 1000),
    ]:  # the last one is outside --pull-days 30
        cw.put_metric_data(
            Namespace="AWS/ECR",
            MetricData=[
                {
                    "MetricName": "RepositoryPullCount",
                    "Dimensions": [{"Name": "RepositoryName", "Value": "svc"}],
                    "Timestamp": ts,
                    "Value": float(v),
                    "Unit": "Count",
                }
            ],
        )
    snap = ecrcost.collect(regions=[R], pull_days=30)
    got = {(r.repository, r.date.to_pydatetime()): r.pulls for r in snap.pulls.itertuples()}
    assert got == {("svc", day1): 12.0, ("svc", day2): 11.0}
    assert snap.meta["pull_days"] == 30
    assert (
        "cloudwatch:GetMetricData"
        not in ecrcost.collect(regions=[R], pull_days=0).meta["api_calls"]
    )


def test_many_images_paginate_and_batch(ecr):
    from collect_fixtures import seed_images

    ecr.create_repository(repositoryName="big")
    n = 2345
    digests = seed_images(
        ACCOUNT,
        R,
        "big",
        [
            (
                image_manifest((f"c{i}", 1), [("base", 100), (f"l{i}", i)]),
                f"t{i}" if i % 2 else None,
            )
            for i in range(n)
        ],
    )
    snap = ecrcost.collect(regions=[R])
    calls = snap.meta["api_calls"]
    assert calls["ecr:DescribeImages"] == 3  # 1000 + 1000 + 345
    assert calls["ecr:BatchGetImage"] == 24  # ceil(2345 / 100)
    assert sorted(snap.images["digest"]) == sorted(digests)
    assert len(snap.manifests) == n and (snap.manifests["kind"] == "image").all()
    st = repository_storage(snap).iloc[0]
    assert st["unique_bytes"] == n * 1 + 100 + sum(range(n))
    assert (snap.images["tags"].map(len) == 0).sum() == (n + 1) // 2


def test_the_cache_makes_a_second_run_fetch_no_manifest(ecr, tmp_path):
    ecr.create_repository(repositoryName="app")
    a = image_manifest(("c1", 1), [("x", 10)])
    b = image_manifest(("c2", 1), [("y", 10)])
    push(ecr, "app", a, "v1")
    push(ecr, "app", index_manifest([(a, "linux/amd64")]), "multi")
    first = ecrcost.collect(regions=[R])
    assert first.meta["api_calls"]["ecr:BatchGetImage"] == 1
    second = ecrcost.collect(regions=[R])
    assert "ecr:BatchGetImage" not in second.meta["api_calls"]
    for name in ("manifests", "blobs", "children"):
        assert getattr(second, name).equals(getattr(first, name))
    push(ecr, "app", b, "v2")
    third = ecrcost.collect(regions=[R])
    assert third.meta["api_calls"]["ecr:BatchGetImage"] == 1 and len(third.manifests) == 3
    assert ecrcost.collect(regions=[R], use_cache=False).meta["api_calls"]["ecr:BatchGetImage"] == 1
    elsewhere = ecrcost.collect(regions=[R], cache_dir=str(tmp_path / "other"))
    assert elsewhere.meta["api_calls"]["ecr:BatchGetImage"] == 1
    assert (tmp_path / "other" / "manifests.sqlite").is_file()


def test_index_children_not_listed_are_fetched_too(ecr):
    ecr.create_repository(repositoryName="multi")
    arm = image_manifest(("c-arm", 1), [("arm", 70)], OCI)
    amd = image_manifest(("c-amd", 1), [("amd", 90)], OCI)
    d_arm, d_amd = push(ecr, "multi", arm), push(ecr, "multi", amd)
    d_ix = push(
        ecr, "multi", index_manifest([(arm, "linux/arm64"), (amd, "linux/amd64")], OCI_INDEX), "v1"
    )
    session = boto3.Session()

    def hide_children(parsed, model, **kw):  # DescribeImages lists only the index
        parsed["imageDetails"] = [
            d for d in parsed.get("imageDetails", []) if d["imageDigest"] == d_ix
        ]

    session.events.register("after-call.ecr.DescribeImages", hide_children)
    snap = ecrcost.collect(regions=[R], session=session)
    assert list(snap.images["digest"]) == [d_ix]
    assert snap.meta["api_calls"]["ecr:BatchGetImage"] == 2  # the index, then its children
    assert set(snap.manifests["digest"]) == {d_ix, d_arm, d_amd}
    assert repository_storage(snap).iloc[0]["unique_bytes"] == 1 + 70 + 1 + 90


def test_unparsed_manifest_is_recorded_not_fatal(ecr):
    ecr.create_repository(repositoryName="old")
    text = '{"schemaVersion": 1, "mediaType": "application/vnd.docker.distribution.manifest.v1+json", "fsLayers": []}'
    d = push(ecr, "old", text, "v1")
    snap = ecrcost.collect(regions=[R])
    m = snap.manifests.set_index("digest").loc[d]
    assert m["kind"] == "unparsed" and "unsupported" in m["error"]
    assert snap.meta["targets"][0]["status"] == "ok"


def test_no_manifests_skips_batch_get_image(ecr):
    ecr.create_repository(repositoryName="app")
    push(ecr, "app", image_manifest(("c", 1), [("x", 10)]), "v1")
    snap = ecrcost.collect(regions=[R], manifests=False)
    assert "ecr:BatchGetImage" not in snap.meta["api_calls"]
    assert len(snap.images) == 1 and len(snap.manifests) == 0
    assert snap.meta["settings"]["manifests"] is False


def test_serial_and_concurrent_runs_agree(ecr):
    for r in range(5):
        ecr.create_repository(repositoryName=f"repo-{r}")
        for i in range(3):
            push(
                ecr,
                f"repo-{r}",
                image_manifest((f"c{r}{i}", 1), [("base", 100), (f"l{r}{i}", 10 * i)]),
                f"v{i}",
            )
    serial = ecrcost.collect(regions=[R], workers=1, use_cache=False)
    parallel = ecrcost.collect(regions=[R], workers=8, use_cache=False)
    for name, df in serial.tables().items():
        assert df.equals(getattr(parallel, name)), name
    assert serial.meta["api_calls"] == parallel.meta["api_calls"]


def test_registry_settings_and_unknown_operations(ecr):
    ecr.put_replication_configuration(
        replicationConfiguration={
            "rules": [{"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}]}]
        }
    )
    ecr.put_registry_policy(
        policyText='{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["ecr:ReplicateImage"],"Resource":"*"}]}'
    )
    snap = ecrcost.collect(regions=[R])
    (reg,) = snap.meta["registries"]
    assert reg["replication_rules"] == [
        {"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}]}
    ]
    assert reg["registry_policy"] is True
    # moto does not implement these two: "unknown", and the target is still ok
    assert reg["pull_through_cache_rules"] == "unknown" and reg["blob_mounting"] == "unknown"
    assert snap.meta["targets"][0]["status"] == "ok"


def test_every_call_made_is_in_the_documented_policy(ecr):
    from ecrcost.aws import COLLECT_ACTIONS

    ecr.create_repository(repositoryName="app")
    push(ecr, "app", image_manifest(("c", 1), [("x", 10)]), "v1")
    snap = ecrcost.collect(regions=[R], role_arns=["arn:aws:iam::123456789012:role/r"])
    used = set(snap.meta["api_calls"])
    assert used <= set(COLLECT_ACTIONS)
    assert len(used) >= 11


def test_bad_options(moto_aws):
    with pytest.raises(ecrcost.InputError, match="--workers"):
        ecrcost.collect(regions=[R], workers=0)
    with pytest.raises(ecrcost.InputError, match="--pull-days"):
        ecrcost.collect(regions=[R], pull_days=456)
    with pytest.raises(ecrcost.TargetError, match="unknown region"):
        ecrcost.collect(regions=["moon-1"])
    with pytest.raises(ecrcost.TargetError, match="invalid IAM role ARN"):
        ecrcost.collect(regions=[R], role_arns=["arn:aws:iam::1:role/x"])


def test_a_role_that_cannot_be_assumed_fails_its_account_only(ecr):
    good, bad = "arn:aws:iam::111111111111:role/reader", "arn:aws:iam::222222222222:role/reader"
    _account_ecr("111111111111").create_repository(repositoryName="svc")
    session = boto3.Session()

    def deny(params, **kw):
        if params.get("RoleArn") == bad:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not trusted"}}, "AssumeRole"
            )

    session.events.register("before-parameter-build.sts.AssumeRole", deny)
    snap = ecrcost.collect(regions=[R, "eu-west-1"], role_arns=[good, bad], session=session)
    status = {
        (t["account_id"], t["region"]): (t["status"], t["error"]) for t in snap.meta["targets"]
    }
    assert status[("111111111111", R)] == ("ok", None) and status[
        ("111111111111", "eu-west-1")
    ] == ("ok", None)
    for region in (R, "eu-west-1"):
        assert status[("222222222222", region)] == (
            "failed",
            "AssumeRole: AccessDenied: not trusted",
        )
    assert list(snap.repositories["account_id"]) == ["111111111111"]


def test_an_unreachable_endpoint_is_recorded_per_target(aws_env):
    roles = ["arn:aws:iam::111111111111:role/reader"]
    snap = ecrcost.collect(
        regions=[R], role_arns=roles, endpoint_url="http://127.0.0.1:9", pull_days=0
    )
    (target,) = snap.meta["targets"]
    assert target["status"] == "failed" and target["error"].startswith("endpoint unreachable")


def test_unreachable_endpoint_for_own_account_is_a_clear_error(aws_env):
    with pytest.raises(ecrcost.AwsError, match="cannot tell which account"):
        ecrcost.collect(regions=[R], endpoint_url="http://127.0.0.1:9")


def test_progress_is_reported_until_every_task_is_done(ecr):
    for name in ("a1", "a2", "a3"):
        ecr.create_repository(repositoryName=name)
    seen, frozen = [], []

    def progress(done, total, label):
        seen.append((done, total))
        frozen.append(gc.get_freeze_count())

    ecrcost.collect(regions=[R], progress=progress)
    # 1 target + 5 registry settings + 3 repositories x (images + tags + 2 policies) + 1 pulls
    assert seen[-1] == (19, 19) and [d for d, _ in seen] == list(range(1, 20))
    # the run keeps the GC off the objects that were alive before it (process.heap_frozen)
    assert min(frozen) > 0 and gc.get_freeze_count() == 0


def test_a_repositorys_manifests_follow_its_image_list_on_the_same_worker(ecr):
    # the scheduler runs a task's first follow-up next on the same thread: DescribeImages, then
    # that repository's BatchGetImage, never queued behind every other repository's calls
    for r in range(6):
        ecr.create_repository(repositoryName=f"svc-{r}")
        push(ecr, f"svc-{r}", image_manifest((f"c{r}", 10), [(f"l{r}", 100)]), "v1")
    session = boto3.Session()
    threads: dict[tuple[str, str], set[int]] = {}

    def called(model, params, **kw):  # (the operation's parameters, before they are sent)
        if model.name in ("DescribeImages", "BatchGetImage"):
            key = (model.name, params["repositoryName"])
            threads.setdefault(key, set()).add(threading.get_ident())

    session.events.register("before-parameter-build.ecr.*", called)
    snap = ecrcost.collect(regions=[R], workers=4, session=session, pull_days=0)
    assert len(snap.manifests) == 6
    for r in range(6):
        listed, fetched = (
            threads[("DescribeImages", f"svc-{r}")],
            threads[("BatchGetImage", f"svc-{r}")],
        )
        assert len(listed) == 1 and listed == fetched


def test_every_registry_setting_has_a_reader():
    from ecrcost.collectors import registry

    assert tuple(registry._READERS) == registry.SETTINGS
    assert list(registry.unknown("1", R)) == ["account_id", "region", *registry.SETTINGS]


def test_an_unusable_cache_directory_is_a_clear_error(ecr, tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(ecrcost.InputError, match="--cache"):
        ecrcost.collect(regions=[R], cache_dir=str(not_a_dir))


def test_the_manifest_cache_commits_through_a_write_ahead_log(tmp_path):
    # one commit per BatchGetImage call: no fsync each (WAL, synced at checkpoints)
    from ecrcost.collectors.cache import ManifestCache

    cache = ManifestCache(tmp_path)
    cache.put_many({"sha256:a": ("application/json", "{}")})
    assert cache._db is not None
    assert cache._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert cache._db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    cache.close()
    again = ManifestCache(tmp_path)  # what was committed is there for the next run
    assert again.get_many(["sha256:a", "sha256:b"]) == {"sha256:a": ("application/json", "{}")}
    again.close()
