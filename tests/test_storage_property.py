"""The DuckDB storage engine against a straightforward Python reference, on random blob graphs
(layers shared within and across repositories and registries, indexes, unknown manifests)."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecrcost.snapshot import Snapshot
from ecrcost.storage import image_storage, repository_storage

REGISTRIES = [("111111111111", "us-east-1"), ("111111111111", "eu-west-1"), ("2", "us-east-1")]


@st.composite
def graphs(draw):
    n_layers = draw(st.integers(1, 12))
    sizes = draw(st.lists(st.integers(0, 10**9), min_size=n_layers, max_size=n_layers))
    n_man = draw(st.integers(1, 10))
    manifests = {
        f"m{i}": draw(st.lists(st.integers(0, n_layers - 1), min_size=0, max_size=5))
        for i in range(n_man)
    }
    indexes = {
        f"x{i}": draw(st.lists(st.sampled_from(sorted(manifests)), min_size=1, max_size=3))
        for i in range(draw(st.integers(0, 3)))
    }
    images = []
    for _ in range(draw(st.integers(0, 25))):
        reg = draw(st.sampled_from(REGISTRIES))
        repo = draw(st.sampled_from(["a", "b", "c"]))
        digest = draw(st.sampled_from(sorted(manifests) + sorted(indexes) + ["u1", "u2"]))
        size = draw(st.one_of(st.none(), st.integers(0, 10**9))) if digest[0] == "u" else 1
        status = draw(st.sampled_from(["ACTIVE", "ARCHIVED"]))
        images.append((*reg, repo, digest, size, status))
    # one image per digest per repository, as in ECR
    seen, unique = set(), []
    for im in images:
        if im[:4] not in seen:
            seen.add(im[:4])
            unique.append(im)
    return sizes, manifests, indexes, unique


def build(sizes, manifests, indexes, images):
    blobs = [
        {
            "manifest_digest": m,
            "blob_digest": f"l{layer}",
            "size_bytes": sizes[layer],
            "kind": "layer",
        }
        for m, layers in manifests.items()
        for layer in layers
    ]
    mans = [{"digest": m, "kind": "image"} for m in manifests]
    mans += [{"digest": x, "kind": "index"} for x in indexes]
    children = [{"index_digest": x, "child_digest": c} for x, cs in indexes.items() for c in cs]
    imgs = [
        {
            "account_id": a,
            "region": r,
            "repository": repo,
            "digest": d,
            "size_bytes": s,
            "status": status,
            "tags": ["t"],
        }
        for a, r, repo, d, s, status in images
    ]
    return Snapshot.build(images=imgs, manifests=mans, blobs=blobs, children=children)


def reference(sizes, manifests, indexes, images, scope):
    """Per repository: unique, exclusive and archive bytes; per image: exclusive bytes (the
    definitions; a blob is in the archive class when every image of the repository referencing
    it is archived)."""

    def blobs_of(digest):
        if digest in indexes:
            return {b for c in indexes[digest] for b in manifests[c]}
        return set(manifests.get(digest, ()))

    repo_blobs, stand_in = defaultdict(set), defaultdict(float)
    active_blobs, archived_stand_in = defaultdict(set), defaultdict(float)
    for a, r, repo, d, s, status in images:
        repo_blobs[(a, r, repo)] |= blobs_of(d)
        if status != "ARCHIVED":
            active_blobs[(a, r, repo)] |= blobs_of(d)
        if d[0] == "u":
            stand_in[(a, r, repo)] += math.nan if s is None else s
            if status == "ARCHIVED":
                archived_stand_in[(a, r, repo)] += math.nan if s is None else s
    k = defaultdict(int)
    for (a, r, _), bs in repo_blobs.items():
        for b in bs:
            k[(a, r, b)] += 1
    repos = {}
    for key, bs in repo_blobs.items():
        a, r, _ = key
        share = {b: sizes[b] / (1 if scope == "repository" else k[(a, r, b)]) for b in bs}
        unique = float(sum(share.values()))
        if scope == "repository":
            exclusive = unique
        else:
            exclusive = float(sum(sizes[b] for b in bs if k[(a, r, b)] == 1))
        archive = float(sum(share[b] for b in bs - active_blobs[key]))
        repos[key] = (
            unique + stand_in[key],
            exclusive + stand_in[key],
            # an unknown stand-in makes every byte figure of its repository unknown
            archive + archived_stand_in[key] + 0 * stand_in[key],
        )
    refs = defaultdict(int)
    group = (lambda im: im[:3]) if scope == "repository" else (lambda im: im[:2])
    for im in images:
        for b in blobs_of(im[3]):
            refs[(group(im), b)] += 1
    per_image = []
    for im in images:
        if im[3][0] == "u":
            per_image.append(math.nan if im[4] is None else float(im[4]))
        else:
            per_image.append(
                float(sum(sizes[b] for b in blobs_of(im[3]) if refs[(group(im), b)] == 1))
            )
    return repos, per_image


def close(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("scope", ["repository", "registry"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(g=graphs())
def test_engine_matches_the_reference(scope, g):
    snap = build(*g)
    want_repos, want_images = reference(*g, scope)
    got = repository_storage(snap, scope=scope)
    assert len(got) == len(want_repos)
    for row in got.itertuples(index=False):
        unique, exclusive, archive = want_repos[(row.account_id, row.region, row.repository)]
        assert close(row.unique_bytes, unique), (row, unique)
        assert close(row.exclusive_bytes, exclusive), (row, exclusive)
        assert close(row.archive_bytes, archive), (row, archive)
    imgs = image_storage(snap, scope=scope)
    for got_x, want_x in zip(imgs["exclusive_bytes"].astype(float), want_images, strict=True):
        assert close(got_x, want_x)
