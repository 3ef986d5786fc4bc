"""Table renderers shared by `costs`, `compare` and `report`: terminal, CSV, JSON, Markdown.

One implementation per format; every command renders through `render(df, fmt)`.

Display rules (table and Markdown; CSV and JSON keep raw values):
- columns ending in ``_usd``: "$1,234.57"; unknown (NaN/None) is "n/a", never "$0.00"; an upper
  bound (the row's ``upper_bound`` list names the column) is "≤ $1,234.57";
- columns ending in ``_bytes``: human units with 1 GB = 2^30 bytes ("1.50 GB");
- columns ending in ``_gb``: two decimals.
Every user-controlled string goes through the one sanitiser of its format (`ecrcost.text`):
terminal cells lose escape sequences, control characters and newlines; Markdown cells are escaped
(no links, images or HTML); CSV cells that a spreadsheet would run as a formula (starting with
= + - @ tab or CR) are prefixed with a single quote. JSON is an array of objects with NaN/NA as
null and times in ISO-8601 (json.dumps escapes control characters itself).
12-digit account IDs are written to CSV as ="111111111111", the one spelling every spreadsheet
reads as text (so all 12 digits and a leading zero survive).
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import text
from ..units import GB
from .terminal import fit_columns, hidden_note, is_number_column

FORMATS = ("table", "csv", "json", "markdown")


def render(
    df: pd.DataFrame,
    fmt: str = "table",
    *,
    title: str | None = None,
    width: int | None = None,
    color: bool | None = None,
    columns: Sequence[str] | None = None,
    wide: bool = False,
) -> str:
    """Render `df` as `fmt` (one of FORMATS) and return the text.

    `width` and `color` apply to the terminal table (defaults: the terminal's width; colour only
    when stdout is a terminal). Tests pass a fixed width and color=False. The terminal table shows
    the columns that fit the width (`reporting.terminal.fit_columns`: names, then money, then the
    rest), or exactly `columns`, or with `wide` every column; output piped to a file or program
    (no terminal, no COLUMNS, no `width`) shows every column.
    """
    if fmt == "table":
        return to_terminal(df, title=title, width=width, color=color, columns=columns, wide=wide)
    if fmt == "csv":
        return to_csv(df)
    if fmt == "json":
        return to_json(df)
    if fmt == "markdown":
        return to_markdown(df, title=title)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def is_missing(v: Any) -> bool:
    """True for None, NaN, NaT and pd.NA."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(isinstance(v, float) and math.isnan(v))
    except TypeError:
        return False


def format_bytes(n: Any) -> str:
    """Bytes in binary units (1 GB = 2^30 bytes); "n/a" when unknown."""
    if is_missing(n):
        return "n/a"
    n = float(n)
    for unit, size in (("TB", 2**40), ("GB", GB), ("MB", 2**20), ("KB", 2**10)):
        if abs(n) >= size:
            return f"{n / size:,.2f} {unit}"
    return f"{n:,.0f} B"


def format_usd(v: Any) -> str:
    """Dollars with cents; "n/a" when unknown (never "$0.00" for unknown)."""
    if is_missing(v):
        return "n/a"
    v = float(v)
    if 0 < abs(v) < 0.00005:  # would round to $0.0000: say it is not zero
        return ">-$0.0001" if v < 0 else "<$0.0001"
    if 0 < abs(v) < 0.005:
        return f"-${-v:.4f}" if v < 0 else f"${v:.4f}"
    return f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"


def format_cell(column: str, v: Any) -> str:
    """How one value of `column` is shown in a table or Markdown."""
    if column.endswith("_usd"):
        return format_usd(v)
    if column.endswith("_bytes"):
        return format_bytes(v)
    if is_missing(v):
        return "n/a" if column.endswith(("_gb", "_gb_month")) else ""
    if column.endswith(("_gb", "_gb_month")):
        return f"{float(v):,.2f}"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, float | np.floating):
        return f"{v:,.2f}" if not float(v).is_integer() else f"{v:,.0f}"
    if isinstance(v, int | np.integer):
        return f"{v:,}"
    if isinstance(v, pd.Timestamp | datetime):
        return str(pd.Timestamp(v).strftime("%Y-%m-%d %H:%M"))
    if isinstance(v, list | tuple | np.ndarray):
        return ", ".join(str(x) for x in v)
    return str(v)


