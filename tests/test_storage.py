"""The storage model on hand-built blob graphs: every expected figure is computed by hand."""

import math

import pandas as pd
import pytest

from ecrcost.snapshot import Snapshot
from ecrcost.storage import image_storage, repository_storage

A, R = "111111111111", "us-east-1"


def img(repo, digest, tags=(), size=None, status="ACTIVE", account=A, region=R):
    return {
        "account_id": account,
        "region": region,
        "repository": repo,
        "digest": digest,
        "tags": list(tags),
        "pushed_at": "2026-11-01T00:00:00Z",
        "size_bytes": size,
        "status": status,
    }


def manifest(digest, layers, config=("cfg-", 10)):
    cfg = (config[0] + digest, config[1])
    return [
        {"manifest_digest": digest, "blob_digest": d, "size_bytes": s, "kind": k}
        for (d, s), k in [(cfg, "config"), *[(layer, "layer") for layer in layers]]
    ]


@pytest.fixture
def snap():
    # repo "app": m1 = base(1000) + app1(200); m2 = base(1000) + app2(300)  -> shared base layer
    # repo "web": m3 = base(1000) + web(50)                               -> base shared across repos
    # repo "multi": index ix -> children c1 (arm: 700), c2 (amd: 900), both also images (untagged)
    # repo "empty": no images
    blobs = (
        manifest("m1", [("base", 1000), ("app1", 200)])
        + manifest("m2", [("base", 1000), ("app2", 300)])
        + manifest("m3", [("base", 1000), ("web", 50)])
        + manifest("c1", [("l-arm", 700)])
        + manifest("c2", [("l-amd", 900)])
    )
    manifests = [
        {"digest": d, "media_type": "x", "kind": "image"} for d in ["m1", "m2", "m3", "c1", "c2"]
    ]
    manifests.append({"digest": "ix", "media_type": "x", "kind": "index"})
    images = [
        img("app", "m1", ["v1"], 1210),
        img("app", "m2", ["v2", "latest"], 1310),
        img("web", "m3", ["v1"], 1060),
        img("multi", "ix", ["v1"], 910),
        img("multi", "c1", [], 710),
        img("multi", "c2", [], 910),
    ]
    children = [
        {"index_digest": "ix", "child_digest": "c1", "platform": "linux/arm64"},
        {"index_digest": "ix", "child_digest": "c2", "platform": "linux/amd64"},
    ]
    repos = [
        {"account_id": A, "region": R, "repository": r} for r in ["app", "web", "multi", "empty"]
    ]
    return Snapshot.build(
        repositories=repos, images=images, manifests=manifests, blobs=blobs, children=children
    )


def by_repo(df):
    return df.set_index("repository")


def test_repository_scope_dedups_within_repository(snap):
    r = by_repo(repository_storage(snap))
    # app: base 1000 + app1 200 + app2 300 + two configs 10 each
    assert r.loc["app", "unique_bytes"] == 1520
    assert r.loc["app", "naive_bytes"] == 1210 + 1310
    assert r.loc["web", "unique_bytes"] == 1060
    # multi: the index adds nothing beyond its children: 710 + 910
    assert r.loc["multi", "unique_bytes"] == 1620
    assert r.loc["multi", "naive_bytes"] == 910 + 710 + 910
    assert r.loc["empty", "images"] == 0 and r.loc["empty", "unique_bytes"] == 0
    # under repository scope deleting a repository frees all its unique bytes
    assert (r["exclusive_bytes"] == r["unique_bytes"]).all()
    assert r.loc["multi", "untagged_images"] == 2 and r.loc["app", "tagged_images"] == 2


def test_registry_scope_splits_shared_blobs(snap):
    r = by_repo(repository_storage(snap, scope="registry"))
    # base (1000) is shared by app and web: 500 each
    assert r.loc["app", "unique_bytes"] == 500 + 200 + 300 + 20
    assert r.loc["web", "unique_bytes"] == 500 + 50 + 10
    assert r.loc["app", "exclusive_bytes"] == 200 + 300 + 20
    total = r["unique_bytes"].sum()
    assert total == 1000 + 200 + 300 + 50 + 30 + 710 + 910


def test_image_level_bytes_and_exclusive(snap):
    i = image_storage(snap).set_index("digest")
    assert i.loc["m1", "bytes"] == 1210
    assert i.loc["m1", "exclusive_bytes"] == 210  # base is shared with m2
    assert i.loc["ix", "bytes"] == 910  # largest child
    assert i.loc["ix", "kind"] == "index"
    assert bool(i.loc["c1", "is_child"]) and not bool(i.loc["m1", "is_child"])
    assert i.loc["c1", "exclusive_bytes"] == 0  # also referenced through the index
    reg = image_storage(snap, scope="registry").set_index("digest")
    assert reg.loc["m3", "exclusive_bytes"] == 60  # base is shared with repo app


def test_archive_class_only_when_every_referencing_image_is_archived():
    blobs = manifest("m1", [("base", 1000), ("a", 100)]) + manifest(
        "m2", [("base", 1000), ("b", 200)]
    )
    mf = [{"digest": d, "kind": "image"} for d in ["m1", "m2"]]
    s = Snapshot.build(
        images=[img("r", "m1", ["x"], 1, status="ARCHIVED"), img("r", "m2", ["y"], 1)],
        manifests=mf,
        blobs=blobs,
    )
    r = repository_storage(s).iloc[0]
    assert r["archive_bytes"] == 110  # a + m1's config; base is still used by the active m2
    assert r["standard_bytes"] == 1210


def test_missing_manifest_uses_reported_size_and_unknown_stays_unknown():
    s = Snapshot.build(images=[img("r", "m1", ["x"], 500), img("q", "m2", ["x"], None)])
    r = by_repo(repository_storage(s))
    assert r.loc["r", "unique_bytes"] == 500 and r.loc["r", "missing_manifests"] == 1
    assert math.isnan(r.loc["q", "unique_bytes"]) and math.isnan(r.loc["q", "naive_bytes"])


def test_scope_is_validated(snap):
    with pytest.raises(ValueError, match="scope"):
        repository_storage(snap, scope="galaxy")


def test_empty_snapshot():
    out = repository_storage(Snapshot.build())
    assert len(out) == 0 and "unique_bytes" in out.columns
    assert isinstance(image_storage(Snapshot.build()), pd.DataFrame)


def test_repository_whose_images_could_not_be_listed_is_unknown_not_zero():
    repos = [
        {
            "account_id": A,
            "region": R,
            "repository": "denied",
            "images_complete": False,
            "error": "images: AccessDeniedException",
        },
        {"account_id": A, "region": R, "repository": "fine"},
    ]
    s = Snapshot.build(repositories=repos, images=[img("fine", "m1", ["x"], 500)])
    r = by_repo(
        repository_storage(
            s, period=(pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-12-01", tz="UTC"))
        )
    )
    for col in [
        "naive_bytes",
        "unique_bytes",
        "exclusive_bytes",
        "standard_byte_hours",
        "new_bytes",
    ]:
        assert math.isnan(r.loc["denied", col]), col
    assert r.loc["fine", "unique_bytes"] == 500
