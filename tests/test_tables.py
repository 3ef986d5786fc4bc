"""The shared renderers: terminal (fixed width, no colour), CSV, JSON, Markdown and HTML tables."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from ecrcost.reporting.html import table_html
from ecrcost.reporting.tables import (
    format_bytes,
    format_usd,
    neutralise_csv_cell,
    records,
    render,
)

XSS = "<script>alert(1)</script>"


@pytest.fixture
def df():
    return pd.DataFrame(
        {
            "repository": ["app", "=cmd|' /C calc'!A0", XSS],
            "tags": [["v1", "latest"], [], ["+1", XSS]],
            "unique_bytes": [1.5 * 2**30, 1024.0, np.nan],
            "storage_usd": [0.15, 0.0001, np.nan],
            "egress_gb": [2.0, np.nan, 0.0],
            "pulls": [10, 0, 3],
            "when": pd.to_datetime(
                ["2026-11-01T10:00:00Z", None, "2026-10-01T00:00:00Z"], utc=True
            ),
        }
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "n/a"),
        (np.nan, "n/a"),
        (pd.NA, "n/a"),
        (0, "$0.00"),
        (1234.567, "$1,234.57"),
        (0.0001, "$0.0001"),
        (-0.0001, "-$0.0001"),
        (-2.5, "-$2.50"),
        (0.00003, "<$0.0001"),
        (-0.00003, ">-$0.0001"),
        (0.004, "$0.0040"),
    ],
)
def test_format_usd(value, text):
    assert format_usd(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "n/a"),
        (0, "0 B"),
        (1023, "1,023 B"),
        (2**20, "1.00 MB"),
        (1.5 * 2**30, "1.50 GB"),
        (2**40, "1.00 TB"),
    ],
)
def test_format_bytes_binary_units(value, text):
    assert format_bytes(value) == text


def test_terminal_fixed_width_no_colour(df):
    out = render(df, "table", title="T", width=100, color=False)
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "1.50 GB" in out and "$0.15" in out and "n/a" in out
    assert "[v1" not in out and "v1, latest" in out


def test_csv_raw_values_and_formula_neutralised(df):
    out = pd.read_csv(io.StringIO(render(df, "csv")), keep_default_na=False)
    assert out.loc[1, "repository"] == "'=cmd|' /C calc'!A0"
    assert out.loc[2, "tags"] == "'+1;" + XSS
    assert out.loc[0, "tags"] == "v1;latest"
    assert float(out.loc[0, "unique_bytes"]) == 1.5 * 2**30  # raw, not "1.50 GB"
    assert out.loc[2, "storage_usd"] == ""  # unknown stays empty, not 0
    for v in ("=1", "+1", "-1", "@x", "\tx", "\rx"):
        assert neutralise_csv_cell(v) == "'" + v
    assert neutralise_csv_cell("a=1") == "a=1" and neutralise_csv_cell(3) == 3


def test_json_nulls_and_iso_times(df):
    rows = json.loads(render(df, "json"))
    assert rows[2]["storage_usd"] is None and rows[1]["when"] is None
    assert rows[0]["when"] == "2026-11-01T10:00:00+00:00"
    assert rows[0]["unique_bytes"] == 1610612736 and isinstance(rows[0]["unique_bytes"], int)
    assert records(df)[0]["tags"] == ["v1", "latest"]


def test_markdown_escapes_pipes_and_html(df):
    out = render(df, "markdown", title="Costs")
    assert out.startswith("### Costs\n")
    assert XSS not in out and "&lt;script&gt;" in out
    assert "=cmd\\|' /C calc'!A0" in out
    lines = out.splitlines()
    assert lines[3].count("---:") == 4  # bytes, usd, gb, pulls right-aligned
    assert all(line.count(" | ") == lines[2].count(" | ") for line in lines[4:])


def test_html_table_escapes_every_string(df):
    out = table_html(df, caption="a <b>caption</b>")
    assert "<script" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<caption>a &lt;b&gt;caption&lt;/b&gt;</caption>" in out
    assert out.count("<tr>") == 4 and ">n/a<" in out
    assert re.search(r'<td class="num" data-label="[^"]+">1\.50 GB</td>', out)  # right-aligned


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown format"):
        render(pd.DataFrame(), "xml")


def test_terminal_colour_only_when_asked_or_on_a_terminal(df, monkeypatch):
    assert "\x1b[" in render(df, "table", width=100, color=True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: False, raising=False)
    assert "\x1b[" not in render(df, "table", width=100)
