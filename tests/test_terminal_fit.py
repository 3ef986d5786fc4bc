"""Terminal tables fit 80 and 120 columns by choosing columns (names, then money), never by
splitting a number."""

from __future__ import annotations

import re

import pytest
from report_fixtures import build

from ecrcost.errors import InputError
from ecrcost.pricing.summary import costs
from ecrcost.reporting.tables import render
from ecrcost.reporting.terminal import fit_columns, preference

TRAFFIC = {"default": {"same_region": 0.5, "cross_region": 0.25, "internet": 0.25}}


@pytest.fixture
def df():
    return costs(build(), traffic=TRAFFIC).drop(columns=["flags"])


def test_preference_is_names_then_money(df):
    order = preference(df)
    assert order[:3] == ["account_id", "region", "repository"]
    assert order[3:7] == ["total_usd", "storage_usd", "egress_usd", "replication_usd"]


@pytest.mark.parametrize("width", [80, 120])
def test_table_fits_the_width(df, width):
    out = render(df, "table", width=width, color=False)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "total_usd" in out.replace("\n", "") or "total_u" in out
    # every dollar figure is whole on one line
    money = costs(build(), traffic=TRAFFIC)["total_usd"]
    for v in money:
        assert f"${v:,.2f}" in out
    assert "more column(s) not shown" in out


def test_no_number_is_split(df):
    out = render(df, "table", width=80, color=False)
    for line in out.splitlines():
        # a cell never ends with a digit-comma or starts with one: no "1,2" / "34.5" splits
        assert not re.search(r"\d,\s*│\s*$", line)


def test_wide_and_columns(df):
    wide = render(df, "table", width=80, color=False, wide=True)
    assert "untagged_images" in wide.replace("\n", "") or "untagged" in wide
    assert "not shown" not in wide
    chosen = render(df, "table", width=80, color=False, columns=["repository", "total_usd"])
    assert "account_id" not in chosen and "total_usd" in chosen
    with pytest.raises(InputError, match="--columns"):
        fit_columns(df, 80, columns=["nope"])
