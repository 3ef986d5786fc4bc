"""Hand-built snapshots for the report tests (fixed content, so golden files are stable).

Snapshot (collected 2026-11-28 06:00 UTC), two account-regions:

111111111111 / us-east-1
  app     lifecycle policy; m1 = base(1 GiB) + app1(200 MiB), tagged v1, pulled 2026-11-20;
          m2 = base + app2(300 MiB), tagged v2, pushed 2026-11-03, never pulled (too new to be stale);
          u1 = base + old(100 MiB), untagged, last pulled 2026-06-01 (stale)
  web     no lifecycle policy, resource tag team="<script>alert(1)</script>";
          w1 = web(50 MiB) tagged v1, pulled 2026-11-27
  multi   index ix (tagged) -> c1 (arm 700 MiB), c2 (amd 900 MiB), children untagged
  legacy  no lifecycle policy; l1 = legacy(400 MiB) tagged "=HYPERLINK(1)" (a formula) and
          "<script>alert(1)</script>",
          pushed 2024-01, never pulled
222222222222 / eu-west-1
  data    d1 = data(2 GiB), tagged, pushed 2026-11-02, pulled 2026-11-27

Baseline (collected 2026-10-28): app without m2 (so app grew), web, multi and legacy as now,
"retired" (removed since); "data" is absent (new).
"""

from __future__ import annotations

import json

from ecrcost.snapshot import Snapshot

A, B = "111111111111", "222222222222"
USE1, EUW1 = "us-east-1", "eu-west-1"
MiB = 2**20
XSS = "<script>alert(1)</script>"


def _img(account, region, repo, digest, tags, pushed, pulled=None, size=None):
    return {
        "account_id": account,
        "region": region,
        "repository": repo,
        "digest": digest,
        "tags": list(tags),
        "pushed_at": pushed,
        "last_pull_at": pulled,
        "size_bytes": size,
        "status": "ACTIVE",
        "manifest_media_type": "application/vnd.oci.image.manifest.v1+json",
    }


def _blobs(digest, layers):
    rows = [
        {
            "manifest_digest": digest,
            "blob_digest": f"sha256:cfg-{digest}",
            "size_bytes": 1000,
            "kind": "config",
            "media_type": "application/vnd.oci.image.config.v1+json",
        }
    ]
    rows += [
        {
            "manifest_digest": digest,
            "blob_digest": f"sha256:{name}",
            "size_bytes": size,
            "kind": "layer",
            "media_type": "application/vnd.oci.image.layer.v1.tar+gzip",
        }
        for name, size in layers
    ]
    return rows


def _repo(account, region, repo, lifecycle=True, tags="{}"):
    return {
        "account_id": account,
        "region": region,
        "repository": repo,
        "arn": f"arn:aws:ecr:{region}:{account}:repository/{repo}",
        "created_at": "2024-01-01T00:00:00Z",
        "tag_mutability": "MUTABLE",
        "encryption_type": "AES256",
        "scan_on_push": False,
        "tags": tags,
        "lifecycle_policy": '{"rules": []}' if lifecycle else None,
    }


LAYERS = {
    "m1": [("base", 1024 * MiB), ("app1", 200 * MiB)],
    "m2": [("base", 1024 * MiB), ("app2", 300 * MiB)],
    "u1": [("base", 1024 * MiB), ("old", 100 * MiB)],
    "w1": [("web", 50 * MiB)],
    "c1": [("l-arm", 700 * MiB)],
    "c2": [("l-amd", 900 * MiB)],
    "l1": [("legacy", 400 * MiB)],
    "d1": [("data", 2048 * MiB)],
    "r1": [("retired", 10 * MiB)],
}


def _size(d):
    return sum(s for _, s in LAYERS[d]) + 1000


