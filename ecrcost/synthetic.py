"""Realistic synthetic registries: for the demo, the tests and the benchmarks.

Two generators, both seeded and deterministic (the same arguments give the same digests):

- `synthetic_snapshot(images=1_000_000, repositories=2_000, seed=0)` writes a `Snapshot`
  directly, vectorised with numpy, for benchmarks: a million images and ~5 million
  manifest->blob edges in 8-15 s on 2 cores (`bench/demo.py`). Its digests are well-formed random sha256 digests (there are no
  manifest bytes to hash at that scale).
- `synthetic_organization(size="default", seed=0)` models a small, realistic organization (see
  `Organization`): accounts x regions, repositories with tags and lifecycle policies, images with
  real manifests whose digests are the sha256 of the exact manifest bytes, CloudWatch pull counts,
  a replication configuration and a traffic profile. The same model is written to a snapshot
  (`Organization.to_snapshot()`) or seeded into an AWS emulator (`ecrcost.demo`).

Both share the same shape of a registry: a few popular base layers and language runtimes shared
across repositories, per-service dependency layers shared within a repository, one application
layer per build, CI churn (many builds a day on some repositories), untagged leftovers, multi-arch
indexes whose children are untagged images of the same repository, archived images and a few huge
ML images. Sizes are compressed bytes, as ECR reports them.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .snapshot import Snapshot, new_meta

#: the fixed "now" of synthetic data, so the same seed always gives the same snapshot
DEFAULT_NOW = pd.Timestamp("2026-11-01T00:00:00Z")

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

DEFAULT_ACCOUNTS = ("111111111111", "222222222222")
DEFAULT_REGIONS = ("us-east-1", "eu-west-1")

#: byte value -> its two lowercase hex characters, as one uint16 in native byte order
_HEX_PAIRS = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype=np.uint16)
_NS_PER_DAY = 86_400 * 10**9


# ---- vectorised helpers --------------------------------------------------------------------------
def random_digests(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` random "sha256:<64 hex>" digests as a fixed-width bytes array (numpy dtype S71).

    Distinct with overwhelming probability; gather rows with numpy indexing, then turn them into
    a string Series with `digest_series` (no Python string objects, so millions take a moment).
    """
    raw = np.frombuffer(rng.bytes(n * 32), dtype=np.uint8).reshape(n, 32)
    buf = np.empty((n, 71), dtype=np.uint8)
    buf[:, :7] = np.frombuffer(b"sha256:", dtype=np.uint8)
    buf[:, 7:].view(np.uint16)[:] = _HEX_PAIRS[raw]
    return buf.view("S71").reshape(n)


def digest_series(digests: np.ndarray) -> pd.Series:
    """A pandas string Series from an S71 array made by `random_digests`."""
    n = len(digests)
    data = np.ascontiguousarray(digests).view(np.uint8)
    offsets = np.arange(n + 1, dtype=np.int64) * 71
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    return pd.Series(pd.arrays.ArrowStringArray(arr), dtype="string")


def _categorical_strings(values: list[str], codes: np.ndarray) -> pd.Series:
    """A string Series of `values[codes]` (decoded by Arrow, no Python object per row)."""
    indices = pa.array(np.asarray(codes, dtype=np.int32))
    arr = pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.large_string())).cast(
        pa.large_string()
    )
    return pd.Series(pd.arrays.ArrowStringArray(arr), dtype="string")


def _timestamps(ns: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(ns, unit="ns", utc=True))


def _repo_names(n: int, rng: np.random.Generator) -> list[str]:
    teams = [
        "platform",
        "payments",
        "search",
        "data",
        "ml",
        "web",
        "mobile",
        "infra",
        "identity",
        "growth",
    ]
    kinds = ["api", "worker", "web", "cron", "gateway", "consumer", "batch", "model", "proxy", "ui"]
    t = rng.integers(0, len(teams), n)
    k = rng.integers(0, len(kinds), n)
    return [f"{teams[t[i]]}/{kinds[k[i]]}-{i:04d}" for i in range(n)]


