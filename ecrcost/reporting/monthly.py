"""The monthly report: one object holding every section's tables and charts, saved as a directory.

    rep = ecrcost.report("snap", baseline="snap-last-month", traffic="traffic.toml")
    rep.tables["top_repositories"]          # DataFrames, one per table (also rep["summary"], ...)
    rep                                     # renders in Jupyter (_repr_html_)
    rep.save("reports/2026-11")             # index.html, report.md, <table>.csv, charts/<chart>.png

Sections: summary, where the money goes, growth (push months, month over month against a
baseline), savings candidates, egress, estimate vs bill (with a bill), alternatives, coverage, method. Every figure comes from the
public stage functions (`ecrcost.costs`, `ecrcost.image_storage`, `ecrcost.compare`) so the report
matches `ecrcost costs` and `ecrcost compare`. Money is USD per month; bytes are bytes (shown with
1 GB = 2^30 bytes); unknown is NaN / "n/a", never 0.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..chargeback import parse_by
from ..errors import InputError, SnapshotError
from ..history import (
    baseline_for,
    find_snapshots,
    monthly_snapshots,
    previous_month,
    report_month,
)
from ..snapshot import READABLE_VERSIONS, Snapshot, load_snapshot
from ..storage import REPO_KEY
from ..usage import check_month
from .output import Report
from .sections import SECTIONS
from .sections.context import Context

TOP = 15  # repositories in charts


def report(
    snapshot: Snapshot | str | os.PathLike[str],
    baseline: Snapshot | str | os.PathLike[str] | None = None,
    traffic: Any = None,
    prices: Any = None,
    *,
    scope: str = "repository",
    free_tier: bool = False,
    users: int | None = None,
    top: int = TOP,
    bill: Any = None,
    month: str | None = None,
    history: str | os.PathLike[str] | pd.DataFrame | None = None,
    by: str | None = None,
) -> Report:
    """Build the monthly report of `snapshot` (a Snapshot or a snapshot directory).

    `baseline`: an older snapshot (or path) for the month-over-month section; it must have the same
    schema version, be collected earlier and share at least one repository (else `SnapshotError` /
    `InputError`). `traffic` and `prices` are passed to `ecrcost.costs` / `ecrcost.compare` (a path
    or a loaded profile / catalog); without `traffic` egress cost is unknown. `scope` is the
    deduplication scope ("repository" or "registry"); `free_tier` subtracts free allowances as
    `ecrcost costs --free-tier` does; `users` the seat count for the comparison;
    `top` the number of repositories named in charts. `bill` (a bill DataFrame or BILLDIR from
    `ecrcost bill fetch|import`): egress calibrated from it, and the "Estimate vs bill" section.

    `month` (YYYY-MM): the month the figures describe, default `ecrcost.history.report_month` of
    the collection time (a snapshot of the first days of a month reports the month just ended).
    `history`: a directory of earlier snapshots (searched with `find_snapshots`) or its
    `find_snapshots` frame, for the trend section (12 months) and for ``baseline="auto"``, which
    picks the newest snapshot reporting the month before (none found: no baseline, said so).
    `by`: the chargeback grouping (tag:KEY or prefix[:DEPTH]; default tag:team when some
    repository has that tag, else prefix:1).
    """
    snap = _as_snapshot(snapshot, "snapshot")
    month = check_month(month) if month is not None else report_month(snap.collected_at)
    if by is not None:
        parse_by(by)
    found = _history(history, snap)
    earlier = None
    if found is not None:
        earlier = monthly_snapshots(found[found["month"] < month], until=previous_month(month))
    if isinstance(baseline, str) and baseline == "auto":
        baseline = baseline_for(found, month) if found is not None else None
    base = _as_snapshot(baseline, "baseline") if baseline is not None else None
    if base is not None:
        _check_baseline(snap, base)
    ctx = Context(
        snap, base, traffic, prices, scope, free_tier, users, top, bill,
        month=month, history=earlier, by=by,
    )  # fmt: skip
    sections = [s for s in (build(ctx) for build in SECTIONS) if s is not None]
    where = f" from {snap.path}" if snap.path else ""
    collected = snap.collected_at.strftime("%Y-%m-%d %H:%M")
    covers = f"Covers {pd.Period(month, 'M').strftime('%B %Y')}"
    if snap.collected_at.strftime("%Y-%m") != month:
        covers += f" (collected {snap.collected_at.strftime('%Y-%m-%d')}, after the month ended)"
    subtitle = (
        f"{covers}. Snapshot collected {collected} UTC{where}"
        f" by ecrcost {snap.meta.get('tool_version', '?')}. Money in USD per month; "
        "1 GB = 2^30 bytes."
    )
    if base is not None:
        subtitle += f" Baseline collected {base.collected_at.strftime('%Y-%m-%d %H:%M')} UTC."
    else:
        subtitle += " No baseline: month-over-month changes start with next month's report."
    return Report(
        title=f"ECR cost report {month}",
        month=month,
        subtitle=subtitle,
        sections=sections,
        incomplete=snap.incomplete_targets,
        baseline=None if base is None else str(base.path or "(in memory)"),
    )


def _history(
    history: str | os.PathLike[str] | pd.DataFrame | None, snap: Snapshot
) -> pd.DataFrame | None:
    """The `find_snapshots` frame of `history`, without the snapshot itself."""
    if history is None:
        return None
    found = history if isinstance(history, pd.DataFrame) else find_snapshots(history)
    if snap.path is not None:
        own = str(Path(snap.path).resolve())
        found = found[[str(Path(p).resolve()) != own for p in found["path"]]]
    found = found[pd.to_datetime(found["collected_at"], utc=True) < snap.collected_at]
    return found.reset_index(drop=True)


def _as_snapshot(s: Snapshot | str | os.PathLike[str], what: str) -> Snapshot:
    if isinstance(s, Snapshot):
        version = s.meta.get("schema_version")
        if version not in READABLE_VERSIONS:
            raise SnapshotError(
                f"{what} {s.path or '(in memory)'}: schema version {version!r}, "
                f"this ecrcost reads versions {', '.join(map(str, READABLE_VERSIONS))}"
            )
        return s
    return load_snapshot(s)


def _check_baseline(snap: Snapshot, base: Snapshot) -> None:
    name = base.path or "(in memory)"
    if base.collected_at >= snap.collected_at:
        raise InputError(
            f"baseline {name} was collected at {base.collected_at.isoformat()}, not before the "
            f"snapshot ({snap.collected_at.isoformat()}); pass the older snapshot as --baseline"
        )
    keys = [set(map(tuple, s.repositories[REPO_KEY].astype(str).to_numpy())) for s in (snap, base)]
    if keys[0] and keys[1] and not keys[0] & keys[1]:
        raise InputError(
            f"baseline {name} has no repository in common with the snapshot "
            "(different accounts or regions?); nothing to compare month over month"
        )
