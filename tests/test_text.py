"""The one sanitiser (ecrcost.text) and the renderers that use it: no escape sequence, control
character or newline reaches a terminal line; no link, image or HTML reaches Markdown; no formula
reaches a spreadsheet."""

from __future__ import annotations

import doctest
import re

import pandas as pd
import pytest

import ecrcost.text
from ecrcost import text
from ecrcost.reporting.tables import render

HOSTILE = (
    "app\x1b]0;owned\x07\x1b]52;c;Y2xpcA==\x07\x1b[2J\x1b[31mred\x1b[0m"
    "\nINFO forged log line\r\x9b1mC1\u202eevil\x00"
)


def test_doctests():
    assert doctest.testmod(ecrcost.text).failed == 0


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("plain/name-1.0", "plain/name-1.0"),
        ("a\x1b[31mb", "ab"),  # CSI colour
        ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8 hyperlink
        ("a\x1b]0;title\x07b", "ab"),  # OSC title, BEL-terminated
        ("a\x1b]52;c;Y2xpcA==", "a"),  # unterminated OSC clipboard write
        ("a\nb\r\nc\td", "a b c d"),  # one line
        ("a\x00\x08\x7f\x85b", "a b"),  # NUL, backspace, DEL; NEL is a line break
        ("a\u202eb\u2066c", "abc"),  # bidi override and isolate
    ],
)
def test_terminal(raw, safe):
    assert text.terminal(raw) == safe


def test_terminal_leaves_nothing_a_terminal_would_interpret():
    out = text.terminal(HOSTILE)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in out)
    assert "\n" not in out and "\u202e" not in out


@pytest.mark.parametrize(
    "raw",
    [
        "[x](javascript:alert(1))",
        "![pixel](http://tracker.example/p.png?u=1)",
        "[ref]: http://tracker.example/",
        "<http://tracker.example/>",
        "<img src=x onerror=alert(1)>",
        "&#x6A;avascript",
        "a|b",
    ],
)
def test_markdown_has_no_live_syntax(raw):
    out = text.markdown(raw)
    assert "](" not in out.replace("\\](", "")
    assert "<" not in out and ">" not in out
    assert "&#" not in out
    assert "|" not in out.replace("\\|", "")


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        (" =1", "' =1"),
        ("a\x1b[31mb\nc", "ab\nc"),  # controls stripped, newline kept (the writer quotes it)
        (12, 12),
    ],
)
def test_csv_cell(raw, safe):
    assert text.csv_cell(raw) == safe


def test_html_escapes_after_stripping_controls():
    assert text.html('<b x="1">\x1b[31m&') == "&lt;b x=&quot;1&quot;&gt;&amp;"


@pytest.fixture
def hostile_frame():
    return pd.DataFrame(
        {
            "repository": [HOSTILE, "![p](http://t.example/p.png)", "=cmd|' /C calc'!A0"],
            "storage_usd": [1.0, 2.0, 3.0],
        }
    ).astype({"repository": "string"})


def test_every_renderer_neutralises_hostile_names(hostile_frame):
    table = render(hostile_frame, "table", width=200, color=False, title="t\x1b[2J")
    assert "\x1b" not in table and "\x07" not in table and "forged" in table
    assert all(not line.startswith("INFO") for line in table.splitlines())
    md = render(hostile_frame, "markdown", title="x")
    assert "![p](" not in md and "\\[p\\]" in md and "\x1b" not in md
    csv = render(hostile_frame, "csv")
    assert "'=cmd" in csv and "\x1b" not in csv


def test_report_markdown_and_html_escape_names_and_tags(tmp_path):
    from report_fixtures import build

    from ecrcost.reporting.monthly import report

    snap = build()
    snap.repositories.loc[0, "tags"] = '{"team": "![px](http://t.example/p.png)"}'
    imgs = snap.images.copy()
    imgs.at[0, "tags"] = ["[x](javascript:alert(1))", "\x1b]0;owned\x07v1"]
    snap.images = imgs
    rep = report(snap)
    md = rep.markdown()
    # no link or image syntax survives: every "](" of a name or tag is escaped ("\\](")
    assert not re.search(r"(?<!\\)\]\((javascript:|http://t\.example)", md)
    assert "\x1b" not in md and "\x07" not in md
    page = rep.html()
    assert "\x1b" not in page and "javascript:alert" not in page.replace("javascript:alert(1)", "")
