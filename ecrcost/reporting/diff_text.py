"""Infracost-style text of an `ecrcost.diff` frame: one block per changed row (``+`` added,
``-`` removed, ``~`` grown or shrunk) with its monthly cost change and old -> new, then the totals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .tables import format_bytes, format_usd

CHANGES = ("added", "removed", "grown", "shrunk", "unchanged")
_MARK = {"added": "+", "removed": "-", "grown": "~", "shrunk": "~", "unchanged": " "}


def _signed(v: float) -> str:
    if pd.isna(v):
        return "n/a"
    return ("+" if v >= 0 else "-") + format_usd(abs(v))


_CONTROL = {i: "?" for i in [*range(0x20), 0x7F]}  # ESC, CR, LF, ... never reach the terminal


def _name(row: pd.Series, keys: list[str]) -> str:
    return "/".join(str(row[k]) for k in keys).translate(_CONTROL)


def diff_text(d: pd.DataFrame, *, unchanged: bool = False) -> str:
    """Infracost-style text of a `diff` frame: one block per changed row, then the totals."""
    keys = [c for c in d.columns if c in ("account_id", "region", "repository", "group")]
    money = d.attrs.get("money", "total_usd")
    lines = [
        f"Monthly cost change from {str(d.attrs.get('old', 'OLD')).translate(_CONTROL)} "
        f"({d.attrs.get('old_at', '?')[:10]}) to {str(d.attrs.get('new', 'NEW')).translate(_CONTROL)} "
        f"({d.attrs.get('new_at', '?')[:10]})",
        f"Compared: {money} (USD/month); stored bytes deduplicated, 1 GB = 2^30 bytes.",
        "",
    ]
    for _, r in d.iterrows():
        if r["change"] == "unchanged" and not unchanged:
            continue
        mark = _MARK[str(r["change"])]
        lines.append(f"{mark} {_name(r, keys)}")
        if r["change"] == "added":
            lines.append(f"  {_signed(r['delta_usd'])}  ({format_usd(r['new_usd'])})")
            lines.append(
                f"    stored {format_bytes(r['new_bytes'])}, {_count(r['new_images'])} images"
            )
        elif r["change"] == "removed":
            lines.append(f"  {_signed(r['delta_usd'])}  ({format_usd(r['old_usd'])} -> $0.00)")
            lines.append(
                f"    was {format_bytes(r['old_bytes'])}, {_count(r['old_images'])} images"
            )
        else:
            lines.append(
                f"  {_signed(r['delta_usd'])}  ({format_usd(r['old_usd'])} -> {format_usd(r['new_usd'])})"
            )
            lines.append(
                f"    stored {format_bytes(r['old_bytes'])} -> {format_bytes(r['new_bytes'])}, "
                f"images {_count(r['old_images'])} -> {_count(r['new_images'])}"
            )
        lines.append("")
    old, new = d.attrs.get("old_total", np.nan), d.attrs.get("new_total", np.nan)
    pct = f", {100 * (new - old) / old:+.1f}%" if old and not np.isnan(old) else ""
    lines.append(
        f"Monthly cost change: {_signed(new - old)} ({format_usd(old)} -> {format_usd(new)}{pct})"
    )
    counts = d["change"].value_counts()
    lines.append(
        "──────────────────────────────────\n"
        + ", ".join(f"{int(counts.get(c, 0))} {c}" for c in CHANGES)
    )
    return "\n".join(lines) + "\n"


def _count(v: Any) -> str:
    return "n/a" if pd.isna(v) else f"{int(v):,}"
