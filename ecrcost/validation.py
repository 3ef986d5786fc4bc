"""Validation of a snapshot on load: what a reader may assume about `meta.json` and the tables.

`validate_snapshot(snapshot)` is called by `load_snapshot` once the tables have their schema
columns and dtypes; it raises `SnapshotError` naming the file, the key or column, and the first
offending row, so a hand-edited, truncated or hostile snapshot fails with one line instead of a
traceback or, worse, wrong figures with exit 0. It checks:

- **meta.json types**: ``schema_version`` and ``pull_days`` integers (pull_days 0..MAX_PULL_DAYS;
  0 means no pull counts were collected), ``collected_at`` an ISO-8601 time with a time zone,
  ``targets`` and ``registries`` lists of objects whose ``account_id`` / ``region`` are strings,
  each target's ``status`` one of ok / partial / failed and ``errors`` / ``notes`` lists,
  ``settings`` and ``api_calls`` objects when present;
- **ranges**: no negative size (images, blobs, children) and no negative, NaN or infinite pull
  count;
- **unique keys**: one row per repository (account_id, region, repository), per image
  (account_id, region, repository, digest), per manifest digest and per pull day (account_id,
  region, repository, date);
- **no missing keys**: the key columns above are never null.

`check_meta(meta, where)` is the meta.json part alone (for callers that read only meta.json).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from .errors import SnapshotError

#: CloudWatch keeps daily datapoints for 455 days (the collector's --pull-days limit)
MAX_PULL_DAYS = 455
TARGET_STATUSES = ("ok", "partial", "failed")

#: table -> the columns that identify one row (unique, never null)
KEYS: dict[str, list[str]] = {
    "repositories": ["account_id", "region", "repository"],
    "images": ["account_id", "region", "repository", "digest"],
    "manifests": ["digest"],
    "pulls": ["account_id", "region", "repository", "date"],
}
#: table -> columns that must be >= 0 when present (sizes in bytes, pull counts)
NON_NEGATIVE: dict[str, list[str]] = {
    "images": ["size_bytes"],
    "blobs": ["size_bytes"],
    "children": ["size_bytes"],
    "pulls": ["pulls"],
}


def validate_snapshot(snapshot: Any) -> None:
    """Raise `SnapshotError` unless `snapshot` (an `ecrcost.snapshot.Snapshot`; not imported here:
    snapshot.py calls this module) meets the rules of the module docstring."""
    where = str(snapshot.path) if snapshot.path is not None else "snapshot"
    check_meta(snapshot.meta, f"{where}/meta.json")
    for name, df in snapshot.tables().items():
        check_table(name, df, f"{where}/{name}")


def check_meta(meta: Any, where: str = "meta.json") -> None:
    """Raise `SnapshotError` unless `meta` (a parsed meta.json) has the documented key types."""
    if not isinstance(meta, dict):
        raise SnapshotError(f"{where}: not a JSON object")

    def fail(key: str, why: str) -> NoReturn:
        raise SnapshotError(f"{where}: {key} {why}")

    for key in ("schema_version", "pull_days"):
        if key in meta and not _is_int(meta[key]):
            fail(key, f"must be an integer, not {_show(meta[key])}")
    days = meta.get("pull_days")
    if isinstance(days, int) and not 0 <= days <= MAX_PULL_DAYS:
        fail("pull_days", f"must be between 0 and {MAX_PULL_DAYS}, not {days}")
    if "collected_at" not in meta:
        fail("collected_at", "is missing")
    _check_time(meta["collected_at"], where, "collected_at")
    for key in ("tool_version",):
        if key in meta and not isinstance(meta[key], str):
            fail(key, f"must be a string, not {_show(meta[key])}")
    for key in ("settings", "api_calls"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], dict):
            fail(key, f"must be an object, not {_show(meta[key])}")
    if "targets" not in meta:
        fail("targets", "is missing")
    for key in ("targets", "registries"):
        value = meta.get(key, [])
        if not isinstance(value, list):
            fail(key, f"must be a list of objects, not {_show(value)}")
        for i, entry in enumerate(value):
            _check_entry(entry, where, f"{key}[{i}]", target=key == "targets")


def _check_entry(entry: Any, where: str, key: str, target: bool) -> None:
    if not isinstance(entry, dict):
        raise SnapshotError(f"{where}: {key} must be an object, not {_show(entry)}")
    for k in ("account_id", "region"):
        if not isinstance(entry.get(k), str) or not entry[k]:
            raise SnapshotError(
                f"{where}: {key}.{k} must be a non-empty string, not {_show(entry.get(k))}"
            )
    if not target:
        return
    if entry.get("status") not in TARGET_STATUSES:
        raise SnapshotError(
            f"{where}: {key}.status must be one of {', '.join(TARGET_STATUSES)}, "
            f"not {_show(entry.get('status'))}"
        )
    for k in ("errors", "notes"):
        v = entry.get(k, [])
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            raise SnapshotError(f"{where}: {key}.{k} must be a list of objects, not {_show(v)}")
    for k in ("error", "role_arn"):
        if entry.get(k) is not None and not isinstance(entry[k], str):
            raise SnapshotError(
                f"{where}: {key}.{k} must be a string or null, not {_show(entry[k])}"
            )


def _check_time(value: Any, where: str, key: str) -> None:
    if not isinstance(value, str):
        raise SnapshotError(f"{where}: {key} must be an ISO-8601 time string, not {_show(value)}")
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        pd.Timestamp(t)  # within the range every later stage can compute with
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        raise SnapshotError(
            f"{where}: {key} {_show(value)} is not an ISO-8601 time (e.g. 2026-11-28T06:00:00+00:00)"
        ) from None
    if t.tzinfo is None:
        raise SnapshotError(f"{where}: {key} {_show(value)} has no time zone (expected UTC)")


def check_table(name: str, df: pd.DataFrame, where: str) -> None:
    """Raise `SnapshotError` for a null or duplicated key, or a negative / non-finite number."""
    key = [c for c in KEYS.get(name, []) if c in df.columns]
    if key and len(df):
        nulls = df[key].isna().any(axis=1).to_numpy(bool)
        if nulls.any():
            i = int(np.flatnonzero(nulls)[0])
            col = next(c for c in key if pd.isna(df[c].iloc[i]))
            raise SnapshotError(f"{where}: row {i}: {col} is missing (part of the table's key)")
        dup = df.duplicated(key).to_numpy(bool)
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            ident = ", ".join(f"{c}={df[c].iloc[i]}" for c in key)
            raise SnapshotError(
                f"{where}: row {i}: duplicated {'/'.join(key)} ({ident}); each may appear once"
            )
    for col in NON_NEGATIVE.get(name, []):
        if col not in df.columns or not len(df):
            continue
        values = df[col].astype("Float64").to_numpy(float, na_value=np.nan)
        bad = ~np.isfinite(values) | (values < 0)
        if col != "pulls":  # an unknown size is allowed (<NA>); an unknown pull count is not
            bad &= ~np.isnan(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SnapshotError(
                f"{where}: row {i}: {col} = {float(values[i]):g} (must be a finite number >= 0)"
            )


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _show(v: Any) -> str:
    """A short, safe rendering of a bad value for an error message."""
    text = repr(v)
    if isinstance(v, float) and not math.isfinite(v):
        text = str(v)
    return text if len(text) <= 60 else text[:57] + "..."
