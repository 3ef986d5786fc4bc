"""What runs: ECR images referenced by ECS tasks and services, Lambda functions and Amazon
Inspector's in-use counts, for `ecrcost collect --in-use` (read-only; clients passed in).

Calls per account-region:

- ECS: ListClusters; per cluster ListServices, DescribeServices (10 per call), ListTasks
  (desiredStatus RUNNING), DescribeTasks (100 per call); DescribeTaskDefinition once per distinct
  task definition of a service (current and every deployment) or running task. A running task's
  container reports the digest it runs (``imageDigest``); a task definition names an image by tag
  or digest.
- Lambda: ListFunctions; GetFunction for each function with ``PackageType: Image``
  (``Code.ResolvedImageUri`` carries the digest).
- Inspector: inspector2:ListCoverage filtered to ``AWS_ECR_CONTAINER_IMAGE`` (where Inspector is
  not enabled or not offered the state is "unknown", and only AccessDenied is an error); an image whose
  ``resourceMetadata.ecrImage.inUseCount`` is positive, or whose ``lastInUseAt`` is within
  `INSPECTOR_RECENT_DAYS`, is in use. Coverage listing ECR images means Inspector (enhanced)
  scanning is on for the account-region.

Each source that fails (AccessDenied, not enabled, not implemented by the endpoint) is an error
of the target (it becomes "partial"), never the end of the run. References name a registry
(account, region), a repository and a tag or digest; `resolve` turns tags into digests using the
snapshot's images. References to other registries (Docker Hub, ...) are ignored.
The IAM actions this needs are `ecrcost.aws.IN_USE_ACTIONS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

__all__ = ["IN_USE_ACTIONS", "collect_in_use", "parse_image_reference", "resolve"]

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import IN_USE_ACTIONS, call, describe_error, error_code, pages
from .registry import DENIED

#: Inspector: an image last in use this many days before collection still counts as in use
INSPECTOR_RECENT_DAYS = 7


_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
_ECR_ARN = re.compile(
    r"^arn:aws[a-z-]*:ecr:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):repository/"
    r"(?P<repo>.+)/(?P<digest>sha256:[0-9a-f]{64})$"
)


def parse_image_reference(ref: str) -> dict[str, Any] | None:
    """An ECR image URI -> {account_id, region, repository, tag, digest} (tag ``latest`` when
    neither is given); None for an image of another registry."""
    m = _ECR_IMAGE.match(ref.strip())
    if not m:
        return None
    tag, digest = m.group("tag"), m.group("digest")
    return {
        "account_id": m.group("account"),
        "region": m.group("region"),
        "repository": m.group("repo"),
        "tag": tag if tag or digest else "latest",
        "digest": digest,
    }


def collect_in_use(
    ecs: Any, lambda_: Any, inspector: Any, now: datetime
) -> tuple[list[dict[str, Any]], str, list[str]]:
    """(in-use reference rows, Inspector scanning "on" | "off" | "unknown", errors) of one
    account-region. Rows: account_id, region, repository, tag, digest, source, resource,
    reference, in_use_count, last_in_use_at (tags still unresolved; see `resolve`)."""
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for name, fn in (("ecs", lambda: _ecs(ecs)), ("lambda", lambda: _lambda(lambda_))):
        try:
            rows += fn()
        except Exception as e:  # noqa: BLE001 -- failures are data
            errors.append(f"in-use {name}: {describe_error(e)}")
    state = "unknown"
    try:
        found, state = _inspector(inspector, now)
        rows += found
    except ClientError as e:
        # Inspector not enabled / not offered by this endpoint: unknown, not a failure; a denied
        # call is reported so the run says what is missing
        if error_code(e) in DENIED:
            errors.append(f"in-use inspector: {describe_error(e)}")
    except (BotoCoreError, NotImplementedError):
        pass
    return rows, state, errors


def _row(ref: str, source: str, resource: str, digest: str | None = None) -> dict[str, Any] | None:
    p = parse_image_reference(ref)
    if p is None:
        return None
    if digest and not p["digest"]:
        p["digest"] = digest
    return dict(p, source=source, resource=resource, reference=ref)


def _chunks(items: list[str], n: int) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _ecs(client: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    clusters = [a for p in pages(client, "list_clusters") for a in p.get("clusterArns", [])]
    task_defs: dict[str, str] = {}  # task definition ARN -> the resource that uses it
    for cluster in clusters:
        services = [
            a
            for p in pages(client, "list_services", cluster=cluster)
            for a in p.get("serviceArns", [])
        ]
        for chunk in _chunks(services, 10):
            for s in call(client.describe_services, cluster=cluster, services=chunk).get(
                "services", []
            ):
                if s.get("status") == "INACTIVE":
                    continue
                arns = {s.get("taskDefinition")} | {
                    d.get("taskDefinition") for d in s.get("deployments", [])
                }
                for td in arns - {None}:
                    task_defs.setdefault(td, s.get("serviceArn", ""))
        tasks = [
            a
            for p in pages(client, "list_tasks", cluster=cluster, desiredStatus="RUNNING")
            for a in p.get("taskArns", [])
        ]
        for chunk in _chunks(tasks, 100):
            for t in call(client.describe_tasks, cluster=cluster, tasks=chunk).get("tasks", []):
                task_defs.setdefault(t.get("taskDefinitionArn", ""), t.get("taskArn", ""))
                for c in t.get("containers", []):
                    r = _row(c.get("image", ""), "ecs", t.get("taskArn", ""), c.get("imageDigest"))
                    if r:
                        rows.append(r)
    for td, user in task_defs.items():
        if not td:
            continue
        d = call(client.describe_task_definition, taskDefinition=td).get("taskDefinition", {})
        for c in d.get("containerDefinitions", []):
            r = _row(c.get("image", ""), "ecs", user)
            if r:
                rows.append(r)
    return rows


def _lambda(client: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    marker = None
    while True:
        page = call(client.list_functions, **({"Marker": marker} if marker else {}))
        for f in page.get("Functions", []):
            if f.get("PackageType") != "Image":
                continue
            code = call(client.get_function, FunctionName=f["FunctionArn"]).get("Code", {})
            # the digest Lambda pinned at deployment, and the image the function names (its tag
            # may have moved since): both are protected
            for ref in {code.get("ResolvedImageUri"), code.get("ImageUri")} - {None, ""}:
                r = _row(ref, "lambda", f["FunctionArn"])
                if r:
                    rows.append(r)
        marker = page.get("NextMarker")
        if not marker:
            return rows


def _inspector(client: Any, now: datetime) -> tuple[list[dict[str, Any]], str]:
    rows: list[dict[str, Any]] = []
    seen = 0
    recent = now - timedelta(days=INSPECTOR_RECENT_DAYS)
    crit = {"resourceType": [{"comparison": "EQUALS", "value": "AWS_ECR_CONTAINER_IMAGE"}]}
    for page in pages(client, "list_coverage", filterCriteria=crit):
        for res in page.get("coveredResources", []):
            if res.get("resourceType") != "AWS_ECR_CONTAINER_IMAGE":
                continue
            seen += 1
            meta = res.get("resourceMetadata", {})
            img = meta.get("ecrImage", {})
            count, last = img.get("inUseCount"), img.get("lastInUseAt")
            if not ((count or 0) > 0 or (last is not None and last >= recent)):
                continue
            m = _ECR_ARN.match(res.get("resourceId", ""))
            if not m:
                continue
            rows.append(
                {
                    "account_id": m.group("account"),
                    "region": m.group("region"),
                    "repository": meta.get("ecrRepository", {}).get("name") or m.group("repo"),
                    "tag": None,
                    "digest": m.group("digest"),
                    "source": "inspector",
                    "resource": res.get("resourceId"),
                    "reference": res.get("resourceId"),
                    "in_use_count": count,
                    "last_in_use_at": last,
                }
            )
    return rows, "on" if seen else "off"


def resolve(
    rows: list[dict[str, Any]], images: pd.DataFrame
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows of the snapshot's `in_use` table: tags resolved to digests with `images` (the
    snapshot's images table); (rows, notes for references that could not be resolved)."""
    if not rows:
        return [], []
    by_tag: dict[tuple[str, str, str, str], str] = {}
    for k, tags in zip(
        images[["account_id", "region", "repository", "digest"]].itertuples(index=False),
        images["tags"],
        strict=True,
    ):
        for t in tags:
            by_tag[(k[0], k[1], k[2], t)] = k[3]
    out, notes = [], []
    seen = set()
    for r in rows:
        digest = r.get("digest") or by_tag.get(
            (r["account_id"], r["region"], r["repository"], r.get("tag") or "")
        )
        if not digest:
            notes.append(
                f"{r['source']} {r['resource']}: {r['reference']} not found in the snapshot"
            )
            continue
        key = (r["account_id"], r["region"], r["repository"], digest, r["source"], r["resource"])
        if key in seen:
            continue
        seen.add(key)
        out.append(
            {
                "account_id": r["account_id"],
                "region": r["region"],
                "repository": r["repository"],
                "digest": digest,
                "source": r["source"],
                "resource": r["resource"],
                "reference": r["reference"],
                "in_use_count": r.get("in_use_count"),
                "last_in_use_at": r.get("last_in_use_at"),
            }
        )
    return out, notes
