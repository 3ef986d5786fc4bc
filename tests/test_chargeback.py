"""Chargeback by tag and by repository-name prefix: every repository in one group, sums = total."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from report_fixtures import XSS, build

from ecrcost.chargeback import NO_PREFIX, UNTAGGED, chargeback, is_grouping, parse_by
from ecrcost.errors import InputError
from ecrcost.pricing.summary import costs
from ecrcost.synthetic import synthetic_snapshot

TRAFFIC = {"default": {"same_region": 0.5, "cross_region": 0.25, "internet": 0.25}}


@pytest.mark.parametrize(
    ("by", "kind", "key", "depth"),
    [
        ("tag:team", "tag", "team", 1),
        ("tag:cost:center", "tag", "cost:center", 1),
        ("prefix", "prefix", "", 1),
        ("prefix:2", "prefix", "", 2),
    ],  # fmt: skip
)
def test_parse_by(by, kind, key, depth):
    g = parse_by(by)
    assert (g.kind, g.key, g.depth) == (kind, key, depth)
    assert is_grouping(by)


@pytest.mark.parametrize("by", ["tag:", "prefix:0", "prefix:x", "team", "repository"])
def test_parse_by_rejects(by):
    with pytest.raises(InputError, match="--by"):
        parse_by(by)
    assert not is_grouping("repository")


def test_tag_groups_with_untagged_sum_to_total():
    snap = build()
    per_repo = costs(snap, traffic=TRAFFIC)
    out = chargeback(per_repo, snap.repositories, "tag:team")
    assert set(out["group"]) == {XSS, UNTAGGED}
    assert out["repositories"].sum() == len(per_repo)
    for c in ("total_usd", "storage_usd", "egress_usd", "unique_bytes", "images"):
        assert out[c].sum() == pytest.approx(per_repo[c].sum(), rel=1e-12)
    assert out["share_pct"].sum() == pytest.approx(100)
    assert out.iloc[0]["total_usd"] >= out.iloc[-1]["total_usd"]  # largest first


def test_unknown_egress_keeps_groups_unknown():
    snap = build()
    out = chargeback(costs(snap), snap.repositories, "tag:team")
    assert out["total_usd"].isna().all()  # no traffic profile: unknown, never $0
    assert out["storage_usd"].notna().all()


def test_prefix_groups_synthetic():
    snap = synthetic_snapshot(images=400, repositories=30, seed=2)
    per_repo = costs(snap)
    for depth in (1, 2):
        out = chargeback(per_repo, snap.repositories, f"prefix:{depth}")
        assert out["storage_usd"].sum() == pytest.approx(per_repo["storage_usd"].sum(), rel=1e-12)
        assert out["repositories"].sum() == len(per_repo)
        names = per_repo["repository"].astype(str)
        expect = {
            "/".join(n.split("/")[:depth]) if n.count("/") >= depth else NO_PREFIX for n in names
        }
        assert set(out["group"]) == expect


def test_bad_tag_json_is_untagged():
    snap = build()
    repos = snap.repositories.copy()
    repos["tags"] = ["not json", json.dumps({"team": ""}), json.dumps(["x"]), None, "{}"]
    out = chargeback(costs(snap), repos, "tag:team")
    assert list(out["group"]) == [UNTAGGED]


def test_costs_api_by_tag_matches_chargeback():
    snap = build()
    via_api = costs(snap, by="tag:team", traffic=TRAFFIC)
    direct = chargeback(costs(snap, traffic=TRAFFIC), snap.repositories, "tag:team")
    pd.testing.assert_frame_equal(
        via_api.drop(columns=["flags"], errors="ignore"), direct, check_like=True
    )