def display_frame(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every cell formatted for display (strings).

    A row whose ``upper_bound`` column (a list of column names, as `ecrcost.compare` gives) names a
    ``*_usd`` column shows that cell as an upper bound: "≤ $1,234.57".
    """
    out = pd.DataFrame(
        {c: [format_cell(str(c), v) for v in df[c]] for c in df.columns}, index=df.index
    )
    if "upper_bound" in df.columns:
        marks = []
        for i, bound in zip(df.index, df["upper_bound"], strict=True):
            bound = list(bound) if isinstance(bound, list | tuple | np.ndarray) else []
            for c in bound:
                if c in out.columns and str(c).endswith("_usd") and out.at[i, c] != "n/a":
                    out.at[i, c] = "≤ " + out.at[i, c]
            marks.append("≤" if bound else "")
        out["upper_bound"] = marks  # the marker itself: "≤" when the row holds an upper bound
    return out


def to_terminal(
    df: pd.DataFrame,
    *,
    title: str | None = None,
    width: int | None = None,
    color: bool | None = None,
    columns: Sequence[str] | None = None,
    wide: bool = False,
) -> str:
    """A rich table as text, fitted to `width` by choosing columns (see `render`). Numbers are
    right-aligned and never wrapped; text columns wrap. Hidden columns are named under the table."""
    if width is None and not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        wide = True  # piped into a file or another program: every column, long lines
    width = width or _terminal_width()
    full = display_frame(df)
    df, hidden = fit_columns(df, width, columns=columns, wide=wide, shown=full)
    shown = full[list(df.columns)]
    table = Table(
        title=_rich_escape(title) if title else None,
        show_lines=False,
        caption=_rich_escape(hidden_note(hidden)) if hidden else None,
    )
    for c in df.columns:
        numeric = is_number_column(df, c)
        table.add_column(
            _rich_escape(str(c)),
            justify="right" if numeric else "left",
            overflow="fold",
            no_wrap=numeric,
            min_width=max(map(len, shown[c]), default=1) if numeric else None,
        )
    for row in shown.itertuples(index=False):
        table.add_row(*[_rich_escape(x) for x in row])
    if wide:  # every column at its full width: the table may be wider than the terminal
        full_widths = [
            max([len(str(c)), *(len(v) for v in shown[c].astype(str))]) for c in df.columns
        ]
        width = max(width, sum(full_widths) + 3 * len(df.columns) + 1)
    if color is None:  # colour only when stdout is a terminal
        color = sys.stdout.isatty()
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        force_terminal=bool(color),
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
    )
    console.print(table)
    return buf.getvalue()


def _rich_escape(value: str) -> str:
    """One terminal-safe cell: no escape sequences, controls or newlines, no rich markup."""
    return escape(text.terminal(value))


def _terminal_width() -> int:
    """The terminal's width; 200 when output is piped (rich only uses the width a table needs, and
    a log file is better with long lines than with every cell wrapped)."""
    return max(80, shutil.get_terminal_size((200, 24)).columns)


neutralise_csv_cell = text.csv_cell  # the one CSV sanitiser (formula injection, controls)


def to_csv(df: pd.DataFrame) -> str:
    """CSV with raw values (bytes as integers, USD unrounded), formula-injection safe."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == object:
            out[c] = s.map(lambda v: text.csv_cell(_listish(v)))
        elif pd.api.types.is_string_dtype(s):
            out[c] = s.map(text.csv_cell, na_action="ignore")
    # account IDs as text: a spreadsheet keeps all 12 digits (and a leading zero)
    for c in out.columns:
        if str(c).endswith("account_id"):
            ids = out[c].astype("string")
            is_id = ids.str.fullmatch(r"\d{12}").fillna(False).astype(bool)
            out[c] = ids.where(~is_id, '="' + ids + '"').astype(object)
    return str(out.to_csv(index=False, lineterminator="\n"))


def _listish(v: Any) -> Any:
    if isinstance(v, list | tuple | np.ndarray):
        return ";".join(str(x) for x in v)
    return v


def json_value(v: Any) -> Any:
    """A JSON-ready Python value: NaN/NA -> None, numpy scalars -> Python, times -> ISO-8601."""
    if isinstance(v, list | tuple | np.ndarray):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): json_value(x) for k, x in v.items()}
    if is_missing(v):
        return None
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating | float):
        f = float(v)
        return int(f) if f.is_integer() and abs(f) < 2**53 else f  # 1520.0 bytes -> 1520
    if isinstance(v, pd.Timestamp | datetime | date):
        return pd.Timestamp(v).isoformat()
    return v


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of `df` as JSON-ready dicts."""
    cols = [str(c) for c in df.columns]
    return [
        {c: json_value(v) for c, v in zip(cols, row, strict=True)}
        for row in df.itertuples(index=False)
    ]


def to_json(df: pd.DataFrame) -> str:
    """A JSON array, one object per row (NaN -> null)."""
    return json.dumps(records(df), indent=2) + "\n"


markdown_escape = text.markdown  # the one Markdown sanitiser (links, images, HTML, pipes)


#: the units every envelope states
UNITS = {"money": "USD per month", "bytes": "bytes", "GB": "2^30 bytes", "unknown": "null"}


def to_json_envelope(df: pd.DataFrame, **extra: Any) -> str:
    """One JSON object: {"data": [rows], "method": df.attrs["method"] (or {}), "units": UNITS,
    **extra} (`--format json --envelope`); the bare array stays the default contract."""
    doc = {
        "data": records(df),
        "method": json_value(df.attrs.get("method") or {}),
        "units": UNITS,
        **{k: json_value(v) for k, v in extra.items()},
    }
    return json.dumps(doc, indent=2) + "\n"


def to_markdown(
    df: pd.DataFrame, *, title: str | None = None, headers: Callable[[str], str] | None = None
) -> str:
    """A GitHub-flavoured Markdown table (numbers right-aligned); `headers` maps column names to
    the headers shown (default: the names)."""
    shown = display_frame(df)
    cols = [headers(str(c)) if headers else str(c) for c in df.columns]
    align = [
        "---:"
        if pd.api.types.is_numeric_dtype(df[c]) or str(c).endswith(("_usd", "_bytes", "_gb"))
        else "---"
        for c in df.columns
    ]
    lines = []
    if title:
        lines += [f"### {markdown_escape(title)}", ""]
    lines.append("| " + " | ".join(markdown_escape(c) for c in cols) + " |")
    lines.append("| " + " | ".join(align) + " |")
    for row in shown.itertuples(index=False):
        lines.append("| " + " | ".join(markdown_escape(x) for x in row) + " |")
    return "\n".join(lines) + "\n"
