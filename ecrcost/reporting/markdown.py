"""Markdown rendering of a report document (tables via `tables.to_markdown`, every string escaped)."""

from __future__ import annotations

from .document import Document
from .layout import caption, shown
from .tables import markdown_escape, to_markdown


def report_markdown(doc: Document, chart_dir: str = "charts") -> str:
    """The report as Markdown; charts are linked as `<chart_dir>/<name>.png`."""
    out = [f"# {markdown_escape(doc.title)}", "", markdown_escape(doc.subtitle), ""]
    for s in doc.sections:
        out += [f"## {markdown_escape(s.title)}", ""]
        for p in s.paragraphs:
            out += [markdown_escape(p), ""]
        for c in s.charts:
            out += [f"![{markdown_escape(c.title)}]({chart_dir}/{c.name}.png)", ""]
        for t in s.tables:
            out.append(to_markdown(shown(t), title=t.title))
            cap = caption(t)
            if cap:
                out += [f"_{cap}_", ""]
    return "\n".join(out).rstrip() + "\n"
