"""Markdown rendering of a report document (tables via `tables.to_markdown`, every string escaped)."""

from __future__ import annotations

from .document import Document
from .labels import header
from .layout import caption, shown
from .tables import markdown_escape, to_markdown


def report_markdown(doc: Document, chart_dir: str = "charts") -> str:
    """The report as Markdown; charts are linked as `<chart_dir>/<name>.png`."""
    out = [f"# {markdown_escape(doc.title)}", "", markdown_escape(doc.subtitle), ""]
    for s in doc.sections:
        out += [f"## {markdown_escape(s.title)}", ""]
        for f in s.figures:
            detail = f" — {markdown_escape(f.detail)}" if f.detail else ""
            out.append(f"- **{markdown_escape(f.label)}: {markdown_escape(f.value)}**{detail}")
        if s.figures:
            out.append("")
        for p in s.paragraphs:
            out += [markdown_escape(p), ""]
        for c in s.charts:
            out += [f"![{markdown_escape(c.title)}]({chart_dir}/{c.name}.png)", ""]
        for t in s.tables:
            if not t.on_page:
                continue
            out.append(to_markdown(shown(t), title=t.title, headers=header))
            cap = caption(t)
            if cap:
                out += [f"_{cap}_", ""]
    return "\n".join(out).rstrip() + "\n"
