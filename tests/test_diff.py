"""`ecrcost.diff` between two snapshots: added / removed / grown / shrunk with $ deltas."""

from __future__ import annotations

import pytest
from report_fixtures import baseline, build

from ecrcost.errors import InputError
from ecrcost.pricing.summary import costs
from ecrcost.reporting.diff_text import diff_text
from ecrcost.snapshot_diff import diff


def test_repository_changes_and_deltas():
    old, new = baseline(), build()
    d = diff(old, new)
    change = dict(zip(d["repository"], d["change"], strict=True))
    assert change["data"] == "added"
    assert change["retired"] == "removed"
    assert change["app"] == "grown"
    assert change["web"] == "unchanged"
    # deltas add up to the change of the totals
    a, b = costs(old)["storage_usd"].sum(), costs(new)["storage_usd"].sum()
    assert d["delta_usd"].sum() == pytest.approx(b - a)
    assert d.attrs["money"] == "storage_usd"  # no traffic: total unknown, storage compared
    row = d.set_index("repository").loc["retired"]
    assert row["delta_usd"] == pytest.approx(-row["old_usd"])
    assert abs(d["delta_usd"]).is_monotonic_decreasing


def test_shrunk():
    d = diff(build(), build("2026-12-28T06:00:00+00:00", baseline=True))
    assert "shrunk" in set(d["change"]) or "removed" in set(d["change"])


def test_by_account_and_tag():
    d = diff(baseline(), build(), by="account")
    assert set(d["account_id"]) == {"111111111111", "222222222222"}
    assert d.set_index("account_id").loc["222222222222", "change"] == "added"
    t = diff(baseline(), build(), by="tag:team")
    assert "group" in t.columns and "untagged" in set(t["group"])


def test_order_and_bad_by():
    with pytest.raises(InputError, match="older snapshot first"):
        diff(build(), baseline())
    with pytest.raises(InputError, match="--by"):
        diff(baseline(), build(), by="colour")


def test_text_layout():
    text = diff_text(diff(baseline(), build()))
    lines = text.splitlines()
    assert any(line.startswith("+ 222222222222/eu-west-1/data") for line in lines)
    assert any(line.startswith("- 111111111111/us-east-1/retired") for line in lines)
    assert any(line.startswith("~ 111111111111/us-east-1/app") for line in lines)
    assert not any("/web" in line for line in lines)  # unchanged rows are left out
    assert "Monthly cost change: +$" in text
    assert "1 added, 1 removed, 1 grown, 0 shrunk, 3 unchanged" in text


def test_control_characters_never_reach_the_terminal():
    d = diff(baseline(), build())
    d.loc[0, "repository"] = "evil\x1b]0;title\x07\nname"
    text = diff_text(d)
    assert "\x1b" not in text and "\x07" not in text and "evil?]0;title??name" in text
