"""The synthetic organization's model: blobs, images, repositories and `Organization`, which
writes itself as a Snapshot (`to_snapshot`) or is seeded into an AWS emulator (`ecrcost.demo`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..collectors.manifests import parse_manifest
from ..snapshot import Snapshot, new_meta
from ..units import GB

SIZES = ("small", "default")
ORG_ACCOUNTS = {"111111111111": "platform", "222222222222": "data"}
ORG_REGIONS = ("us-east-1", "eu-west-1")
READ_ROLE = "ecrcost-read"
MiB = 2**20
GiB = GB

#: the traffic profile of the organization (ARCHITECTURE.md contract): most pulls stay in the
#: region; the public CLI image is pulled from the internet; ML images are also pulled from GPU
#: clusters in another region.
TRAFFIC_PROFILE = """\
# Where the synthetic organization's pulled bytes go (shares of pulled bytes by destination).
[default]
same_region = 0.85
cross_region = 0.10
internet = 0.05
layer_cache_hit = 0.3

[[rule]]
repositories = "public/*"
same_region = 0.0
cross_region = 0.0
internet = 1.0
layer_cache_hit = 0.0

[[rule]]
repositories = ["ml/*", "data/*"]
same_region = 0.75
cross_region = 0.2
internet = 0.05
"""


@dataclass(frozen=True)
class Blob:
    """A config or layer blob: digest, compressed size in bytes, media type."""

    digest: str
    size: int
    media_type: str

    def descriptor(self) -> dict[str, Any]:
        return {"mediaType": self.media_type, "size": self.size, "digest": self.digest}


@dataclass
class SyntheticImage:
    """One image as DescribeImages shows it, with its exact manifest text.

    `digest` is the sha256 of the UTF-8 bytes of `manifest`. `size_bytes` is what real ECR reports
    (the layer sum; for an index the largest child). Times are UTC datetimes.
    """

    digest: str
    manifest: str
    media_type: str
    tags: list[str]
    pushed_at: datetime
    size_bytes: int
    artifact_media_type: str | None = None
    last_pull_at: datetime | None = None
    status: str = "ACTIVE"
    archived_at: datetime | None = None
    platform: str | None = None  # "linux/amd64" for a child of an index
    children: list[str] = field(default_factory=list)  # digests, for an index


@dataclass
class SyntheticRepository:
    """A repository: settings, resource tags, optional lifecycle policy, images and daily pulls."""

    account_id: str
    region: str
    name: str
    created_at: datetime
    tags: dict[str, str]
    lifecycle_policy: str | None = None
    tag_mutability: str = "MUTABLE"
    scan_on_push: bool = False
    encryption_type: str = "AES256"
    images: list[SyntheticImage] = field(default_factory=list)
    pulls: dict[datetime, float] = field(default_factory=dict)  # start of UTC day -> pulls that day

    @property
    def arn(self) -> str:
        return f"arn:aws:ecr:{self.region}:{self.account_id}:repository/{self.name}"


@dataclass
class Organization:
    """A synthetic AWS organization's ECR estate: the one model the demo seeds into the emulator
    and `to_snapshot()` writes directly.

    `accounts` maps account id -> name; every account is read through the role `role_arns()`.
    `replication` maps (account_id, region) -> ECR replicationConfiguration. `traffic_profile` is
    TOML text (write it with `write_traffic`). `now` is the organization's clock (UTC); pull
    counts cover the `pull_days` complete days before it.
    """

    accounts: dict[str, str]
    regions: tuple[str, ...]
    repositories: list[SyntheticRepository]
    replication: dict[tuple[str, str], dict[str, Any]]
    now: datetime
    pull_days: int
    traffic_profile: str = TRAFFIC_PROFILE
    seed: int = 0
    size: str = "default"

    def role_arns(self) -> list[str]:
        """The read-only role to assume in each account (what `collect(role_arns=...)` takes)."""
        return [f"arn:aws:iam::{a}:role/{READ_ROLE}" for a in self.accounts]

    @property
    def images(self) -> list[SyntheticImage]:
        return [i for r in self.repositories for i in r.images]

    def write_traffic(self, path: str | Path) -> Path:
        """Write the traffic profile TOML to `path`; return the path."""
        p = Path(path)
        p.write_text(self.traffic_profile)
        return p

    def pull_window(self) -> tuple[datetime, datetime]:
        """[start, end) of the pull counts: the `pull_days` complete UTC days before `now`."""
        end = self.now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return end - timedelta(days=self.pull_days), end

    def to_snapshot(self) -> Snapshot:
        """The snapshot a collection of this organization gives (manifests parsed by the
        collector's own parser, so both paths agree)."""
        repos, images, manifests, blobs, children, pulls = [], [], {}, [], [], []
        for r in self.repositories:
            repos.append(
                {
                    "account_id": r.account_id,
                    "region": r.region,
                    "repository": r.name,
                    "arn": r.arn,
                    "created_at": r.created_at,
                    "tag_mutability": r.tag_mutability,
                    "encryption_type": r.encryption_type,
                    "scan_on_push": r.scan_on_push,
                    "tags": json.dumps(r.tags, sort_keys=True),
                    "lifecycle_policy": r.lifecycle_policy,
                }
            )
            for i in r.images:
                images.append(
                    {
                        "account_id": r.account_id,
                        "region": r.region,
                        "repository": r.name,
                        "digest": i.digest,
                        "tags": list(i.tags),
                        "pushed_at": i.pushed_at,
                        "size_bytes": i.size_bytes,
                        "manifest_media_type": i.media_type,
                        "artifact_media_type": i.artifact_media_type,
                        "last_pull_at": i.last_pull_at,
                        "status": i.status,
                        "archived_at": i.archived_at,
                    }
                )
                if i.digest not in manifests:
                    m, b, c = parse_manifest(i.digest, i.media_type, i.manifest)
                    manifests[i.digest] = m
                    blobs += b
                    children += c
            start, end = self.pull_window()
            pulls += [
                {
                    "account_id": r.account_id,
                    "region": r.region,
                    "repository": r.name,
                    "date": day,
                    "pulls": n,
                }
                for day, n in sorted(r.pulls.items())
                if start <= day < end
            ]
        targets: list[dict[str, Any]] = [
            {
                "account_id": a,
                "region": g,
                "status": "ok",
                "error": None,
                "errors": [],
                "role_arn": f"arn:aws:iam::{a}:role/{READ_ROLE}",
            }
            for a in self.accounts
            for g in self.regions
        ]
        registries = [
            {
                "account_id": a,
                "region": g,
                "replication_rules": self.replication.get((a, g), {"rules": []})["rules"],
                "registry_policy": False,
                "pull_through_cache_rules": [],
                "blob_mounting": "DISABLED",
            }
            for a in self.accounts
            for g in self.regions
        ]
        meta = new_meta(
            collected_at=self.now.isoformat(timespec="seconds"),
            pull_days=self.pull_days,
            targets=targets,
            registries=registries,
            settings={"synthetic": {"size": self.size, "seed": self.seed}},
        )
        return Snapshot.build(
            meta,
            repositories=repos,
            images=images,
            manifests=list(manifests.values()),
            blobs=blobs,
            children=children,
            pulls=pulls,
        )
