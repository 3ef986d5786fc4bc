"""Pagination and batching edge cases with botocore's Stubber (no emulator: exact requests)."""

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from ecrcost.aws import Aws, pages
from ecrcost.collectors import ecr as ecr_mod
from ecrcost.collectors import metrics
from ecrcost.collectors.manifests import ACCEPTED_MEDIA_TYPES

D = ["sha256:" + f"{i:064x}" for i in range(260)]


@pytest.fixture
def aws(aws_env):
    return Aws()


def detail(digest):
    return {
        "repositoryName": "app",
        "imageDigest": digest,
        "imagePushedAt": datetime(2026, 1, 1, tzinfo=UTC),
    }


def di_params(token=None):
    p = {"repositoryName": "app", "maxResults": 1000, "filter": {"imageStatus": "ANY"}}
    return dict(p, nextToken=token) if token else p


def test_describe_images_follows_every_token_including_an_empty_middle_page(aws):
    client = aws.client("ecr", "us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "describe_images",
            {"imageDetails": [detail(D[0]), detail(D[1])], "nextToken": "t1"},
            di_params(),
        )
        stub.add_response(
            "describe_images", {"imageDetails": [], "nextToken": "t2"}, di_params("t1")
        )
        stub.add_response("describe_images", {"imageDetails": [detail(D[2])]}, di_params("t2"))
        got = ecr_mod.describe_images(client, "app")
        stub.assert_no_pending_responses()
    assert [d["imageDigest"] for d in got] == D[:3]


def test_a_throttled_page_is_retried_not_lost(aws):
    client = aws.client("ecr", "us-east-1")
    slept = []
    with Stubber(client) as stub:
        stub.add_response(
            "describe_images", {"imageDetails": [detail(D[0])], "nextToken": "t1"}, di_params()
        )
        stub.add_client_error(
            "describe_images",
            "ThrottlingException",
            "Rate exceeded",
            expected_params=di_params("t1"),
        )
        stub.add_client_error(
            "describe_images",
            "ThrottlingException",
            "Rate exceeded",
            expected_params=di_params("t1"),
        )
        stub.add_response("describe_images", {"imageDetails": [detail(D[1])]}, di_params("t1"))
        items = [
            d
            for page in pages(client, "describe_images", sleep=slept.append, **di_params())
            for d in page["imageDetails"]
        ]
        stub.assert_no_pending_responses()
    assert [d["imageDigest"] for d in items] == D[:2]
    assert len(slept) == 2 and 1 <= slept[0] <= 2 and 2 <= slept[1] <= 4


def test_throttling_that_never_clears_raises(aws):
    client = aws.client("ecr", "us-east-1")
    with Stubber(client) as stub:
        for _ in range(4):
            stub.add_client_error("describe_repositories", "ThrottlingException", "Rate exceeded")
        with pytest.raises(ClientError, match="ThrottlingException"):
            list(pages(client, "describe_repositories", sleep=lambda s: None, maxResults=1000))
        stub.assert_no_pending_responses()


