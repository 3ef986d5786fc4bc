"""`synthetic_snapshot`: a vectorised synthetic Snapshot at benchmark scale (10^6 images).

Its digests are well-formed random sha256 digests (there are no manifest bytes to hash at that
scale); see the package docstring for the registry shape it models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..snapshot import Snapshot, new_meta
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
