"""ECR repositories, images and manifests of one account-region (boto3 ECR client passed in).

Calls per region: ⌈repositories/1000⌉ DescribeRepositories. Per repository: ListTagsForResource,
GetLifecyclePolicy, GetRepositoryPolicy, ⌈images/1000⌉ DescribeImages (imageStatus ANY, so
archived images too) and ⌈manifests not yet cached/100⌉ BatchGetImage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from ..aws import call, error_code, pages
from .manifests import ACCEPTED_MEDIA_TYPES

#: BatchGetImage takes at most 100 image ids
BATCH = 100


class RepositoryGone(Exception):
    """The repository was deleted while it was being collected."""


def _gone(e: ClientError, repository: str) -> RepositoryGone | ClientError:
    return RepositoryGone(repository) if error_code(e) == "RepositoryNotFoundException" else e


def list_repositories(client: Any) -> list[dict[str, Any]]:
    """Every repository of the registry (DescribeRepositories Repository dicts)."""
    out: list[dict[str, Any]] = []
    for page in pages(client, "describe_repositories", maxResults=1000):
        out += page.get("repositories", [])
    return out


def repository_row(account_id: str, region: str, repo: dict[str, Any]) -> dict[str, Any]:
    """A row of the snapshot's `repositories` table from a DescribeRepositories entry."""
    enc = repo.get("encryptionConfiguration") or {}
    scan = repo.get("imageScanningConfiguration") or {}
    return {
        "account_id": account_id,
        "region": region,
        "repository": repo["repositoryName"],
        "arn": repo.get("repositoryArn"),
        "created_at": repo.get("createdAt"),
        "tag_mutability": repo.get("imageTagMutability"),
        "encryption_type": enc.get("encryptionType"),
        "kms_key": enc.get("kmsKey"),
        "scan_on_push": scan.get("scanOnPush"),
    }


#: the `repositories` columns read with one call each (ListTagsForResource, GetLifecyclePolicy,
#: GetRepositoryPolicy), so they can be fetched in parallel
DETAIL_COLUMNS = ("tags", "lifecycle_policy", "repository_policy")


def repository_detail(
    client: Any, repo: dict[str, Any], column: str
) -> tuple[dict[str, Any], list[str]]:
    """One of DETAIL_COLUMNS of one repository: tags, lifecycle policy or repository policy.

    Returns (columns for its `repositories` row, errors). A missing policy is <NA>; a call that
    fails (e.g. AccessDenied) leaves its column <NA> and adds an error. Raises `RepositoryGone`.
    """
    name = repo["repositoryName"]
    try:
        if column == "tags":
            resp = call(client.list_tags_for_resource, resourceArn=repo["repositoryArn"])
            tags = {t["Key"]: t["Value"] for t in resp.get("tags", [])}
            return {"tags": json.dumps(tags, sort_keys=True)}, []
        if column == "lifecycle_policy":
            resp = call(client.get_lifecycle_policy, repositoryName=name)
            return {column: resp.get("lifecyclePolicyText")}, []
        if column == "repository_policy":
            resp = call(client.get_repository_policy, repositoryName=name)
            return {column: resp.get("policyText")}, []
    except ClientError as e:
        code = error_code(e)
        if code in ("LifecyclePolicyNotFoundException", "RepositoryPolicyNotFoundException"):
            return {}, []
        gone = _gone(e, name)
        if isinstance(gone, RepositoryGone):
            raise gone from None
        message = e.response.get("Error", {}).get("Message", "")
        return {}, [f"{column}: {code}: {message}".rstrip(": ")]
    raise ValueError(f"unknown detail column {column!r}")


def describe_images(client: Any, repository: str) -> list[dict[str, Any]]:
    """Every image of `repository`, archived ones included (DescribeImages ImageDetail dicts)."""
    out: list[dict[str, Any]] = []
    try:
        for page in pages(
            client,
            "describe_images",
            repositoryName=repository,
            maxResults=1000,
            filter={"imageStatus": "ANY"},
        ):
            out += page.get("imageDetails", [])
    except ClientError as e:
        raise _gone(e, repository) from None
    return out


def image_row(account_id: str, region: str, d: dict[str, Any]) -> dict[str, Any]:
    """A row of the snapshot's `images` table from a DescribeImages ImageDetail."""
    return {
        "account_id": account_id,
        "region": region,
        "repository": d["repositoryName"],
        "digest": d["imageDigest"],
        "tags": list(d.get("imageTags") or []),
        "pushed_at": d.get("imagePushedAt"),
        "size_bytes": d.get("imageSizeInBytes"),
        "manifest_media_type": d.get("imageManifestMediaType"),
        "artifact_media_type": d.get("artifactMediaType"),
        "last_pull_at": d.get("lastRecordedPullTime"),
        "status": d.get("imageStatus") or "ACTIVE",
        "archived_at": d.get("lastArchivedAt"),
        "activated_at": d.get("lastActivatedAt"),
        "subject_digest": d.get("subjectManifestDigest"),
    }


def batch_get_manifests(
    client: Any, repository: str, digests: Iterable[str]
) -> tuple[dict[str, tuple[str | None, str]], dict[str, str]]:
    """Fetch manifests by digest, ≤100 per BatchGetImage call, accepting the four manifest types.

    Returns (found: digest -> (media_type, text), failed: digest -> "Code: reason"). A digest
    ECR does not return and does not explain is reported as "ImageNotFound". Raises `RepositoryGone`.
    """
    wanted = list(dict.fromkeys(digests))
    found: dict[str, tuple[str | None, str]] = {}
    failed: dict[str, str] = {}
    for i in range(0, len(wanted), BATCH):
        batch = wanted[i : i + BATCH]
        try:
            resp = call(
                client.batch_get_image,
                repositoryName=repository,
                imageIds=[{"imageDigest": d} for d in batch],
                acceptedMediaTypes=ACCEPTED_MEDIA_TYPES,
            )
        except ClientError as e:
            raise _gone(e, repository) from None
        for img in resp.get("images", []):
            digest = img.get("imageId", {}).get("imageDigest")
            if digest and img.get("imageManifest") is not None:
                found[digest] = (img.get("imageManifestMediaType"), img["imageManifest"])
        for f in resp.get("failures", []):
            digest = f.get("imageId", {}).get("imageDigest")
            if digest in batch and digest not in found:
                failed[digest] = f"{f.get('failureCode')}: {f.get('failureReason')}"
        for digest in batch:
            if digest not in found and digest not in failed:
                failed[digest] = "ImageNotFound: not returned by BatchGetImage"
    return found, failed
