"""The first screen's figures: total and change, movers, the cheapest *billed* alternative."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from report_fixtures import baseline, build

from ecrcost.pricing.summary import costs
from ecrcost.reporting.overview import billed_alternatives, headline, movers

TRAFFIC = {"default": {"same_region": 0.5, "cross_region": 0.25, "internet": 0.25}}


def test_movers_are_the_largest_cost_changes():
    before, after = costs(baseline()), costs(build())
    m = movers(before, after, n=3)
    assert len(m) == 3
    assert list(m["repository"])[0] == "data"  # new, the largest change
    assert set(m["change"]) <= {"added", "removed", "grown", "shrunk"}
    assert m["delta_usd"].abs().is_monotonic_decreasing


def test_unbilled_plan_is_never_the_cheapest():
    cmp = pd.DataFrame(
        {
            "registry": ["ecr", "ghcr", "dockerhub", "gar"],
            "plan": ["private", "Free", "Pro", "standard"],
            "monthly_usd": [10.0, 0.0, 9.0, 12.0],
            "cheapest": [True, True, True, True],
            "unbilled_usd": [0.0, 7531.0, 0.0, np.nan],  # gar: unknown -> not billed
        }
    )
    alts = billed_alternatives(cmp)
    assert list(alts["registry"]) == ["dockerhub", "ghcr", "gar"]  # billed first, then by cost
    assert list(alts["billed"]) == [True, False, False]
    snap = build()
    row = headline(
        costs(snap, traffic=TRAFFIC), None, month="2026-11", savings_usd=1.5,
        comparison=cmp, targets=snap.targets,
    ).iloc[0]  # fmt: skip
    assert row["alternative"] == "dockerhub Pro" and row["alternative_usd"] == 9.0
    assert row["unbilled"] == "ghcr Free; gar standard"
    assert row["baseline"] == "no baseline" and math.isnan(row["change_usd"])


def test_headline_change_against_baseline():
    snap, base = build(), baseline()
    a, b = costs(base), costs(snap)
    row = headline(
        b, a, month="2026-11", savings_usd=0.0, comparison=None, targets=snap.targets
    ).iloc[0]
    assert row["money"] == "storage_usd"  # no traffic: total unknown
    assert row["total_usd"] == pytest.approx(b["storage_usd"].sum())
    assert row["change_usd"] == pytest.approx(b["storage_usd"].sum() - a["storage_usd"].sum())
    assert row["change_pct"] == pytest.approx(100 * row["change_usd"] / a["storage_usd"].sum())
    assert row["targets"] == len(snap.targets) and row["failed"] == 0


def test_failed_targets_are_counted():
    snap = build(failed=True)
    row = headline(
        costs(snap), None, month="2026-11", savings_usd=0.0, comparison=None, targets=snap.targets
    ).iloc[0]
    assert row["failed"] + row["partial"] >= 1
