"""The report's document model: data only (no rendering, no computing).

A `Document` is a title, a subtitle and `Section`s in reading order; a section holds paragraphs
(plain text), `Chart`s (PNG bytes) and `Table`s (a DataFrame in full plus how much of it to
show). Renderers (`html`, `markdown`) and `output.Report` (save, Jupyter) read this model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

ROWS = 25  # rows of a table shown in HTML / Markdown (the CSV has them all)


@dataclass
class Table:
    """A named table of a section: `df` in full (the CSV), shown as its first `limit` rows."""

    name: str
    title: str
    df: pd.DataFrame
    limit: int | None = ROWS
    vertical: bool = False  # show a one-row table as (figure, value) pairs
    show: list[str] | None = None  # the columns shown (default: all); the CSV keeps every column
    on_page: bool = True  # False: only the CSV (the figures already say it on the page)


@dataclass
class Chart:
    """A rendered chart: PNG bytes, saved as charts/<name>.png."""

    name: str
    title: str
    png: bytes


@dataclass
class Figure:
    """One headline figure of the first screen: a label, its value and a line of detail, all text
    already worded by the section (renderers only lay them out). `tone`: "up" (costs more), "down"
    (costs less), "warn" or ""."""

    id: str
    label: str
    value: str
    detail: str = ""
    tone: str = ""


@dataclass
class Section:
    """One heading of the report: headline figures, paragraphs (plain text), charts and tables,
    in that order."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Document:
    """An assembled report as data. `sections` in reading order; `tables` by name."""

    title: str
    month: str  # YYYY-MM the figures describe (ecrcost.history.report_month, or --month)
    subtitle: str
    sections: list[Section]
    incomplete: pd.DataFrame  # snapshot.incomplete_targets
    baseline: str | None = (
        None  # the baseline snapshot's path (or "(in memory)"); None: no baseline
    )

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report by name (the CSV files of `save`)."""
        return {t.name: t.df for s in self.sections for t in s.tables}

    @property
    def charts(self) -> dict[str, bytes]:
        """Every chart's PNG by name."""
        return {c.name: c.png for s in self.sections for c in s.charts}

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def section(self, id: str) -> Section:
        """The section with this id (summary, money, growth, savings, egress, alternatives, ...)."""
        return next(s for s in self.sections if s.id == id)