# ---- the benchmark-scale generator ---------------------------------------------------------------
def synthetic_snapshot(
    images: int = 1_000_000,
    repositories: int = 2_000,
    seed: int = 0,
    *,
    accounts: tuple[str, ...] | list[str] = DEFAULT_ACCOUNTS,
    regions: tuple[str, ...] | list[str] = DEFAULT_REGIONS,
    edges_per_image: float = 5.0,
    index_share: float = 0.05,
    untagged_share: float = 0.2,
    archived_share: float = 0.03,
    pull_days: int = 30,
    now: pd.Timestamp | str = DEFAULT_NOW,
) -> Snapshot:
    """A large, realistic snapshot generated directly (no emulator), for benchmarks and tests.

    - `images` image rows (DescribeImages rows) over `repositories` repositories spread over
      `accounts` x `regions`; repository sizes are skewed (a few CI-heavy repositories hold many
      images, some hold none).
    - about `edges_per_image` manifest->blob edges per image on average: one config blob per
      manifest, a base layer from 40 popular bases, a language runtime from 200, per-repository
      dependency layers (20 per repository) and one application layer per build.
    - `index_share` of the image rows belong to multi-arch groups: an index (tagged) and its two
      children linux/amd64 and linux/arm64 (untagged images of the same repository).
    - `untagged_share` of the single-platform images are untagged leftovers; `archived_share` of
      images are ARCHIVED. Two repositories in a hundred hold ML images with multi-GB layers.
    - daily CloudWatch pull counts over `pull_days` days for repositories that are pulled.

    Sizes are bytes (compressed); `size_bytes` of an image is its layer sum, of an index its
    largest child (as ECR reports). Digests are random but stable for a given seed.
    """
    if images < 0 or repositories < 1:
        raise ValueError("images must be >= 0 and repositories >= 1")
    rng = np.random.default_rng(seed)
    now = pd.Timestamp(now)
    now_ns = now.value
    targets = [(a, r) for a in accounts for r in regions]

    # ---- repositories --------------------------------------------------------------------------
    n_repos = repositories
    repo_target = np.arange(n_repos) % len(targets)
    repo_names = _repo_names(n_repos, rng)
    weights = rng.lognormal(0.0, 1.5, n_repos)  # CI churn: a few repositories get most builds
    weights[rng.random(n_repos) < 0.05] = 0.0  # some repositories are empty
    if weights.sum() == 0:
        weights[:] = 1.0
    weights /= weights.sum()
    ml_repo = rng.random(n_repos) < 0.02

    # ---- image rows: units of 1 (single image) or 3 (index + 2 children) ------------------------
    n_groups = int(images * index_share / 3)
    n_single = images - 3 * n_groups
    unit_size = np.concatenate([np.ones(n_single, np.int64), np.full(n_groups, 3, np.int64)])
    unit_size = unit_size[rng.permutation(len(unit_size))]
    unit_repo = np.sort(rng.choice(n_repos, size=len(unit_size), p=weights))
    row_repo = np.repeat(unit_repo, unit_size)
    unit_start = np.cumsum(unit_size) - unit_size
    offset = np.arange(images) - np.repeat(unit_start, unit_size)
    grouped = np.repeat(unit_size, unit_size) == 3
    role = np.where(~grouped, 0, np.where(offset == 0, 1, 2))  # 0 single, 1 index, 2 child
    is_index = role == 1
    is_manifest = ~is_index

    # ---- blobs of the manifests -----------------------------------------------------------------
    m_rows = np.flatnonzero(is_manifest)
    n_m = len(m_rows)
    lam = max(edges_per_image * images / max(n_m, 1) - 2.0, 0.0)
    n_layers = 1 + rng.poisson(lam, n_m)
    n_edges_m = n_layers + 1  # + config
    edge_m = np.repeat(np.arange(n_m), n_edges_m)
    edge_start = np.cumsum(n_edges_m) - n_edges_m
    pos = np.arange(len(edge_m)) - np.repeat(edge_start, n_edges_m)  # 0 = config, 1.. = layers
    last = pos == np.repeat(n_edges_m - 1, n_edges_m)
    repo_of_edge = row_repo[m_rows][edge_m]

    n_base, n_runtime, n_deps = 40, 200, 20
    n_shared = n_base + n_runtime + n_repos * n_deps
    kind_config = pos == 0
    own = kind_config | last  # config and the application layer: one blob per manifest
    n_own = int(own.sum())
    blob_id = np.empty(len(edge_m), dtype=np.int64)
    blob_id[own] = n_shared + np.arange(n_own)
    base = ~own & (pos == 1)
    blob_id[base] = np.minimum(rng.zipf(1.6, int(base.sum())) - 1, n_base - 1)
    runtime = ~own & (pos == 2)
    blob_id[runtime] = n_base + np.minimum(rng.zipf(1.4, int(runtime.sum())) - 1, n_runtime - 1)
    dep = ~own & (pos > 2)
    blob_id[dep] = (
        n_base + n_runtime + repo_of_edge[dep] * n_deps + rng.integers(0, n_deps, int(dep.sum()))
    )
    n_blobs = n_shared + n_own

    blob_size = np.empty(n_blobs, dtype=np.int64)
    blob_size[:n_base] = rng.lognormal(np.log(30e6), 0.6, n_base)
    blob_size[n_base : n_base + n_runtime] = rng.lognormal(np.log(60e6), 0.7, n_runtime)
    deps = rng.lognormal(np.log(15e6), 1.0, n_repos * n_deps)
    deps *= np.repeat(np.where(ml_repo, 150.0, 1.0), n_deps)  # ML repositories: multi-GB layers
    blob_size[n_base + n_runtime : n_shared] = deps
    own_sizes = np.where(
        kind_config[own],
        rng.integers(1_500, 12_000, n_own),
        rng.lognormal(np.log(4e6), 1.0, n_own).astype(np.int64),
    )
    blob_size[n_shared:] = own_sizes
    blob_size = np.maximum(blob_size, 100)
    edge_size = blob_size[blob_id]

    blob_digests = random_digests(rng, n_blobs)
    manifest_digests = random_digests(
        rng, images
    )  # one per image row (each row a distinct manifest)

    # ---- image sizes ----------------------------------------------------------------------------
    layer_sum = np.bincount(edge_m, weights=np.where(kind_config, 0, edge_size), minlength=n_m)
    size = np.zeros(images, dtype=np.int64)
    size[m_rows] = layer_sum.astype(np.int64)
    idx_rows = np.flatnonzero(is_index)
    size[idx_rows] = np.maximum(size[idx_rows + 1], size[idx_rows + 2])

    # ---- times, tags, status --------------------------------------------------------------------
    age_ns = (rng.exponential(90.0, images) * _NS_PER_DAY).astype(np.int64)
    age_ns = np.minimum(age_ns, 3 * 365 * _NS_PER_DAY)
    age_ns[role == 2] = age_ns[
        np.flatnonzero(role == 2) - offset[role == 2]
    ]  # children with their index
    pushed = now_ns - age_ns - rng.integers(0, 3_600 * 10**9, images)
    pushed -= pushed % 10**9
    pulled = rng.random(images) < 0.6
    last_pull = pushed + ((now_ns - pushed) * rng.random(images)).astype(np.int64)
    last_pull -= last_pull % 10**9
    archived = (rng.random(images) < archived_share) & (age_ns > 30 * _NS_PER_DAY)
    archived[role == 2] = archived[np.flatnonzero(role == 2) - offset[role == 2]]
    untagged = (role == 2) | ((role == 0) & (rng.random(images) < untagged_share))
    build = rng.integers(1, 100_000, images)
    tags = [
        [] if u else [f"build-{b}"] for u, b in zip(untagged.tolist(), build.tolist(), strict=True)
    ]
    # the newest tagged image of each repository is also "latest"
    tagged_rows = np.flatnonzero(~untagged)
    if len(tagged_rows):
        order = np.lexsort((-pushed[tagged_rows], row_repo[tagged_rows]))
        first = np.r_[True, np.diff(row_repo[tagged_rows][order]) != 0]
        for r in tagged_rows[order][first].tolist():
            tags[r] = [*tags[r], "latest"]

    oci = rng.random(images) < 0.3
    media = np.where(is_index, np.where(oci, 1, 0), np.where(oci, 3, 2))
    media_values = [DOCKER_LIST, OCI_INDEX, DOCKER_MANIFEST, OCI_MANIFEST]
    acct = np.array([t[0] for t in targets])[repo_target]
    region = np.array([t[1] for t in targets])[repo_target]
    status = np.where(archived, 1, 0)
    nat = np.datetime64("NaT")

    image_df = pd.DataFrame(
        {
            "account_id": _categorical_strings(list(acct), row_repo),
            "region": _categorical_strings(list(region), row_repo),
            "repository": _categorical_strings(repo_names, row_repo),
            "digest": digest_series(manifest_digests),
            "tags": tags,
            "pushed_at": _timestamps(pushed),
            "size_bytes": pd.array(size, dtype="Int64"),
            "manifest_media_type": _categorical_strings(media_values, media),
            "artifact_media_type": _categorical_strings(
                [DOCKER_CONFIG, OCI_CONFIG, ""], np.where(is_index, 2, oci)
            ),
            "last_pull_at": _timestamps(np.where(pulled, last_pull, nat.astype("int64"))),
            "status": _categorical_strings(["ACTIVE", "ARCHIVED"], status),
            "archived_at": _timestamps(
                np.where(archived, pushed + 30 * _NS_PER_DAY, nat.astype("int64"))
            ),
        }
    )
    image_df["artifact_media_type"] = image_df["artifact_media_type"].mask(is_index)

    manifest_df = pd.DataFrame(
        {
            "digest": image_df["digest"],
            "media_type": image_df["manifest_media_type"],
            "kind": _categorical_strings(["image", "index"], is_index.astype(np.int64)),
        }
    )
    m_oci = oci[m_rows][edge_m]
    blob_media = np.where(kind_config, np.where(m_oci, 1, 0), np.where(m_oci, 3, 2))
    blob_df = pd.DataFrame(
        {
            "manifest_digest": digest_series(manifest_digests[m_rows[edge_m]]),
            "blob_digest": digest_series(blob_digests[blob_id]),
            "size_bytes": edge_size,
            "kind": _categorical_strings(["layer", "config"], kind_config.astype(np.int64)),
            "media_type": _categorical_strings(
                [DOCKER_CONFIG, OCI_CONFIG, DOCKER_LAYER, OCI_LAYER], blob_media
            ),
        }
    )
    child_rows = np.flatnonzero(role == 2)
    parent_rows = child_rows - offset[child_rows]
    child_df = pd.DataFrame(
        {
            "index_digest": digest_series(manifest_digests[parent_rows]),
            "child_digest": digest_series(manifest_digests[child_rows]),
            "platform": _categorical_strings(
                ["linux/amd64", "linux/arm64"], offset[child_rows] - 1
            ),
            "media_type": _categorical_strings(media_values, media[child_rows]),
            "size_bytes": pd.array(rng.integers(400, 2_000, len(child_rows)), dtype="Int64"),
        }
    )

    # ---- pulls: daily sums per pulled repository -------------------------------------------------
    rate = rng.lognormal(2.0, 2.0, n_repos) * (rng.random(n_repos) < 0.8)
    rate[~np.isin(np.arange(n_repos), unit_repo)] = 0.0  # nothing to pull from an empty repository
    pulled_repos = np.flatnonzero(rate > 0)
    day0 = (now - pd.Timedelta(days=pull_days)).normalize().value
    p_repo = np.repeat(pulled_repos, pull_days)
    p_day = np.tile(np.arange(pull_days), len(pulled_repos))
    counts = rng.poisson(rate[p_repo]).astype(float)
    keep = counts > 0  # CloudWatch has no datapoint for a day without pulls
    p_repo, p_day, counts = p_repo[keep], p_day[keep], counts[keep]
    pulls_df = pd.DataFrame(
        {
            "account_id": _categorical_strings(list(acct), p_repo),
            "region": _categorical_strings(list(region), p_repo),
            "repository": _categorical_strings(repo_names, p_repo),
            "date": _timestamps(day0 + p_day * _NS_PER_DAY),
            "pulls": counts,
        }
    )

    created = now_ns - (rng.uniform(100, 1500, n_repos) * _NS_PER_DAY).astype(np.int64)
    repo_df = pd.DataFrame(
        {
            "account_id": acct,
            "region": region,
            "repository": repo_names,
            "arn": [
                f"arn:aws:ecr:{region[i]}:{acct[i]}:repository/{repo_names[i]}"
                for i in range(n_repos)
            ],
            "created_at": _timestamps(created - created % 10**9),
            "tag_mutability": "MUTABLE",
            "encryption_type": "AES256",
            "scan_on_push": False,
            "tags": [f'{{"team": "{n.split("/")[0]}"}}' for n in repo_names],
        }
    )
    meta = new_meta(
        collected_at=now.isoformat(),
        pull_days=pull_days,
        targets=[
            {
                "account_id": a,
                "region": r,
                "status": "ok",
                "error": None,
                "errors": [],
                "role_arn": None,
            }
            for a, r in targets
        ],
        registries=[
            {
                "account_id": a,
                "region": r,
                "replication_rules": [],
                "registry_policy": False,
                "pull_through_cache_rules": [],
                "blob_mounting": "DISABLED",
            }
            for a, r in targets
        ],
        settings={"synthetic": {"images": images, "repositories": repositories, "seed": seed}},
    )
    return Snapshot.build(
        meta,
        repositories=repo_df,
        images=image_df,
        manifests=manifest_df,
        blobs=blob_df,
        children=child_df,
        pulls=pulls_df,
    )


