"""`synthetic_organization`: builds a small, realistic `Organization` from seeded specs (base
images and runtimes shared across repositories, CI churn, untagged leftovers, multi-arch indexes,
archived and huge ML images)."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from .media import (
    DEFAULT_NOW,
    DOCKER_CONFIG,
    DOCKER_LAYER,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
)
from .organization import (
    ORG_ACCOUNTS,
    ORG_REGIONS,
    SIZES,
    Blob,
    GiB,
    MiB,
    Organization,
    SyntheticImage,
    SyntheticRepository,
)

# -- the building blocks: public base images and language runtimes (per architecture) ------------


def _digest_of(key: str) -> str:
    """A stable, realistic-looking blob digest for the synthetic blob named `key`."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


_BASES = {  # name -> layer sizes (compressed bytes)
    "debian-12": [49 * MiB],
    "ubuntu-24.04": [29 * MiB],
    "alpine-3.20": [3_600_000],
    "distroless": [2_100_000, 180_000],
    "cuda-12.4": [29 * MiB, 1_350 * MiB, 2_100 * MiB],
}
_RUNTIMES = {  # name -> (base, layer sizes)
    "python-3.12": ("debian-12", [3_400_000, 21 * MiB, 12 * MiB]),
    "node-20": ("debian-12", [4_100_000, 46 * MiB]),
    "openjdk-21": ("ubuntu-24.04", [17 * MiB, 158 * MiB]),
    "go-static": ("distroless", []),
    "dotnet-8": ("debian-12", [31 * MiB, 68 * MiB]),
    "nginx": ("alpine-3.20", [16 * MiB]),
    "pytorch-2.4": ("cuda-12.4", [1_900 * MiB, 420 * MiB]),
}
_TEAMS = {
    "111111111111": ["payments", "search", "web", "identity", "platform", "mobile", "public"],
    "222222222222": ["data", "ml", "analytics"],
}
_COMPONENTS = [
    "api",
    "worker",
    "gateway",
    "frontend",
    "scheduler",
    "consumer",
    "auth",
    "billing",
    "indexer",
    "notifier",
    "reports",
    "ingest",
    "etl",
    "feature-store",
    "exporter",
    "proxy",
]

_LIFECYCLE = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "description": "expire untagged images after 14 days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 14,
                },
                "action": {"type": "expire"},
            },
        ]
    },
    indent=2,
)


@dataclass
class _Spec:
    account_id: str
    region: str
    name: str
    runtime: str
    builds: int  # number of builds in the history
    days: int  # history length in days
    tagging: str  # "sha" | "moving" | "releases" | "ci"
    multiarch: bool
    lifecycle: bool
    archive_old: bool
    pulls_per_day: float
    model_gb: float = 0.0  # ML images: a model-weights layer of this many GiB


