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

from .builder import synthetic_organization
from .bulk import (
    DEFAULT_ACCOUNTS,
    DEFAULT_REGIONS,
    digest_series,
    random_digests,
    synthetic_snapshot,
)
from .media import DEFAULT_NOW
from .organization import (
    ORG_ACCOUNTS,
    ORG_REGIONS,
    READ_ROLE,
    SIZES,
    TRAFFIC_PROFILE,
    Blob,
    Organization,
    SyntheticImage,
    SyntheticRepository,
)

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DEFAULT_NOW",
    "DEFAULT_REGIONS",
    "ORG_ACCOUNTS",
    "ORG_REGIONS",
    "READ_ROLE",
    "SIZES",
    "TRAFFIC_PROFILE",
    "Blob",
    "Organization",
    "SyntheticImage",
    "SyntheticRepository",
    "digest_series",
    "random_digests",
    "synthetic_organization",
    "synthetic_snapshot",
]
