"""Merging snapshots: the shards of `ecrcost collect --shard K/N` (or any snapshots of disjoint
account-regions) -> one snapshot, as if collected in one run.

Refused (`MergeError`), so a merge never double-counts or mixes incomparable data:
- an account-region present in two inputs (overlap);
- inputs whose collection settings differ (regions asked for, organisation role, role ARNs,
  manifests on/off, pull window, endpoint), or whose shards are of different N or repeat a K;
- fewer than two inputs.

The merged meta.json: ``collected_at`` the earliest input's, ``targets`` and ``registries`` the
union (sorted), ``api_calls`` summed, ``settings`` the common settings with ``shard`` cleared,
and ``merged_from``: each input's path, collected_at and shard. Manifests, blobs and children
are content-addressed, so each digest (or pair) is kept once.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .errors import MergeError
from .snapshot import SCHEMA, Snapshot, load_snapshot, new_meta

#: settings that may differ between the shards of one collection
PER_RUN_SETTINGS = ("shard", "workers", "cache", "profile")
#: content-addressed tables: the key columns of one row
GLOBAL_KEYS = {
    "manifests": ["digest"],
    "blobs": ["manifest_digest", "blob_digest"],
    "children": ["index_digest", "child_digest"],
}


def merge_snapshots(snapshots: Sequence[Snapshot | str | os.PathLike[str]]) -> Snapshot:
    """One snapshot from disjoint ones (see the module docstring); inputs may be paths."""
    snaps = [s if isinstance(s, Snapshot) else load_snapshot(s) for s in snapshots]
    if len(snaps) < 2:
        raise MergeError("merge needs at least two snapshots")
    names = [str(s.path or f"snapshot {i + 1}") for i, s in enumerate(snaps)]
    _check_settings(snaps, names)
    _check_shards(snaps, names)
    owner: dict[tuple[str, str], str] = {}
    for s, name in zip(snaps, names, strict=True):
        for t in s.meta.get("targets", []):
            key = (str(t.get("account_id")), str(t.get("region")))
            if key in owner:
                raise MergeError(
                    f"{name} and {owner[key]} both hold account {key[0]} region {key[1]}: "
                    "the snapshots overlap"
                )
            owner[key] = name
    meta = _merged_meta(snaps, names)
    tables = {}
    for table in SCHEMA:
        frames = [getattr(s, table) for s in snaps]
        df = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
        if table in GLOBAL_KEYS:
            df = df.drop_duplicates(GLOBAL_KEYS[table]).reset_index(drop=True)
        tables[table] = df
    return Snapshot.build(meta, **tables)


def _settings(s: Snapshot) -> dict[str, Any]:
    st = {k: v for k, v in (s.meta.get("settings") or {}).items() if k not in PER_RUN_SETTINGS}
    st["pull_days"] = s.meta.get("pull_days")
    return st


def _check_settings(snaps: list[Snapshot], names: list[str]) -> None:
    first = _settings(snaps[0])
    for s, name in zip(snaps[1:], names[1:], strict=True):
        other = _settings(s)
        diff = sorted(k for k in set(first) | set(other) if first.get(k) != other.get(k))
        if diff:
            k = diff[0]
            raise MergeError(
                f"{name} was collected with {k}={other.get(k)!r}, {names[0]} with "
                f"{k}={first.get(k)!r}: only snapshots of the same collection settings merge"
            )


def _check_shards(snaps: list[Snapshot], names: list[str]) -> None:
    shards = [(s.meta.get("settings") or {}).get("shard") for s in snaps]
    given = [(sh, n) for sh, n in zip(shards, names, strict=True) if sh]
    if not given:
        return
    ns = {sh.split("/")[1] for sh, _ in given}
    if len(ns) > 1 or len(given) != len(snaps):
        raise MergeError(
            f"shards of different collections: {', '.join(sh or '-' for sh in shards)}"
        )
    repeated = [sh for sh, c in Counter(sh for sh, _ in given).items() if c > 1]
    if repeated:
        raise MergeError(f"shard {repeated[0]} given twice")


def _merged_meta(snaps: list[Snapshot], names: list[str]) -> dict[str, Any]:
    calls: Counter[str] = Counter()
    for s in snaps:
        calls.update(s.meta.get("api_calls") or {})
    settings = dict(snaps[0].meta.get("settings") or {}, shard=None)
    in_use = [s.meta["in_use"] for s in snaps if isinstance(s.meta.get("in_use"), dict)]
    extra: dict[str, Any] = {}
    if in_use:  # collected with --in-use (the settings check makes it all or none)
        extra["in_use"] = {
            "collected": True,
            "inspector": dict(sorted(kv for u in in_use for kv in u.get("inspector", {}).items())),
            "unresolved": [x for u in in_use for x in u.get("unresolved", [])][:100],
        }
    collected = sorted(s.collected_at for s in snaps)
    return new_meta(
        collected_at=collected[0].isoformat(timespec="seconds"),
        pull_days=snaps[0].meta.get("pull_days"),
        targets=sorted(
            (t for s in snaps for t in s.meta.get("targets", [])),
            key=lambda t: (str(t.get("account_id")), str(t.get("region"))),
        ),
        registries=sorted(
            (r for s in snaps for r in s.meta.get("registries", [])),
            key=lambda r: (str(r.get("account_id")), str(r.get("region"))),
        ),
        settings=settings,
        api_calls=dict(sorted(calls.items())),
        merged_from=[
            {
                "path": name,
                "collected_at": s.meta.get("collected_at"),
                "shard": (s.meta.get("settings") or {}).get("shard"),
            }
            for s, name in zip(snaps, names, strict=True)
        ],
        **extra,
    )
