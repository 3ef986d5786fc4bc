"""Fit a table to the terminal's width by choosing columns, never by splitting a number.

    shown, hidden = fit_columns(df, width=80)        # names, then money, then the rest that fit
    fit_columns(df, 80, columns=["repository", "total_usd"])   # exactly these (--columns)
    fit_columns(df, 80, wide=True)                   # every column (--wide)

The order of preference: the name columns (text columns before the first number: account_id,
region, repository, registry, plan, group, ...), then the money columns (``*_usd``; total_usd
first, the others in their order),
then every other column in its order. A column is kept when its widest cell (or header) still fits
in what is left of `width`; text columns count at most `TEXT_MIN` characters since they may wrap,
numbers count in full (they never wrap). The shown frame lists names, then money, then the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..errors import InputError

TEXT_MIN = 16  # characters a wrapping text column needs at least
_CELL = 3  # padding (1 + 1) and one border per column (rich's default box)


def is_number_column(df: pd.DataFrame, c: object) -> bool:
    """Numbers, money, bytes and GB columns: right-aligned, never wrapped."""
    return bool(
        pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ) or str(c).endswith(("_usd", "_bytes", "_gb", "_pct"))


def preference(df: pd.DataFrame) -> list[str]:
    """The columns of `df` in the order they are kept: names, money, the rest."""
    cols = [str(c) for c in df.columns]
    names: list[str] = []
    for c in cols:
        if is_number_column(df, c):
            break
        names.append(c)
    money = [c for c in cols if c.endswith("_usd") and c not in names]
    money.sort(key=lambda c: c != "total_usd")  # the total first, the parts in their order
    rest = [c for c in cols if c not in names and c not in money]
    return names + money + rest


def column_widths(df: pd.DataFrame, shown: pd.DataFrame | None = None) -> dict[str, int]:
    """Characters each column needs (widest of header and cells of `shown`, the frame formatted
    for display as `tables.display_frame` does; text capped at TEXT_MIN)."""
    shown = df.astype(str) if shown is None else shown
    out = {}
    for c in df.columns:
        cells = shown[c].astype(str)
        cell = max((len(line) for v in cells for line in v.splitlines() or [""]), default=0)
        head = len(str(c))
        if is_number_column(df, c):
            out[str(c)] = max(cell, head)  # never wrapped, header included
        else:
            out[str(c)] = min(max(cell, min(head, TEXT_MIN)), TEXT_MIN)
    return out


def fit_columns(
    df: pd.DataFrame,
    width: int,
    *,
    columns: Sequence[str] | None = None,
    wide: bool = False,
    shown: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """(`df` with the columns that fit in `width` characters, the hidden column names).

    `columns`: show exactly these, in this order (`InputError` naming any unknown one);
    `wide`: show every column; `shown`: `df` formatted for display (for the widths).
    At least the first preferred column is always shown.
    """
    if columns:
        unknown = [c for c in columns if c not in df.columns]
        if unknown:
            raise InputError(
                f"--columns: no column {', '.join(map(repr, unknown))}; "
                f"choose from {', '.join(map(str, df.columns))}"
            )
        return df[list(columns)], []  # the user chose: no note about the others
    order = preference(df)
    if wide:
        return df[order], []
    widths = column_widths(df, shown)
    left = width - 1  # the left border
    kept: list[str] = []
    for c in order:
        need = widths[c] + _CELL
        if need <= left or not kept:
            kept.append(c)
            left -= need
    hidden = [c for c in order if c not in kept]
    return df[kept], hidden


def hidden_note(hidden: Sequence[str]) -> str:
    """The line under a fitted table naming what was left out."""
    if not hidden:
        return ""
    return (
        f"{len(hidden)} more column(s) not shown at this width: {', '.join(hidden)} "
        "(--wide for all, --columns to choose)"
    )
