"""History: earlier monthly snapshots -> cost, storage, images and egress per month, a forecast.

    found = find_snapshots("snapshots/")             # one row per snapshot directory (meta only)
    months = monthly_snapshots(found)                # the newest snapshot of each report month
    usage = monthly_usage(months, traffic="traffic.toml")   # month x repository
    totals = monthly_totals(usage)                   # one row per month
    forecast(totals, "total_usd")                    # the next 3 months, with a band
    doubling_months(totals, "stored_gb")             # "at this rate storage doubles in N months"

**Report month.** A snapshot describes the month it was collected in, except one collected in the
first `EARLY_DAYS` days of a month (a cron job on the 1st): that one describes the month just
ended. `report_month` implements the rule; `--month YYYY-MM` overrides it.

**Forecast method.** Ordinary least squares of the monthly totals on the month number (a straight
line over at most the last 12 months), extended 3 months; the band is the 95% prediction interval
of that line (t quantile with n-2 degrees of freedom times the residual standard error times
sqrt(1 + 1/n + (x - mean)^2 / Sxx)). With two months the line goes through both and there is no
band (NaN: nothing to estimate the scatter from); with one month there is no trend and the
forecast is empty. `doubling_months` is the latest value over the fitted monthly increase (months
until it doubles at the current linear rate; NaN when the trend is flat or falling).

Money is USD per month (each snapshot priced as `ecrcost.costs` prices it, run-rate at its
collection time); bytes are bytes; stored_gb and egress_gb use 1 GB = 2^30 bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .collectors.cache import default_cache_dir
from .errors import InputError, SnapshotError
from .files import atomic_file
from .pricing.model import as_catalog
from .pricing.summary import costs
from .snapshot import Snapshot, load_snapshot
from .storage import REPO_KEY
from .traffic import as_traffic
from .units import GB
from .usage import check_month

#: a snapshot collected on day 1..EARLY_DAYS of a month reports the previous month
EARLY_DAYS = 5
MONTHS = 12  # months of history shown and fitted
HORIZON = 3  # months forecast
#: the columns of `monthly_usage` summed into accounts and totals
MEASURES = [
    "total_usd",
    "storage_usd",
    "egress_usd",
    "unique_bytes",
    "stored_gb",
    "images",
    "egress_gb",
    "pulls",
]


def report_month(collected_at: Any, early_days: int = EARLY_DAYS) -> str:
    """YYYY-MM of the month a snapshot collected at `collected_at` (UTC) describes."""
    t = pd.Timestamp(collected_at)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    if t.day <= early_days:
        t = t - pd.Timedelta(days=t.day)  # the last day of the previous month
    return str(t.strftime("%Y-%m"))


def previous_month(month: str) -> str:
    """The YYYY-MM before `month`."""
    return str((pd.Period(month, "M") - 1).strftime("%Y-%m"))


def find_snapshots(root: str | os.PathLike[str], depth: int = 3) -> pd.DataFrame:
    """Every snapshot directory under `root` (a directory holding meta.json of tool "ecrcost"), up to
    `depth` levels down, reading meta.json only.

    Columns: path (str), collected_at (UTC), month (its report month), status ("ok" when every
    target was collected, else "partial"), schema_version. Sorted by collected_at. Directories
    whose meta.json is unreadable are skipped and listed in ``attrs["skipped"]``. A missing `root`
    is an `InputError`.
    """
    base = Path(root)
    if not base.is_dir():
        raise InputError(f"--history {base}: no such directory")
    rows, skipped = [], []
    for meta in sorted(_meta_files(base, depth)):
        try:
            m = json.loads(meta.read_text())
            if not isinstance(m, dict) or m.get("tool", "ecrcost") != "ecrcost":
                continue
            at = pd.Timestamp(m["collected_at"])
            at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
        except (OSError, ValueError, KeyError, TypeError) as e:
            skipped.append(f"{meta.parent}: {type(e).__name__}: {e}")
            continue
        targets = m.get("targets") or []
        ok = all(isinstance(t, dict) and t.get("status") == "ok" for t in targets)
        rows.append(
            {
                "path": str(meta.parent),
                "collected_at": at,
                "month": report_month(at),
                "status": "ok" if ok else "partial",
                "schema_version": m.get("schema_version"),
            }
        )
    cols = ["path", "collected_at", "month", "status", "schema_version"]
    out = pd.DataFrame(rows, columns=cols)
    out["collected_at"] = pd.to_datetime(out["collected_at"], utc=True)
    out = out.sort_values(["collected_at", "path"], kind="stable").reset_index(drop=True)
    out.attrs["skipped"] = skipped
    return out


def _meta_files(base: Path, depth: int) -> Iterable[Path]:
    stack = [(base, 0)]
    while stack:
        d, level = stack.pop()
        meta = d / "meta.json"
        if meta.is_file():
            yield meta
            continue  # a snapshot's own subdirectories are its tables, not more snapshots
        if level < depth:
            try:
                subs = [p for p in d.iterdir() if p.is_dir() and not p.name.startswith(".")]
            except OSError:
                continue
            stack += [(p, level + 1) for p in subs]


def monthly_snapshots(
    found: pd.DataFrame, until: str | None = None, months: int = MONTHS
) -> pd.DataFrame:
    """The newest snapshot of each report month in `found` (from `find_snapshots`), for the
    `months` months up to and including `until` (YYYY-MM; default the newest month). Same columns."""
    if until is not None:
        found = found[found["month"] <= check_month(until)]
    latest = found.sort_values("collected_at", kind="stable").groupby("month").tail(1)
    latest = latest.sort_values("month").tail(months)
    return latest.reset_index(drop=True)


def baseline_for(found: pd.DataFrame, month: str) -> str | None:
    """The path of the newest snapshot reporting the month before `month`, or None."""
    prev = found[found["month"] == previous_month(month)]
    return None if prev.empty else str(prev.sort_values("collected_at").iloc[-1]["path"])


def monthly_usage(
    snapshots: pd.DataFrame | Iterable[Snapshot | str | os.PathLike[str]],
    traffic: Any = None,
    prices: Any = None,
    *,
    scope: str = "repository",
    free_tier: bool = False,
    cache: bool = True,
) -> pd.DataFrame:
    """Month x repository figures of each snapshot (one snapshot per month: `monthly_snapshots`,
    or snapshots / paths, each labelled with its `report_month`).

    Columns: month, collected_at, account_id, region, repository, total_usd, storage_usd,
    egress_usd (USD/month; NaN when unknown), unique_bytes (bytes), stored_gb (GB), images,
    egress_gb (GB pulled/month), pulls. Each snapshot is loaded, priced with `ecrcost.costs` and
    dropped before the next, so memory holds one snapshot at a time; one that cannot be read is
    left out and named in ``attrs["skipped"]``.

    With `cache`, the figures of a snapshot directory are kept in the cache directory
    (`$ECRCOST_CACHE_DIR` or the user cache, `history/<key>.parquet`; the key hashes the
    snapshot's files (names, sizes, times), the traffic profile, the catalog, scope and free tier),
    so next month's report reads this month's figures instead of pricing the snapshot again.
    """
    catalog, profile = as_catalog(prices), as_traffic(traffic)
    items = list(snapshots["path"]) if isinstance(snapshots, pd.DataFrame) else list(snapshots)
    labels = list(snapshots["month"]) if isinstance(snapshots, pd.DataFrame) else None
    frames = []
    skipped = []
    for i, item in enumerate(items):
        key = None
        if cache and not isinstance(item, Snapshot):
            key = usage_key(item, profile, catalog, scope, free_tier)
            rows = _cached(key)
            if rows is not None:
                frames.append(rows.assign(month=labels[i]) if labels is not None else rows)
                continue
        try:
            snap = item if isinstance(item, Snapshot) else load_snapshot(item)
        except SnapshotError as e:  # one unreadable month never sinks the history
            skipped.append(str(e))
            continue
        c = costs(
            snap, by="repository", scope=scope, traffic=profile, prices=catalog, free_tier=free_tier
        )
        month = labels[i] if labels is not None else report_month(snap.collected_at)
        frames.append(usage_rows(c, month, snap.collected_at))
        if key is not None:
            remember(key, frames[-1])
        del snap, c
    cols = ["month", "collected_at", *REPO_KEY, *MEASURES]
    if not frames:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        out.attrs["skipped"] = skipped
        return out
    out = pd.concat(frames, ignore_index=True)[cols]
    if out["month"].duplicated().any() and out.groupby("month")["collected_at"].nunique().max() > 1:
        raise InputError(
            "two snapshots describe the same month; pass one per month (monthly_snapshots)"
        )
    out = out.sort_values(["month", *REPO_KEY], kind="stable").reset_index(drop=True)
    out.attrs["skipped"] = skipped
    return out


def usage_key(
    path: str | os.PathLike[str], profile: Any, catalog: Any, scope: str, free_tier: bool
) -> str | None:
    """The cache key of a snapshot directory's monthly figures (None when it cannot be read)."""
    root = Path(path)
    try:
        files = sorted(
            (str(f.relative_to(root)), f.stat().st_size, f.stat().st_mtime_ns)
            for f in root.rglob("*")
            if f.is_file()
        )
    except OSError:
        return None
    rows = getattr(catalog, "rows", None)
    parts = {
        "version": __version__,
        "path": str(root.resolve()),
        "files": files,
        "traffic": repr(profile),
        "catalog": [
            getattr(catalog, "label", ""),
            getattr(catalog, "date", ""),
            int(pd.util.hash_pandas_object(rows.astype(str)).sum())
            if isinstance(rows, pd.DataFrame)
            else repr(catalog),
        ],
        "scope": scope,
        "free_tier": free_tier,
    }
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:40]


