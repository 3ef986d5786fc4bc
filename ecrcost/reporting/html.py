"""HTML rendering: tables and the self-contained monthly report page.

One implementation for HTML, used by the report and by Jupyter (`Report._repr_html_`). Cells are
formatted with `tables.format_cell` (the same display rules as the terminal and Markdown) and every
string is escaped with `ecrcost.text.html` (controls removed, then `html.escape`), so a repository name, tag or policy text such as
``<script>alert(1)</script>`` shows as text, never as markup. The page needs no network: the CSS
is inline and charts are inline base64 PNG (`data:` URIs); there is no script at all.
"""

from __future__ import annotations

import base64
from importlib import resources

import pandas as pd

from ..text import html as escape  # the one HTML sanitiser (controls removed, then escaped)
from .document import Document, Figure, Section
from .labels import header, short_digest, tag_pairs
from .layout import caption, shown
from .tables import display_frame
from .terminal import is_number_column

#: text columns never broken inside a value (an account ID is a number; a region a word)
KEEP_WHOLE = {"account_id", "region", "month", "push_month", "change", "status", "plan", "registry"}
#: long identifiers and prose, broken anywhere when the column is narrow
WRAP_ANYWHERE = {
    "repository",
    "group",
    "notes",
    "fit_reason",
    "error",
    "reason",
    "digest",
    "method",
}


def _cell(column: str, raw: object, text: str) -> str:
    """One cell's escaped content: digests shortened (full value in a title), tags as chips."""
    if column.endswith("digest") and isinstance(raw, str) and len(raw) > 20:
        return (
            f'<span class="digest" title="{escape(raw, quote=True)}">'
            f"{escape(short_digest(raw))}</span>"
        )
    if column in ("tags", "resource_tags"):
        pairs = tag_pairs(raw)
        if pairs is not None:
            return "".join(
                f'<span class="chip" title="{escape(p, quote=True)}">{escape(p)}</span>'
                for p in pairs
            )
    return escape(text)


def table_html(
    df: pd.DataFrame, *, caption: str | None = None, human: bool = True, kv: bool = False
) -> str:
    """An HTML <table> of `df` (all rows), cells formatted for display and escaped; numbers
    right-aligned. With `human`, headers are `labels.header` names, digests are shortened (full
    value in a title) and tags shown as key=value chips. Every cell carries its header as
    data-label (the narrow-screen layout shows it beside the value)."""
    shown = display_frame(df)
    cols = [str(c) for c in df.columns]
    numeric = [is_number_column(df, c) for c in df.columns]
    names = [header(c) if human else c for c in cols]
    head = "".join(
        f'<th class="{"num" if n else "txt"}" scope="col">{escape(h)}</th>'
        for h, n in zip(names, numeric, strict=True)
    )
    klass = [
        "num"
        if n
        else "txt keep"
        if c in KEEP_WHOLE
        else "txt wrap"
        if c in WRAP_ANYWHERE
        else "txt"
        for c, n in zip(cols, numeric, strict=True)
    ]
    rows = []
    for raw, row in zip(df.itertuples(index=False), shown.itertuples(index=False), strict=True):
        cells = "".join(
            f'<td class="{k}" data-label="{escape(h, quote=True)}">'
            f"{_cell(c, r, str(v)) if human else escape(str(v))}</td>"
            for c, h, r, v, k in zip(cols, names, raw, row, klass, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    attrs = ' class="kv"' if kv else ""  # a (figure, value) table keeps its two columns on a phone
    return (
        f"<table{attrs}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def figures_html(figures: list[Figure]) -> str:
    """The headline figures as cards (id="kpi-<id>")."""
    cards = "".join(
        f'<div class="kpi {escape(f.tone, quote=True)}" id="kpi-{escape(f.id, quote=True)}">'
        f'<div class="label">{escape(f.label)}</div><div class="value">{escape(f.value)}</div>'
        f'<div class="detail">{escape(f.detail)}</div></div>'
        for f in figures
    )
    return f'<div class="kpis">{cards}</div>'


def png_img(png: bytes, alt: str) -> str:
    """An <img> with the PNG inline as a data: URI."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt, quote=True)}">'


def stylesheet() -> str:
    """The report's CSS (reporting/templates/report.css)."""
    return (
        resources.files("ecrcost.reporting")
        .joinpath("templates/report.css")
        .read_text(encoding="utf-8")
    )


def section_html(s: Section) -> str:
    """One report section as an HTML <section>."""
    parts = [f'<section id="{escape(s.id, quote=True)}">', f"<h2>{escape(s.title)}</h2>"]
    if s.figures:
        parts.append(figures_html(s.figures))
    parts += [f"<p>{escape(p)}</p>" for p in s.paragraphs]
    parts += [
        f"<figure>{png_img(c.png, c.title)}<figcaption>{escape(c.title)}</figcaption></figure>"
        for c in s.charts
    ]
    for t in s.tables:
        if not t.on_page:
            continue
        parts.append(
            f'<div class="table" id="t-{escape(t.name, quote=True)}"><h3>{escape(t.title)}</h3>'
        )
        parts.append(table_html(shown(t), kv=t.vertical))
        cap = caption(t)
        if cap:
            parts.append(f'<p class="note">{escape(cap)}</p>')
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts)


def report_html(report: Document, fragment: bool = False) -> str:
    """The whole report: a standalone HTML document, or with `fragment` a <div> for Jupyter."""
    nav = " ".join(
        f'<a href="#{escape(s.id, quote=True)}">{escape(s.title)}</a>' for s in report.sections
    )
    banner = ""
    if len(report.incomplete):
        banner = (
            f'<p class="warning">Incomplete snapshot: {len(report.incomplete)} account-region(s) '
            "failed or were partial; figures undercount (see Coverage).</p>"
        )
    body = "\n".join(
        [
            '<div class="ecrcost-report">',
            f"<h1>{escape(report.title)}</h1>",
            f'<p class="subtitle">{escape(report.subtitle)}</p>',
            banner,
            f"<nav>{nav}</nav>",
            *[section_html(s) for s in report.sections],
            "</div>",
        ]
    )
    style = f"<style>{stylesheet()}</style>"
    if fragment:
        return style + "\n" + body
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # no script, no remote content: nothing on this page can reach the network
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "img-src data:; style-src 'unsafe-inline'\">",
            f"<title>{escape(report.title)}</title>",
            style,
            "</head><body>",
            body,
            "</body></html>",
            "",
        ]
    )