def _specs(rng: random.Random, size: str) -> list[_Spec]:
    """The organization's repositories; every feature appears at every size."""
    n_regular, n_ci = (10, 2) if size == "small" else (38, 5)
    specs: list[_Spec] = []
    names: set[str] = set()
    accounts = list(ORG_ACCOUNTS)

    def place(i: int) -> tuple[str, str]:  # spread over accounts x regions, most in us-east-1
        account = accounts[0] if i % 3 else accounts[1]
        region = ORG_REGIONS[0] if i % 4 else ORG_REGIONS[1]
        return account, region

    def name_for(account: str) -> str:
        while True:
            n = f"{rng.choice(_TEAMS[account])}/{rng.choice(_COMPONENTS)}"
            if n not in names and not n.startswith(("public/", "ml/")):
                names.add(n)
                return n

    plain_runtimes = ["python-3.12", "node-20", "openjdk-21", "go-static", "dotnet-8", "nginx"]
    for i in range(n_regular):
        account, region = place(i)
        specs.append(
            _Spec(
                account,
                region,
                name_for(account),
                rng.choice(plain_runtimes),
                builds=rng.randint(8, 60),
                days=rng.randint(60, 400),
                tagging=rng.choices(["sha", "moving", "releases"], [0.5, 0.2, 0.3])[0],
                multiarch=rng.random() < 0.2,
                lifecycle=rng.random() < 0.4,
                archive_old=rng.random() < 0.15,
                pulls_per_day=0.0 if rng.random() < 0.15 else rng.lognormvariate(3.5, 1.5),
            )
        )
    for _ in range(n_ci):  # CI churn: many builds a day, old builds left untagged
        specs.append(
            _Spec(
                accounts[0],
                ORG_REGIONS[0],
                name_for(accounts[0]),
                rng.choice(["node-20", "python-3.12"]),
                builds=rng.randint(50, 70) if size == "small" else rng.randint(330, 420),
                days=rng.randint(25, 40),
                tagging="ci",
                multiarch=False,
                lifecycle=False,
                archive_old=False,
                pulls_per_day=rng.lognormvariate(5.0, 0.8),
            )
        )
    # a public image pulled from the internet, multi-arch
    specs.append(
        _Spec(
            accounts[0],
            ORG_REGIONS[0],
            "public/cli",
            "go-static",
            builds=24,
            days=300,
            tagging="releases",
            multiarch=True,
            lifecycle=True,
            archive_old=True,
            pulls_per_day=2_500.0,
        )
    )
    # a few huge ML images
    ml = [("ml/llm-serving", 12, 9.5), ("ml/training", 18, 2.5)] + (
        [] if size == "small" else [("ml/embeddings", 9, 1.2)]
    )
    for name, builds, model_gb in ml:
        specs.append(
            _Spec(
                accounts[1],
                ORG_REGIONS[0],
                name,
                "pytorch-2.4",
                builds=builds,
                days=180,
                tagging="releases",
                multiarch=False,
                lifecycle=False,
                archive_old=name == "ml/training",
                pulls_per_day=rng.uniform(3, 12),
                model_gb=model_gb,
            )
        )
    return specs