# ---- the synthetic organization (demo, notebook, tests) -----------------------------------------

SIZES = ("small", "default")
ORG_ACCOUNTS = {"111111111111": "platform", "222222222222": "data"}
ORG_REGIONS = ("us-east-1", "eu-west-1")
READ_ROLE = "ecrcost-read"
MiB = 2**20
GiB = 2**30

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


def _digest_of(key: str) -> str:
    """A stable, realistic-looking blob digest for the synthetic blob named `key`."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


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
        from .collectors.manifests import parse_manifest

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
        targets = [
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


# -- the building blocks: public base images and language runtimes (per architecture) ------------
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
            self.blob(f"{key}:deps:{deps_version}:{arch}", r.lognormvariate(17.0, 0.8), layer_type)
        )
        if spec.model_gb:
            weights = int(spec.model_gb * GiB * (1 + 0.05 * deps_version))
            layers.append(self.blob(f"{key}:weights:{deps_version}", weights, layer_type))
        app = random.Random(f"{key}:app:{build}:{arch}").lognormvariate(15.0, 0.9)
        layers.append(self.blob(f"{key}:app:{build}:{arch}", app, layer_type))
        config = self.blob(
            f"{key}:config:{build}:{arch}", 2_000 + (build * 7919) % 9_000, config_type
        )
        doc = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
            "config": config.descriptor(),
            "layers": [b.descriptor() for b in layers],
        }
        return json.dumps(doc, indent=3), doc["mediaType"], sum(b.size for b in layers)

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
                            "platform": {"architecture": i.platform.split("/")[1], "os": "linux"},
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
