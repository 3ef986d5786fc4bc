"""The rules and flags under a cost table: ``df.attrs["method"]`` as text lines, and the frame's
flags as numbered notes (the renderer's side of flags as data: only here do they become text)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from .tables import render


def method_lines(method: Any, *, readable_keys: bool = False, skip_empty: bool = True) -> list[str]:
    """ "key: value" lines of a ``.attrs["method"]`` (a dict; a list gives one line per item, a
    string one line; None nothing). Nested dicts and lists are joined with "; ". `readable_keys`
    writes "fallback prices" for "fallback_prices" (the report); `skip_empty` leaves out None and
    "" values (the report keeps "")."""
    if method is None:
        return []
    if isinstance(method, dict):
        return [
            f"{str(k).replace('_', ' ') if readable_keys else k}: {_plain(v)}"
            for k, v in method.items()
            if v is not None and not (skip_empty and v == "")
        ]
    if isinstance(method, list | tuple):
        return [_plain(v) for v in method]
    return [str(method)]


def _plain(v: Any) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_plain(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return "; ".join(_plain(x) for x in v)
    return str(v)


def render_with_notes(
    df: pd.DataFrame,
    fmt: str,
    title: str,
    *,
    columns: Sequence[str] | None = None,
    wide: bool = False,
) -> tuple[str, str, bool]:
    """(the table, the footer, whether the footer goes to stderr) for a cost frame; `columns` /
    `wide` choose the terminal table's columns (`tables.render`).

    Table and Markdown: the flags become numbered notes (a "notes" column points at them) under
    the table, followed by the rules. CSV and JSON keep the flags column, and the rules go to
    stderr so stdout stays parseable.
    """
    lines = method_lines(df.attrs.get("method", {}))
    if fmt in ("csv", "json"):
        return render(df, fmt), "\n".join(lines), True
    notes = sorted({f for fl in df.get("flags", []) for f in fl})
    shown = df.drop(columns=["flags"], errors="ignore")
    if notes:
        shown = shown.assign(
            notes=[", ".join(str(notes.index(f) + 1) for f in sorted(fl)) for fl in df["flags"]]
        )
    bullet = "- " if fmt == "markdown" else ""
    footer = [f"{bullet}[{i}] {n}" for i, n in enumerate(notes, start=1)] + [
        f"{bullet}{line}" for line in lines
    ]
    return (
        render(shown, fmt, title=title, columns=columns, wide=wide),
        ("\n" if fmt == "markdown" else "") + "\n".join(footer),
        False,
    )