def _cache_file(key: str) -> Path:
    return default_cache_dir() / "history" / f"{key}.parquet"


def _cached(key: str | None) -> pd.DataFrame | None:
    if key is None:
        return None
    try:
        rows = pd.read_parquet(_cache_file(key))
    except (OSError, ValueError):  # missing or unreadable: price the snapshot again
        return None
    return rows if list(rows.columns) == ["month", "collected_at", *REPO_KEY, *MEASURES] else None


def remember(key: str | None, rows: pd.DataFrame) -> None:
    """Keep a snapshot's monthly figures under `key` (atomic; a failed write is only a miss)."""
    if key is None:
        return
    dest = _cache_file(key)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(dest, force=True) as tmp:
            rows.to_parquet(tmp, index=False)
    except OSError:
        pass


def usage_rows(by_repo: pd.DataFrame, month: str, collected_at: Any) -> pd.DataFrame:
    """The `monthly_usage` rows of one snapshot from its `costs(by="repository")` frame (for a
    caller that priced it already, as the report does for the current month)."""
    return pd.DataFrame(
        {
            "month": month,
            "collected_at": pd.Timestamp(collected_at),
            **{k: by_repo[k].astype(str) for k in REPO_KEY},
            "total_usd": by_repo["total_usd"].astype(float),
            "storage_usd": by_repo["storage_usd"].astype(float),
            "egress_usd": by_repo["egress_usd"].astype(float),
            "unique_bytes": by_repo["unique_bytes"].astype(float),
            "stored_gb": by_repo["unique_bytes"].astype(float) / GB,
            "images": by_repo["images"].astype(float),
            "egress_gb": by_repo["egress_gb"].astype(float),
            "pulls": by_repo["pulls"].astype(float),
        },
        columns=["month", "collected_at", *REPO_KEY, *MEASURES],
    )