class _Builder:
    """Builds the images of one repository from its spec (deterministic for a seed)."""

    def __init__(self, rng: random.Random, seed: int, now: datetime, pull_days: int) -> None:
        self.rng, self.seed, self.now, self.pull_days = rng, seed, now, pull_days

    def blob(self, key: str, size: int, media_type: str) -> Blob:
        return Blob(_digest_of(key), int(size), media_type)

    def manifest(
        self, spec: _Spec, build: int, arch: str, deps_version: int, oci: bool
    ) -> tuple[str, str, int]:
        """(manifest text, media type, layer sum) of one single-platform image."""
        layer_type, config_type = (OCI_LAYER, OCI_CONFIG) if oci else (DOCKER_LAYER, DOCKER_CONFIG)
        base, runtime_layers = _RUNTIMES[spec.runtime]
        layers = [
            self.blob(f"base:{base}:{arch}:{j}", s, layer_type) for j, s in enumerate(_BASES[base])
        ]
        layers += [
            self.blob(f"runtime:{spec.runtime}:{arch}:{j}", s, layer_type)
            for j, s in enumerate(runtime_layers)
        ]
        key = f"{self.seed}:{spec.account_id}:{spec.name}"
        r = random.Random(f"{key}:deps:{deps_version}")  # sizes stable per dependency version
        layers.append(
            self.blob(
                f"{key}:deps:{deps_version}:{arch}", int(r.lognormvariate(17.0, 0.8)), layer_type
            )
        )
        if spec.model_gb:
            weights = int(spec.model_gb * GiB * (1 + 0.05 * deps_version))
            layers.append(self.blob(f"{key}:weights:{deps_version}", weights, layer_type))
        app = int(random.Random(f"{key}:app:{build}:{arch}").lognormvariate(15.0, 0.9))
        layers.append(self.blob(f"{key}:app:{build}:{arch}", app, layer_type))
        config = self.blob(
            f"{key}:config:{build}:{arch}", 2_000 + (build * 7919) % 9_000, config_type
        )
        media_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
        doc = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": config.descriptor(),
            "layers": [b.descriptor() for b in layers],
        }
        return json.dumps(doc, indent=3), media_type, sum(b.size for b in layers)

    def repository(self, spec: _Spec) -> SyntheticRepository:
        rng, now = self.rng, self.now
        created = now - timedelta(
            days=spec.days + rng.randint(5, 200), seconds=rng.randint(0, 86_399)
        )
        team = spec.name.split("/")[0]
        repo = SyntheticRepository(
            spec.account_id,
            spec.region,
            spec.name,
            created.replace(microsecond=0),
            tags={
                "team": team,
                "env": rng.choice(["prod", "prod", "staging"]),
                "cost-center": f"cc-{100 + len(team) * 7}",
            },
            lifecycle_policy=_LIFECYCLE if spec.lifecycle else None,
            tag_mutability="IMMUTABLE"
            if spec.tagging == "sha" and rng.random() < 0.5
            else "MUTABLE",
            scan_on_push=rng.random() < 0.5,
            encryption_type=rng.choice(["AES256", "AES256", "KMS"]),
        )
        oci = rng.random() < 0.35
        deps_every = rng.randint(4, 25)
        times = sorted(
            now - timedelta(seconds=rng.uniform(600, spec.days * 86_400))
            for _ in range(spec.builds)
        )
        times = [t.replace(microsecond=0) for t in times]
        release = 0
        for b, pushed in enumerate(times):
            sha = hashlib.sha1(f"{self.seed}:{spec.name}:{b}".encode()).hexdigest()[:7]
            newest = b == len(times) - 1
            if spec.tagging == "sha":
                tags = [f"git-{sha}"]
            elif spec.tagging == "releases" and (b % 3 == 0 or newest):
                release += 1
                tags = [f"v1.{release // 10}.{release % 10}"]
            elif spec.tagging == "ci" and rng.random() < 0.6:
                tags = [f"pr-{1000 + b // 3}-{sha}"]  # pull-request builds keep their tag
            else:
                tags = []  # "moving"/"ci": only `latest` / `main`, which moved on to newer builds
            if newest:
                tags += ["latest"] if spec.tagging in ("sha", "releases") else ["latest", "main"]
            deps_version = b // deps_every
            archs = ["amd64", "arm64"] if spec.multiarch else ["amd64"]
            built = [(arch, *self.manifest(spec, b, arch, deps_version, oci)) for arch in archs]
            images = [
                SyntheticImage(
                    _digest_of_text(text),
                    text,
                    mt,
                    [] if spec.multiarch else list(tags),
                    pushed,
                    size,
                    artifact_media_type=OCI_CONFIG if oci else DOCKER_CONFIG,
                    platform=f"linux/{arch}" if spec.multiarch else None,
                )
                for arch, text, mt, size in built
            ]
            if spec.multiarch:
                index_type = OCI_INDEX if oci else DOCKER_LIST
                doc = {
                    "schemaVersion": 2,
                    "mediaType": index_type,
                    "manifests": [
                        {
                            "mediaType": i.media_type,
                            "size": len(i.manifest.encode()),
                            "digest": i.digest,
                            "platform": {
                                "architecture": str(i.platform).split("/")[1],
                                "os": "linux",
                            },
                        }
                        for i in images
                    ],
                }
                text = json.dumps(doc, indent=3)
                images.insert(
                    0,
                    SyntheticImage(
                        _digest_of_text(text),
                        text,
                        index_type,
                        list(tags),
                        pushed,
                        max(i.size_bytes for i in images),
                        children=[i.digest for i in images],
                    ),
                )
            age = (now - pushed).days
            if spec.lifecycle and not tags and age > 14:
                continue  # the lifecycle policy expired this untagged build (and its children)
            archived = spec.archive_old and bool(tags) and age > 120 and not newest
            for i in images:
                if archived:
                    i.status, i.archived_at = "ARCHIVED", pushed + timedelta(days=120)
                i.last_pull_at = self._last_pull(pushed, newest, spec.pulls_per_day, i.archived_at)
            repo.images += images
        # daily pulls from a generator of their own, so the clock changes only the pull counts
        pulls_rng = random.Random(f"{self.seed}:{spec.account_id}:{spec.name}:pulls")
        day = (now - timedelta(days=self.pull_days + 1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        while day < now:
            if spec.pulls_per_day > 0:
                n = max(0.0, round(pulls_rng.gauss(spec.pulls_per_day, spec.pulls_per_day * 0.3)))
                if day.weekday() >= 5:
                    n = round(n * 0.4)  # weekends are quieter
                if n > 0:
                    repo.pulls[day] = float(n)
            day += timedelta(days=1)
        return repo

    def _last_pull(
        self, pushed: datetime, newest: bool, rate: float, archived_at: datetime | None
    ) -> datetime | None:
        rng, now = self.rng, self.now
        if rate <= 0 or rng.random() < 0.25 and not newest:
            return None
        latest = archived_at or now
        if newest:
            return max(pushed, now - timedelta(hours=rng.uniform(1, 20))).replace(microsecond=0)
        span = (latest - pushed).total_seconds()
        return (pushed + timedelta(seconds=span * rng.random() ** 3)).replace(microsecond=0)


def _digest_of_text(text: str) -> str:
    """The OCI digest of a manifest: sha256 of its exact UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def synthetic_organization(
    size: str = "default", seed: int = 0, now: datetime | str | None = None, pull_days: int = 30
) -> Organization:
    """A realistic synthetic organization (see `Organization`), deterministic for (`size`, `seed`, `now`).

    `size`: "default" (2 accounts x 2 regions, 40+ repositories, 3,000+ images) or "small" (the
    same features, ~15 repositories, a few hundred images; for tests). `now`: the organization's
    clock (default `DEFAULT_NOW`; the demo passes the current time so that CloudWatch's window
    holds the pulls). Includes: shared base layers and runtimes, per-service dependency layers,
    CI churn, untagged leftovers, multi-arch indexes, archived images, huge ML images, pull
    counts, lifecycle policies on some repositories, resource tags, a replication rule
    (platform account, us-east-1 -> eu-west-1, `payments/` repositories) and a traffic profile.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, not {size!r}")
    clock = pd.Timestamp(now if now is not None else DEFAULT_NOW)
    clock = (
        (clock.tz_localize("UTC") if clock.tzinfo is None else clock.tz_convert("UTC"))
        .floor("s")
        .to_pydatetime()
    )
    rng = random.Random(f"ecrcost-synthetic:{size}:{seed}")
    builder = _Builder(rng, seed, clock, pull_days)
    repos = [builder.repository(spec) for spec in _specs(rng, size)]
    # replication: the platform account copies its payments/ repositories from us-east-1 to eu-west-1
    src_account, src, dst = list(ORG_ACCOUNTS)[0], ORG_REGIONS[0], ORG_REGIONS[1]
    rule = {
        "rules": [
            {
                "destinations": [{"region": dst, "registryId": src_account}],
                "repositoryFilters": [{"filter": "payments/", "filterType": "PREFIX_MATCH"}],
            }
        ]
    }
    for r in [
        r
        for r in repos
        if r.account_id == src_account and r.region == src and r.name.startswith("payments/")
    ]:
        if any(x.account_id == src_account and x.region == dst and x.name == r.name for x in repos):
            continue
        copy = SyntheticRepository(
            r.account_id,
            dst,
            r.name,
            r.created_at,
            dict(r.tags),
            r.lifecycle_policy,
            r.tag_mutability,
            r.scan_on_push,
            r.encryption_type,
            images=[
                SyntheticImage(
                    **{
                        **i.__dict__,
                        "tags": list(i.tags),
                        "children": list(i.children),
                        "pushed_at": i.pushed_at + timedelta(seconds=30),
                    }
                )
                for i in r.images
            ],
            pulls={d: round(n * 0.3) for d, n in r.pulls.items() if round(n * 0.3) > 0},
        )
        repos.append(copy)
    repos.sort(key=lambda r: (r.account_id, r.region, r.name))
    return Organization(
        accounts=dict(ORG_ACCOUNTS),
        regions=ORG_REGIONS,
        repositories=repos,
        replication={(src_account, src): rule},
        now=clock,
        pull_days=pull_days,
        seed=seed,
        size=size,
    )
