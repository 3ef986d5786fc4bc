"""The collector's manifest spool: parsed manifests go to Parquet in batches and come back as the
snapshot's manifests / blobs / children tables, in the same order as before, each digest once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ecrcost.collectors.spool import ManifestSpool


def parsed(digest: str, layers: list[tuple[str, int]], children: list[str] = ()):
    manifest = {"digest": digest, "media_type": "m", "kind": "index" if children else "image"}
    blobs = [
        {"manifest_digest": digest, "blob_digest": b, "size_bytes": s, "kind": "layer"}
        for b, s in layers
    ]
    kids = [
        {"index_digest": digest, "child_digest": c, "platform": "linux/amd64"} for c in children
    ]
    return digest, manifest, blobs, kids


def test_batches_are_written_and_read_back_in_digest_order(tmp_path):
    spool = ManifestSpool(batch=2, directory=str(tmp_path))
    items = [
        parsed("sha256:c", [("l1", 10), ("l2", 20), ("l1", 10)]),  # a layer listed twice: kept
        parsed("sha256:a", [("l3", 5)]),
        parsed("sha256:x", [], ["sha256:a", "sha256:c"]),
        parsed("sha256:b", [("l4", 1), ("l0", 2)]),
        parsed("sha256:a", [("other", 99)]),  # seen already: ignored
    ]
    for item in items:
        spool.add(*item)
    assert len(list(spool.dir.glob("blobs-*.parquet"))) >= 2  # spilled while collecting
    t = spool.tables()
    assert list(t["manifests"]["digest"]) == ["sha256:a", "sha256:b", "sha256:c", "sha256:x"]
    assert list(zip(t["blobs"]["manifest_digest"], t["blobs"]["blob_digest"], strict=True)) == [
        ("sha256:a", "l3"),
        ("sha256:b", "l4"),
        ("sha256:b", "l0"),
        ("sha256:c", "l1"),
        ("sha256:c", "l2"),
        ("sha256:c", "l1"),
    ]
    assert str(t["blobs"]["size_bytes"].dtype) == "int64"
    assert list(t["children"]["child_digest"]) == ["sha256:a", "sha256:c"]
    spool.close()
    assert not spool.dir.exists()


def test_concurrent_adds_keep_each_digest_once(tmp_path):
    spool = ManifestSpool(batch=7, directory=str(tmp_path))
    items = [parsed(f"sha256:{i % 50:03d}", [(f"l{i % 50}", i % 50)]) for i in range(500)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda it: spool.add(*it), items))
    t = spool.tables()
    assert len(t["manifests"]) == 50 and len(t["blobs"]) == 50
    assert spool.known({"sha256:001", "sha256:999"}) == {"sha256:001"}
    spool.close()


def test_a_collection_smaller_than_a_batch_never_touches_the_disk(tmp_path):
    spool = ManifestSpool(batch=100, directory=str(tmp_path))
    spool.add(*parsed("sha256:b", [("l1", 10)]))
    spool.add(*parsed("sha256:a", [("l2", 20), ("l3", 30)]))
    t = spool.tables()
    assert spool.dir is None and list(tmp_path.iterdir()) == []  # nothing to leave behind
    assert list(t["manifests"]["digest"]) == ["sha256:a", "sha256:b"]
    assert list(t["blobs"]["size_bytes"]) == [20, 30, 10]
    spool.close()
