"""`Report`: the report document with its outputs (HTML, Markdown, Jupyter, a saved directory)."""

from __future__ import annotations

import os
from pathlib import Path

from ..files import atomic_directory
from . import html as html_renderer
from .document import Document
from .markdown import report_markdown
from .tables import to_csv


class Report(Document):
    """The assembled monthly report. `sections` in reading order; `tables` by name."""

    def markdown(self, chart_dir: str = "charts") -> str:
        """The report as Markdown; charts are linked as `<chart_dir>/<name>.png`."""
        return report_markdown(self, chart_dir)

    def html(self) -> str:
        """The report as one self-contained HTML document (CSS and charts inline)."""
        return html_renderer.report_html(self)

    def _repr_html_(self) -> str:
        return html_renderer.report_html(self, fragment=True)

    def save(self, out_dir: str | os.PathLike[str], force: bool = False) -> Path:
        """Write index.html, report.md, one CSV per table and charts/*.png into `out_dir`.

        Atomic: everything is written into a temporary sibling directory which is then renamed into
        place, so `out_dir` is never half-written. An existing `out_dir` is refused with
        `OutputExistsError` unless `force` (then it is replaced once the new report is complete).
        """
        with atomic_directory(out_dir, force) as tmp:
            (tmp / "charts").mkdir()
            for name, png in self.charts.items():
                (tmp / "charts" / f"{name}.png").write_bytes(png)
            for name, df in self.tables.items():
                (tmp / f"{name}.csv").write_text(to_csv(df), encoding="utf-8")
            (tmp / "report.md").write_text(self.markdown(), encoding="utf-8")
            (tmp / "index.html").write_text(self.html(), encoding="utf-8")
        return Path(out_dir)

    def __repr__(self) -> str:
        return f"<Report {self.title!r}: {len(self.sections)} sections, {len(self.tables)} tables>"
