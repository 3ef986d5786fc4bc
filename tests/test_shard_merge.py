"""`collect --shard K/N` + `ecrcost merge` against moto: the shards merged equal one collection."""

from __future__ import annotations

import json

import boto3
import moto_patches
import pandas as pd
import pytest
from click.testing import CliRunner
from collect_fixtures import image_manifest, index_manifest, push

import ecrcost
from ecrcost.cli import cli
from ecrcost.errors import InputError, MergeError
from ecrcost.merge import merge_snapshots
from ecrcost.snapshot import SCHEMA, load_snapshot
from ecrcost.targets import Target, parse_shard, select_shard, shard_of

REGIONS = ["us-east-1", "eu-west-1", "us-west-2", "ap-south-1", "eu-central-1"]
KEYS = {
    "repositories": ["account_id", "region", "repository"],
    "images": ["account_id", "region", "repository", "digest"],
    "manifests": ["digest"],
    "blobs": ["manifest_digest", "blob_digest"],
    "children": ["index_digest", "child_digest"],
    "pulls": ["account_id", "region", "repository", "date"],
    "in_use": ["account_id", "region", "repository", "digest", "source", "resource"],
}


@pytest.fixture
def org(moto_aws, monkeypatch):
    moto_patches.apply(monkeypatch)
    for i, region in enumerate(REGIONS):
        ecr = boto3.client("ecr", region_name=region)
        for repo in ("app", f"svc-{i}"):
            ecr.create_repository(repositoryName=repo)
            # "base" is shared by every region and repository; the rest is per region
            a = image_manifest(
                (f"cfg-{region}-{repo}", 10), [("base", 1000), (f"l-{region}", 100 + i)]
            )
            b = image_manifest((f"cfg2-{region}-{repo}", 10), [("base", 1000), (f"m-{repo}", 7)])
            push(ecr, repo, a, "v1")
            push(ecr, repo, b)
        arm = image_manifest((f"arm-{region}", 5), [("l-arm", 700)])
        push(ecr, "app", arm)
        push(ecr, "app", index_manifest([(arm, "linux/arm64")]), "multi")


def sorted_tables(snap):
    out = {}
    for name in SCHEMA:
        df = snap.tables()[name]
        out[name] = df.sort_values(KEYS[name]).reset_index(drop=True)
    return out


def test_shards_partition_the_targets_stably():
    targets = [Target(f"{a:012d}", r) for a in range(7) for r in REGIONS]
    shards = [select_shard(targets, (k, 4)) for k in range(1, 5)]
    flat = [(t.account_id, t.region) for s in shards for t in s]
    assert sorted(flat) == sorted((t.account_id, t.region) for t in targets)  # no gap, no overlap
    assert all(shards)  # 35 targets over 4 shards: none empty
    # a target's shard depends only on itself (not on the list's order or content)
    assert select_shard(list(reversed(targets)), (2, 4)) == list(reversed(shards[1]))
    assert shard_of("123456789012", "us-east-1", 4) == shard_of("123456789012", "us-east-1", 4)
    assert select_shard(targets, None) == targets


@pytest.mark.parametrize("bad", ["0/3", "4/3", "1", "a/b", "1/0"])
def test_bad_shard_specs(bad):
    with pytest.raises(InputError, match="--shard"):
        parse_shard(bad)


def test_shards_merged_equal_a_single_collection(org, tmp_path):
    single = ecrcost.collect(regions=REGIONS, use_cache=False)
    n = 3
    paths = []
    for k in range(1, n + 1):
        shard = ecrcost.collect(regions=REGIONS, use_cache=False, shard=(k, n))
        assert shard.meta["settings"]["shard"] == f"{k}/{n}"
        assert {t["region"] for t in shard.meta["targets"]} == {
            r for r in REGIONS if shard_of("123456789012", r, n) == k
        }
        paths.append(shard.write(tmp_path / f"shard-{k}"))
    assert sum(len(load_snapshot(p).meta["targets"]) for p in paths) == len(REGIONS)

    r = CliRunner().invoke(cli, ["merge", *map(str, paths), "--out", str(tmp_path / "merged")])
    assert r.exit_code == 0, r.output
    merged = load_snapshot(tmp_path / "merged")

    got, want = sorted_tables(merged), sorted_tables(single)
    for name in SCHEMA:
        pd.testing.assert_frame_equal(got[name], want[name], check_dtype=True, obj=name)
    assert merged.meta["targets"] == sorted(
        single.meta["targets"], key=lambda t: (t["account_id"], t["region"])
    )
    assert merged.meta["settings"] == single.meta["settings"]
    assert sum(merged.meta["api_calls"].values()) >= sum(single.meta["api_calls"].values())
    assert [m["shard"] for m in merged.meta["merged_from"]] == ["1/3", "2/3", "3/3"]
    for scope in ("repository", "registry"):
        a = ecrcost.costs(merged, scope=scope).drop(columns="flags")
        b = ecrcost.costs(single, scope=scope).drop(columns="flags")
        pd.testing.assert_frame_equal(a, b)


def test_merge_refuses_overlaps_and_mismatched_settings(org, tmp_path):
    one = ecrcost.collect(regions=REGIONS[:2], use_cache=False).write(tmp_path / "one")
    two = ecrcost.collect(regions=REGIONS[1:3], use_cache=False).write(tmp_path / "two")
    with pytest.raises(MergeError, match="regions="):  # different regions asked for
        merge_snapshots([one, two])
    a = ecrcost.collect(regions=REGIONS, use_cache=False, shard=(1, 2)).write(tmp_path / "a")
    b = ecrcost.collect(regions=REGIONS, use_cache=False, shard=(2, 2)).write(tmp_path / "b")
    c = ecrcost.collect(regions=REGIONS, use_cache=False, shard=(1, 2), pull_days=7)
    with pytest.raises(MergeError, match="pull_days=7"):
        merge_snapshots([a, c])
    with pytest.raises(MergeError, match="shard 1/2 given twice"):
        merge_snapshots([a, a])
    other_n = ecrcost.collect(regions=REGIONS, use_cache=False, shard=(1, 3))
    with pytest.raises(MergeError, match="different collections"):
        merge_snapshots([a, other_n])
    with pytest.raises(MergeError, match="at least two"):
        merge_snapshots([a])
    # the same account-region twice (not sharded): overlap
    meta = json.loads((b / "meta.json").read_text())
    meta["settings"]["shard"] = None
    (b / "meta.json").write_text(json.dumps(meta))
    meta = json.loads((a / "meta.json").read_text())
    meta["settings"]["shard"] = None
    (a / "meta.json").write_text(json.dumps(meta))
    assert len(merge_snapshots([a, b]).meta["targets"]) == len(REGIONS)
    r = CliRunner().invoke(cli, ["merge", str(a), str(a), "--out", str(tmp_path / "m")])
    assert r.exit_code == 1 and "overlap" in r.output and r.output.count("\n") == 1
    assert not (tmp_path / "m").exists()
