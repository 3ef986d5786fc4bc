"""Small snapshots for lifecycle tests: one repository per call, images named by letter."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from ecrcost.snapshot import Snapshot

NOW = pd.Timestamp("2026-11-30T12:00:00Z")
ACCOUNT, REGION = "123456789012", "us-east-1"


def digest(name: str) -> str:
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def repo_snapshot(
    images: list[dict[str, Any]],
    repository: str = "app",
    policy: str | None = None,
    in_use: list[dict[str, Any]] | None = None,
    children: list[tuple[str, str]] = (),
    layer_size: int = 1000,
    shared: dict[str, list[str]] | None = None,
) -> Snapshot:
    """`images`: dicts with name, tags, pushed (days ago, float), optional pulled (days ago),
    status, archived (days ago), activated (days ago), subject (name), kind.
    Each image gets one config blob and one layer of its own (layer_size bytes) plus the layers
    named in `shared[name]`."""
    rows, manifests, blobs = [], [], []
    for im in images:
        d = digest(im["name"])

        def ago(k: str, im: dict[str, Any] = im) -> pd.Timestamp | None:
            return None if im.get(k) is None else NOW - pd.Timedelta(days=im[k])

        rows.append(
            {
                "account_id": ACCOUNT,
                "region": REGION,
                "repository": repository,
                "digest": d,
                "tags": list(im.get("tags", [])),
                "pushed_at": ago("pushed"),
                "size_bytes": layer_size + 100,
                "last_pull_at": ago("pulled"),
                "status": im.get("status", "ACTIVE"),
                "archived_at": ago("archived"),
                "activated_at": ago("activated"),
                "subject_digest": digest(im["subject"]) if im.get("subject") else None,
            }
        )
        kind = im.get("kind", "image")
        manifests.append({"digest": d, "media_type": "x", "kind": kind})
        if kind == "image":
            blobs.append(
                {
                    "manifest_digest": d,
                    "blob_digest": digest("cfg" + im["name"]),
                    "size_bytes": 100,
                    "kind": "config",
                    "media_type": "c",
                }
            )
            blobs.append(
                {
                    "manifest_digest": d,
                    "blob_digest": digest("layer" + im["name"]),
                    "size_bytes": layer_size,
                    "kind": "layer",
                    "media_type": "l",
                }
            )
            for s in (shared or {}).get(im["name"], []):
                blobs.append(
                    {
                        "manifest_digest": d,
                        "blob_digest": digest("shared" + s),
                        "size_bytes": layer_size,
                        "kind": "layer",
                        "media_type": "l",
                    }
                )
    repos = [
        {
            "account_id": ACCOUNT,
            "region": REGION,
            "repository": repository,
            "lifecycle_policy": policy,
            "images_complete": True,
        }
    ]
    ch = [{"index_digest": digest(i), "child_digest": digest(c)} for i, c in children]
    use = [
        {
            "account_id": ACCOUNT,
            "region": REGION,
            "repository": repository,
            "digest": digest(u["name"]),
            "source": u.get("source", "ecs"),
            "resource": u.get("resource", "arn:aws:ecs:task/x"),
        }
        for u in (in_use or [])
    ]
    meta = {"collected_at": NOW.isoformat(), "in_use": {"collected": in_use is not None}}
    return Snapshot.build(
        meta,
        repositories=repos,
        images=rows,
        manifests=manifests,
        blobs=blobs,
        children=ch,
        in_use=use,
    )


def expired(result: pd.DataFrame, images: list[dict[str, Any]], action: str = "expire") -> set[str]:
    names = {digest(im["name"]): im["name"] for im in images}
    return {names[d] for d in result.loc[result["action"] == action, "image_digest"]}


#: "expire untagged images pushed more than 30 days ago"
UNTAGGED_30 = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 30,
            },
            "action": {"type": "expire"},
        }
    ]
}