def test_other_errors_are_not_retried(aws):
    client = aws.client("ecr", "us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("describe_repositories", "AccessDeniedException", "no")
        with pytest.raises(ClientError, match="AccessDenied"):
            list(pages(client, "describe_repositories", sleep=lambda s: None))
        stub.assert_no_pending_responses()


def test_a_repeated_token_stops_instead_of_looping(aws):
    client = aws.client("ecr", "us-east-1")
    with Stubber(client) as stub:
        stub.add_response("describe_repositories", {"repositories": [], "nextToken": "same"})
        stub.add_response("describe_repositories", {"repositories": [], "nextToken": "same"})
        with pytest.raises(RuntimeError, match="same nextToken twice"):
            list(pages(client, "describe_repositories"))


def test_describe_repositories_pages(aws):
    client = aws.client("ecr", "us-east-1")
    repo = {"repositoryName": "r1", "repositoryArn": "arn:aws:ecr:us-east-1:1:repository/r1"}
    with Stubber(client) as stub:
        stub.add_response(
            "describe_repositories",
            {"repositories": [repo], "nextToken": "n"},
            {"maxResults": 1000},
        )
        stub.add_response(
            "describe_repositories",
            {"repositories": [dict(repo, repositoryName="r2")]},
            {"maxResults": 1000, "nextToken": "n"},
        )
        assert [r["repositoryName"] for r in ecr_mod.list_repositories(client)] == ["r1", "r2"]


def test_batch_get_image_batches_of_100_with_all_four_media_types(aws):
    client = aws.client("ecr", "us-east-1")
    wanted = D[:250]
    with Stubber(client) as stub:
        for lo, hi in [(0, 100), (100, 200), (200, 250)]:
            images = [
                {
                    "imageId": {"imageDigest": d},
                    "imageManifest": "{}",
                    "imageManifestMediaType": "x",
                }
                for d in wanted[lo:hi]
                if d != D[7]
            ]
            failures = (
                [
                    {
                        "imageId": {"imageDigest": D[7]},
                        "failureCode": "UnsupportedImageType",
                        "failureReason": "schema 1",
                    }
                ]
                if lo == 0
                else []
            )
            stub.add_response(
                "batch_get_image",
                {"images": images, "failures": failures},
                {
                    "repositoryName": "app",
                    "imageIds": [{"imageDigest": d} for d in wanted[lo:hi]],
                    "acceptedMediaTypes": ACCEPTED_MEDIA_TYPES,
                },
            )
        found, failed = ecr_mod.batch_get_manifests(client, "app", wanted + [D[0]])  # a duplicate
        stub.assert_no_pending_responses()
    assert len(found) == 249 and failed == {D[7]: "UnsupportedImageType: schema 1"}
    assert set(ACCEPTED_MEDIA_TYPES) == {
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    }


def test_batch_get_image_omissions_are_image_not_found(aws):
    client = aws.client("ecr", "us-east-1")
    with Stubber(client) as stub:
        stub.add_response("batch_get_image", {"images": [], "failures": []}, None)
        found, failed = ecr_mod.batch_get_manifests(client, "app", [D[0]])
    assert found == {} and failed[D[0]].startswith("ImageNotFound")


def test_get_metric_data_uses_500_queries_per_call_and_follows_tokens(aws):
    client = aws.client("cloudwatch", "us-east-1")
    repos = [f"repo-{i:03d}" for i in range(501)]
    now = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)
    start, end = datetime(2026, 11, 21, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)
    day = datetime(2026, 11, 25, tzinfo=UTC)

    def params(n, token=None):
        p = {
            "MetricDataQueries": ANY,
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        return dict(p, NextToken=token) if token else p

    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [{"Id": "r0", "Timestamps": [day], "Values": [3.0]}],
                "NextToken": "more",
            },
            params(500),
        )
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    {"Id": "r0", "Timestamps": [day], "Values": [4.0]},
                    {"Id": "r499", "Timestamps": [day], "Values": [1.0]},
                ]
            },
            params(500, "more"),
        )
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [{"Id": "r0", "Timestamps": [day], "Values": [9.0]}]},
            params(1),
        )
        sizes = []
        client.meta.events.register(
            "provide-client-params.cloudwatch.GetMetricData",
            lambda params, **kw: sizes.append(len(params["MetricDataQueries"])),
        )
        rows = metrics.collect_pulls(client, "1", "us-east-1", repos, days=7, now=now)
        stub.assert_no_pending_responses()
    assert sizes == [500, 500, 1]
    got = {(r["repository"], r["pulls"]) for r in rows}
    assert got == {("repo-000", 7.0), ("repo-499", 1.0), ("repo-500", 9.0)}
    assert all(r["date"] == day for r in rows)


def test_a_pull_datapoint_counts_on_its_utc_day():
    from datetime import timedelta, timezone

    from ecrcost.collectors.metrics import _utc_day

    tokyo = timezone(timedelta(hours=9))
    utc = datetime(2026, 3, 1, tzinfo=UTC)
    assert _utc_day(datetime(2026, 3, 2, 8, 59, tzinfo=tokyo)) == utc  # 23:59 UTC on the 1st
    assert _utc_day(datetime(2026, 3, 2, 9, 0, tzinfo=tokyo)) == utc + timedelta(days=1)
    assert _utc_day(datetime(2026, 3, 1, 17, 30)) == utc  # naive: taken as UTC