def _sum(usage: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = usage.groupby(keys, sort=True)[MEASURES]
    out = g.sum(min_count=1)
    unknown = usage[MEASURES].isna().groupby([usage[k] for k in keys]).any()
    return out.mask(unknown.reindex(out.index).to_numpy(bool)).reset_index()


def monthly_totals(usage: pd.DataFrame) -> pd.DataFrame:
    """One row per month of `monthly_usage`: month, the MEASURES summed (NaN when any repository's
    value is unknown), repositories, change_usd and change_pct (total_usd, else storage_usd, against
    the previous row; NaN for the first)."""
    out = _sum(usage, ["month"])
    out["repositories"] = usage.groupby("month").size().reindex(out["month"]).to_numpy()
    money = out["total_usd"] if out["total_usd"].notna().all() else out["storage_usd"]
    out["change_usd"] = money.diff()
    out["change_pct"] = 100 * money.diff() / money.shift()
    return out


def monthly_by_account(usage: pd.DataFrame) -> pd.DataFrame:
    """Month x account_id sums of `monthly_usage` (columns: month, account_id, MEASURES)."""
    return _sum(usage, ["month", "account_id"])


def top_repositories(usage: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Month x repository rows of the `n` repositories costing most in the latest month (storage
    when the total is unknown). Columns: month, account_id, region, repository, MEASURES."""
    if usage.empty:
        return usage.drop(columns=["collected_at"])
    last = usage[usage["month"] == usage["month"].max()]
    rank = "total_usd" if last["total_usd"].notna().any() else "storage_usd"
    top = last.sort_values(rank, ascending=False, kind="stable").head(n)[REPO_KEY]
    out = usage.merge(top, on=REPO_KEY)
    return (
        out.drop(columns=["collected_at"]).sort_values(["month", *REPO_KEY]).reset_index(drop=True)
    )


def _fit(y: np.ndarray) -> tuple[float, float, float, float, float]:
    """(intercept, slope, residual s.e., mean x, Sxx) of OLS y ~ x for x = 0..n-1."""
    n = len(y)
    x = np.arange(n, dtype=float)
    xm = x.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * xm)
    resid = y - (intercept + slope * x)
    se = float(math.sqrt((resid**2).sum() / (n - 2))) if n > 2 else math.nan
    return intercept, slope, se, xm, sxx


# two-sided 95% t quantiles by degrees of freedom (1..30); >30 uses 1.96
_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]  # fmt: skip


def forecast(
    totals: pd.DataFrame, column: str = "total_usd", horizon: int = HORIZON, months: int = MONTHS
) -> pd.DataFrame:
    """The next `horizon` months of `column` from a straight-line fit of the last `months` rows of
    `totals` (from `monthly_totals`; the module docstring states the method).

    Columns: month (YYYY-MM), forecast, low, high (the 95% prediction band; NaN with two months),
    method. Empty with fewer than two known months (``attrs["note"]`` says why).
    """
    cols = ["month", "forecast", "low", "high", "method"]
    known = totals[["month", column]].dropna().tail(months)
    if len(known) < 2:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        out.attrs["note"] = (
            "no trend yet: one month of history" if len(known) == 1 else "no history"
        )
        return out
    y = known[column].to_numpy(float)
    n = len(y)
    a, b, se, xm, sxx = _fit(y)
    t = _T95[n - 3] if 3 <= n <= 32 else 1.96
    last = pd.Period(known["month"].iloc[-1], "M")
    rows = []
    for h in range(1, horizon + 1):
        x = n - 1 + h
        mid = a + b * x
        half = t * se * math.sqrt(1 + 1 / n + (x - xm) ** 2 / sxx) if n > 2 else math.nan
        rows.append(
            {
                "month": (last + h).strftime("%Y-%m"),
                "forecast": mid,
                "low": mid - half,
                "high": mid + half,
                "method": f"linear fit on {n} months, 95% prediction band",
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    out.attrs["slope"] = b
    out.attrs["note"] = (
        "two months: the line through both, no band" if n == 2 else f"linear fit on {n} months"
    )
    return out


def doubling_months(totals: pd.DataFrame, column: str = "stored_gb", months: int = MONTHS) -> float:
    """Months until the latest `column` value doubles at the fitted linear monthly increase over the
    last `months` rows; NaN with fewer than two months or a flat / falling trend."""
    known = totals[column].dropna().tail(months).to_numpy(float)
    if len(known) < 2:
        return math.nan
    slope = _fit(known)[1]
    return float(known[-1] / slope) if slope > 0 and known[-1] > 0 else math.nan