def build(collected_at="2026-11-28T06:00:00+00:00", *, baseline=False, failed=False) -> Snapshot:
    """The report test snapshot (or its baseline of a month before)."""
    repos = [
        _repo(A, USE1, "app"),
        _repo(A, USE1, "web", False, json.dumps({"team": XSS})),
        _repo(A, USE1, "multi"),
        _repo(A, USE1, "legacy", False),
    ]
    images = [
        _img(
            A,
            USE1,
            "app",
            "m1",
            ["v1"],
            "2026-09-10T00:00:00Z",
            "2026-11-20T00:00:00Z",
            _size("m1"),
        ),
        _img(A, USE1, "app", "u1", [], "2026-03-05T00:00:00Z", "2026-06-01T00:00:00Z", _size("u1")),
        _img(
            A,
            USE1,
            "web",
            "w1",
            ["v1"],
            "2026-10-01T00:00:00Z",
            "2026-11-27T00:00:00Z",
            _size("w1"),
        ),
        _img(
            A,
            USE1,
            "multi",
            "ix",
            ["v1"],
            "2026-08-15T00:00:00Z",
            "2026-11-25T00:00:00Z",
            _size("c2"),
        ),
        _img(A, USE1, "multi", "c1", [], "2026-08-15T00:00:00Z", None, _size("c1")),
        _img(A, USE1, "multi", "c2", [], "2026-08-15T00:00:00Z", None, _size("c2")),
        _img(
            A,
            USE1,
            "legacy",
            "l1",
            ["=HYPERLINK(1)", XSS],
            "2024-01-15T00:00:00Z",
            None,
            _size("l1"),
        ),
    ]
    targets = [{"account_id": A, "region": USE1, "status": "ok", "error": None, "errors": []}]
    if baseline:
        repos.append(_repo(A, USE1, "retired"))
        images.append(
            _img(A, USE1, "retired", "r1", ["x"], "2025-05-01T00:00:00Z", None, _size("r1"))
        )
    else:
        images.append(_img(A, USE1, "app", "m2", ["v2"], "2026-11-03T00:00:00Z", None, _size("m2")))
        repos.append(_repo(B, EUW1, "data"))
        images.append(
            _img(
                B,
                EUW1,
                "data",
                "d1",
                ["2026.11"],
                "2026-11-02T00:00:00Z",
                "2026-11-27T00:00:00Z",
                _size("d1"),
            )
        )
        targets.append(
            {"account_id": B, "region": EUW1, "status": "ok", "error": None, "errors": []}
        )
    if failed:
        targets.append(
            {
                "account_id": B,
                "region": "ap-south-1",
                "status": "failed",
                "error": "AccessDeniedException: not authorized",
                "errors": [],
            }
        )
    digests = sorted({i["digest"] for i in images} - {"ix"})
    blobs = [b for d in digests for b in _blobs(d, LAYERS[d])]
    manifests = [
        {"digest": d, "media_type": "application/vnd.oci.image.manifest.v1+json", "kind": "image"}
        for d in digests
    ]
    manifests.append(
        {"digest": "ix", "media_type": "application/vnd.oci.image.index.v1+json", "kind": "index"}
    )
    children = [
        {"index_digest": "ix", "child_digest": "c1", "platform": "linux/arm64"},
        {"index_digest": "ix", "child_digest": "c2", "platform": "linux/amd64"},
    ]
    pulls = [
        {
            "account_id": A,
            "region": USE1,
            "repository": "app",
            "date": "2026-11-20T00:00:00Z",
            "pulls": 40.0,
        },
        {
            "account_id": A,
            "region": USE1,
            "repository": "web",
            "date": "2026-11-27T00:00:00Z",
            "pulls": 100.0,
        },
        {
            "account_id": A,
            "region": USE1,
            "repository": "multi",
            "date": "2026-11-25T00:00:00Z",
            "pulls": 10.0,
        },
    ]
    if not baseline:
        pulls.append(
            {
                "account_id": B,
                "region": EUW1,
                "repository": "data",
                "date": "2026-11-27T00:00:00Z",
                "pulls": 5.0,
            }
        )
    meta = {
        "collected_at": collected_at,
        "tool_version": "0.1.0",
        "targets": targets,
        "pull_days": 30,
    }
    return Snapshot.build(
        meta,
        repositories=repos,
        images=images,
        manifests=manifests,
        blobs=blobs,
        children=children,
        pulls=pulls,
    )


def baseline() -> Snapshot:
    """Last month's snapshot: app smaller (no m2), "retired" still there, "data" not yet."""
    return build("2026-10-28T06:00:00+00:00", baseline=True)
