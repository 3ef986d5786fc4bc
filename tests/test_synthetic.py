"""The synthetic registries: deterministic, schema-exact, and shaped like a real registry."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest

from ecrcost.collectors.manifests import parse_manifest
from ecrcost.snapshot import SCHEMA, load_snapshot
from ecrcost.storage import image_storage, repository_storage
from ecrcost.synthetic import synthetic_organization, synthetic_snapshot
from ecrcost.traffic import load_traffic

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
        assert {c: str(t) for c, t in df.dtypes.items()} == {
            c: str(pd.Series(dtype=t).dtype) for c, t in columns.items()
        }
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
    blob_repos = blobs.merge(
        imgs[["digest", "repository"]], left_on="manifest_digest", right_on="digest"
    )
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
    assert (
        single["size_bytes"].astype("int64").to_numpy() == single["digest"].map(layers).to_numpy()
    ).all()
    ch = big.children.assign(size=big.children["child_digest"].map(layers))
    biggest = ch.groupby("index_digest")["size"].max()
    idx = imgs[imgs["digest"].map(kinds) == "index"]
    assert (
        idx["size_bytes"].astype("int64").to_numpy() == idx["digest"].map(biggest).to_numpy()
    ).all()


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


# ---- the synthetic organization --------------------------------------------------------------------


@pytest.fixture(scope="module")
def org():
    return synthetic_organization("default", seed=0)


@pytest.fixture(scope="module")
def org_snap(org):
    return org.to_snapshot()


def test_organization_is_deterministic():
    a, b = synthetic_organization("small", seed=3), synthetic_organization("small", seed=3)
    assert [i.digest for i in a.images] == [i.digest for i in b.images]
    assert [i.manifest for i in a.images] == [i.manifest for i in b.images]
    c = synthetic_organization("small", seed=4)
    assert {i.digest for i in a.images} != {i.digest for i in c.images}


def test_manifest_digests_are_sha256_of_the_manifest_bytes(org):
    for i in org.images:
        assert i.digest == "sha256:" + hashlib.sha256(i.manifest.encode("utf-8")).hexdigest()
        assert json.loads(i.manifest)["mediaType"] == i.media_type


def test_index_children_resolve_to_images_of_the_same_repository(org):
    indexes = 0
    for r in org.repositories:
        by_digest = {i.digest: i for i in r.images}
        for i in r.images:
            if i.children:
                indexes += 1
                doc = json.loads(i.manifest)
                assert [m["digest"] for m in doc["manifests"]] == i.children
                kids = [by_digest[d] for d in i.children]
                assert {k.platform for k in kids} == {"linux/amd64", "linux/arm64"}
                assert all(not k.tags for k in kids)
                assert i.size_bytes == max(k.size_bytes for k in kids)
                assert all(
                    m["size"] == len(by_digest[m["digest"]].manifest.encode())
                    for m in doc["manifests"]
                )
    assert indexes >= 5


def test_organization_has_the_promised_shape(org, org_snap):
    s = org_snap
    assert len(org.accounts) >= 2 and len(org.regions) >= 2
    assert s.repositories.groupby(["account_id", "region"]).ngroups == len(org.accounts) * len(
        org.regions
    )
    assert len(s.repositories) >= 40 and len(s.images) >= 3000
    imgs = s.images
    # sizes are the layer sums (what real ECR reports), never the config size
    for i in org.images:
        if not i.children:
            m, blobs, _ = parse_manifest(i.digest, i.media_type, i.manifest)
            assert i.size_bytes == sum(b["size_bytes"] for b in blobs if b["kind"] == "layer")
    # shared base layers across repositories and accounts
    usage = s.blobs.merge(
        imgs[["account_id", "repository", "digest"]], left_on="manifest_digest", right_on="digest"
    )
    spread = usage.groupby("blob_digest").agg(
        repos=("repository", "nunique"), accounts=("account_id", "nunique")
    )
    assert (spread["repos"] >= 10).sum() >= 2 and spread["accounts"].max() == 2
    # CI churn: a repository with many builds on one day
    per_day = imgs.assign(day=imgs["pushed_at"].dt.floor("D")).groupby(["repository", "day"]).size()
    assert per_day.max() >= 8
    untagged = imgs["tags"].map(len) == 0
    assert 0.1 < untagged.mean() < 0.7
    assert (imgs["status"] == "ARCHIVED").sum() > 0 and imgs.loc[
        imgs["status"] == "ARCHIVED", "archived_at"
    ].notna().all()
    assert imgs["size_bytes"].max() > 5 * 2**30  # a few huge ML images
    assert len(s.children) > 0 and (s.manifests["kind"] == "index").sum() > 0
    assert imgs["last_pull_at"].notna().any() and imgs["last_pull_at"].isna().any()
    assert (imgs["last_pull_at"].dropna() <= pd.Timestamp(org.now)).all()
    # lifecycle policies on some repositories only; resource tags everywhere
    has_policy = s.repositories["lifecycle_policy"].notna()
    assert 0 < has_policy.sum() < len(has_policy)
    assert s.repositories["tags"].map(lambda t: "team" in json.loads(t)).all()
    # a replication configuration on exactly one registry, and its copies exist
    rules = [r for r in s.meta["registries"] if r["replication_rules"]]
    assert len(rules) == 1
    # pulls: daily, inside the window, positive
    start, end = org.pull_window()
    assert s.pulls["date"].min() >= pd.Timestamp(start) and s.pulls["date"].max() < pd.Timestamp(
        end
    )
    assert (s.pulls["pulls"] > 0).all() and s.pulls["repository"].nunique() >= 20


def test_replicated_repositories_hold_the_same_images(org):
    (account, region), config = next(iter(org.replication.items()))
    rule = config["rules"][0]
    dst = rule["destinations"][0]["region"]
    prefix = rule["repositoryFilters"][0]["filter"]
    src = {
        r.name: r
        for r in org.repositories
        if (r.account_id, r.region) == (account, region) and r.name.startswith(prefix)
    }
    copies = {
        r.name: r
        for r in org.repositories
        if (r.account_id, r.region) == (account, dst) and r.name.startswith(prefix)
    }
    assert src and set(src) <= set(copies)
    for name, r in src.items():
        assert [i.digest for i in r.images] == [i.digest for i in copies[name].images]


def test_traffic_profile_is_valid_and_has_internet_and_cross_region(org, tmp_path):
    profile = load_traffic(org.write_traffic(tmp_path / "traffic.toml"))
    text = org.traffic_profile
    assert "internet = 1.0" in text and "cross_region = 0.2" in text
    assert profile is not None


def test_direct_snapshot_dedups_storage(org_snap):
    r = repository_storage(org_snap)
    assert r["unique_bytes"].sum() < r["naive_bytes"].sum()
    assert (r["missing_manifests"] == 0).all()
    ci = r.sort_values("images").iloc[-1]
    assert ci["unique_bytes"] < ci["naive_bytes"] / 3  # CI builds share almost everything


def test_unknown_size_is_refused():
    with pytest.raises(ValueError, match="size"):
        synthetic_organization("huge")


def test_the_clock_moves_pull_counts_only():
    a = synthetic_organization("small", now="2026-11-01T00:00:00Z")
    b = synthetic_organization("small", now="2026-12-15T13:45:10Z")
    assert [i.digest for i in a.images] == [i.digest for i in b.images]
    assert [r.name for r in a.repositories] == [r.name for r in b.repositories]
    start, end = b.pull_window()
    assert min(d for r in b.repositories for d in r.pulls) <= start and max(
        d for r in b.repositories for d in r.pulls
    ) < end + pd.Timedelta(days=1)


def test_synthetic_snapshot_pulls_only_repositories_that_hold_images():
    # a repository with pulls but no images has unknown bytes per pull, which would make every
    # egress total of a benchmark unknown
    from ecrcost.synthetic import synthetic_snapshot
    from ecrcost.usage import egress_usage

    snap = synthetic_snapshot(images=20_000, repositories=200, seed=0)
    key = ["account_id", "region", "repository"]
    holding = set(map(tuple, snap.images[key].drop_duplicates().to_numpy()))
    pulled = set(map(tuple, snap.pulls[key].drop_duplicates().to_numpy()))
    assert pulled and pulled <= holding
    assert egress_usage(snap, None)["pulled_gb"].notna().all()
