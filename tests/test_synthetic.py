"""The synthetic registries: deterministic, schema-exact, and shaped like a real registry."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ecrcost.snapshot import SCHEMA, load_snapshot
from ecrcost.storage import image_storage, repository_storage
from ecrcost.synthetic import synthetic_snapshot

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@pytest.fixture(scope="module")
def big():
    return synthetic_snapshot(images=30_000, repositories=150, seed=7)


def test_snapshot_is_deterministic_per_seed():
    a = synthetic_snapshot(images=3_000, repositories=30, seed=1)
    b = synthetic_snapshot(images=3_000, repositories=30, seed=1)
    c = synthetic_snapshot(images=3_000, repositories=30, seed=2)
    for name in SCHEMA:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.images["digest"].tolist() == b.images["digest"].tolist()
    assert set(a.images["digest"]).isdisjoint(c.images["digest"])


def test_snapshot_follows_the_schema_and_round_trips(tmp_path, big):
    for name, columns in SCHEMA.items():
        df = getattr(big, name)
        assert list(df.columns) == list(columns)
        assert {c: str(t) for c, t in df.dtypes.items()} == {c: str(pd.Series(dtype=t).dtype) for c, t in columns.items()}
    back = load_snapshot(big.write(tmp_path / "snap"))
    pd.testing.assert_frame_equal(back.blobs, big.blobs)
    pd.testing.assert_frame_equal(back.images, big.images)


def test_snapshot_counts_and_structure(big):
    imgs, blobs, children, manifests = big.images, big.blobs, big.children, big.manifests
    assert len(imgs) == 30_000
    assert big.repositories["repository"].nunique() == 150
    assert 4.5 < len(blobs) / len(imgs) < 5.5  # ~5 manifest->blob edges per image
    assert imgs["digest"].map(DIGEST.match).all() and blobs["blob_digest"].map(DIGEST.match).all()
    assert imgs["digest"].is_unique and manifests["digest"].is_unique
    # every manifest has exactly one config blob; indexes have none and two children each
    kinds = manifests.set_index("digest")["kind"]
    configs = blobs[blobs["kind"] == "config"].groupby("manifest_digest").size()
    assert set(configs.index) == set(kinds[kinds == "image"].index) and (configs == 1).all()
    per_index = {d: sorted(g.tolist()) for d, g in children.groupby("index_digest")["platform"]}
    assert set(per_index) == set(kinds[kinds == "index"].index)
    assert all(p == ["linux/amd64", "linux/arm64"] for p in per_index.values())
    # children are untagged images of their index's repository
    child_rows = imgs.set_index("digest").loc[children["child_digest"]]
    parent_rows = imgs.set_index("digest").loc[children["index_digest"]]
    assert (child_rows["repository"].to_numpy() == parent_rows["repository"].to_numpy()).all()
    assert child_rows["tags"].map(len).eq(0).all()
    # shared base layers: some blobs are referenced by many repositories
    blob_repos = blobs.merge(imgs[["digest", "repository"]], left_on="manifest_digest", right_on="digest")
    assert blob_repos.groupby("blob_digest")["repository"].nunique().max() > 50
    # untagged leftovers, archived images, pulls, a few accounts and regions
    assert 0.1 < (imgs["tags"].map(len) == 0).mean() < 0.4
    assert (imgs["status"] == "ARCHIVED").sum() > 0
    assert imgs.loc[imgs["status"] == "ARCHIVED", "archived_at"].notna().all()
    assert big.pulls["pulls"].gt(0).all() and big.pulls["repository"].nunique() > 50
    assert imgs.groupby(["account_id", "region"]).ngroups == 4
    assert {t["status"] for t in big.meta["targets"]} == {"ok"}


def test_sizes_are_layer_sums_and_index_max_child(big):
    imgs, blobs = big.images, big.blobs
    layers = blobs[blobs["kind"] == "layer"].groupby("manifest_digest")["size_bytes"].sum()
    kinds = big.manifests.set_index("digest")["kind"]
    single = imgs[imgs["digest"].map(kinds) == "image"]
    assert (single["size_bytes"].astype("int64").to_numpy() == single["digest"].map(layers).to_numpy()).all()
    ch = big.children.assign(size=big.children["child_digest"].map(layers))
    biggest = ch.groupby("index_digest")["size"].max()
    idx = imgs[imgs["digest"].map(kinds) == "index"]
    assert (idx["size_bytes"].astype("int64").to_numpy() == idx["digest"].map(biggest).to_numpy()).all()


def test_deduplicated_storage_is_below_naive(big):
    r = repository_storage(big)
    assert r["unique_bytes"].sum() < r["naive_bytes"].sum()
    busy = r[r["images"] > 20]
    assert (busy["unique_bytes"] < busy["naive_bytes"]).all()
    # registry scope deduplicates across repositories too
    assert repository_storage(big, scope="registry")["unique_bytes"].sum() < r["unique_bytes"].sum()
    i = image_storage(big)
    assert (i["exclusive_bytes"] <= i["bytes"]).all()


def test_snapshot_rejects_nonsense():
    with pytest.raises(ValueError):
        synthetic_snapshot(images=10, repositories=0)
