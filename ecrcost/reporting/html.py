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
from .document import Document, Section
from .layout import caption, shown
from .tables import display_frame


def table_html(df: pd.DataFrame, *, caption: str | None = None) -> str:
    """An HTML <table> of `df` (all rows), cells formatted for display and escaped; numbers right-aligned."""
    shown = display_frame(df)
    numeric = [
        pd.api.types.is_numeric_dtype(df[c]) or str(c).endswith(("_usd", "_bytes", "_gb"))
        for c in df.columns
    ]
    head = "".join(
        f'<th class="{"num" if n else "txt"}">{escape(str(c))}</th>'
        for c, n in zip(df.columns, numeric, strict=True)
    )
    rows = []
    for row in shown.itertuples(index=False):
        cells = "".join(
            f'<td class="{"num" if n else "txt"}">{escape(str(v))}</td>'
            for v, n in zip(row, numeric, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


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
    parts += [f"<p>{escape(p)}</p>" for p in s.paragraphs]
    parts += [
        f"<figure>{png_img(c.png, c.title)}<figcaption>{escape(c.title)}</figcaption></figure>"
        for c in s.charts
    ]
    for t in s.tables:
        parts.append(
            f'<div class="table" id="t-{escape(t.name, quote=True)}"><h3>{escape(t.title)}</h3>'
        )
        parts.append(table_html(shown(t)))
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
