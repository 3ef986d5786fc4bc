"""`ecrcost.style(df)`: a DataFrame shown the way the report shows it, in Jupyter or a terminal.

    ecrcost.style(ecrcost.costs(snap))            # $1,234.57, 1.50 GB, 12,345; "n/a" when unknown
    ecrcost.style(df, rows=10).df                  # the DataFrame itself, unchanged

Jupyter renders it as the report's HTML table (human headers, money columns first, digests
shortened, tags as chips; `reporting.html.table_html`); `str()` is the terminal table fitted to
80 columns. Nothing is computed and the data is not changed: only its display.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .html import stylesheet, table_html
from .tables import to_terminal
from .terminal import preference


@dataclass
class Styled:
    """A DataFrame with the report's display rules (`_repr_html_` for Jupyter, `str` for text)."""

    df: pd.DataFrame
    rows: int | None = 50
    human: bool = True

    def shown(self) -> pd.DataFrame:
        """The rows and columns shown: names, then money, then the rest; the first `rows` rows."""
        out = self.df[preference(self.df)]
        return out if self.rows is None else out.head(self.rows)

    def _note(self) -> str:
        n = len(self.df)
        return (
            f"First {self.rows} of {n:,} rows." if self.rows is not None and n > self.rows else ""
        )

    def _repr_html_(self) -> str:
        note = self._note()
        return (
            f'<style>{stylesheet()}</style><div class="ecrcost-report">'
            f'<div class="table">{table_html(self.shown(), human=self.human)}</div>'
            + (f'<p class="note">{note}</p>' if note else "")
            + "</div>"
        )

    def __str__(self) -> str:
        text = to_terminal(self.shown(), width=80, color=False)
        return text + (self._note() + "\n" if self._note() else "")

    def __repr__(self) -> str:
        return str(self)


def style(df: pd.DataFrame, rows: int | None = 50, *, human: bool = True) -> Styled:
    """`df` with the report's display rules: USD as "$1,234.57" (unknown "n/a", never $0),
    bytes in GB/MB (1 GB = 2^30 bytes), counts with thousands separators, human headers (with
    `human`), names and money columns first; at most `rows` rows shown (None: all)."""
    return Styled(df, rows, human)
