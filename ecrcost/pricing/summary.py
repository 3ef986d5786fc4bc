"""Cost summaries: line items summed into one row per repository / account / region / total,
and the method text stating the rules behind the figures (``costs(...).attrs["method"]``).

The rules themselves are in `ecrcost.pricing.model`'s docstring; this module only adds up what
`line_items` priced. NaN (unknown) stays NaN in every sum; flags are merged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..chargeback import chargeback, is_grouping, parse_by
from ..errors import InputError
from ..flags import merge, with_code
from ..snapshot import Snapshot
from ..storage import REPO_KEY
from ..traffic import TrafficProfile
from ..usage import Period, calibration_summary, check_scope
from .catalog import Catalog
from .model import EGRESS_ITEMS, REPLICATION_ITEMS, STORAGE_ITEMS, priced_usage

BY = ("repository", "account", "region", "total")
BY_KEYS: dict[str, list[str]] = {
    "repository": REPO_KEY,
    "account": ["account_id"],
    "region": ["region"],
    "total": [],
}
COST_COLUMNS = [
    "images",
    "tagged_images",
    "untagged_images",
    "naive_bytes",
    "unique_bytes",
    "exclusive_bytes",
    "storage_gb",
    "storage_usd",
    "pulls",
    "egress_gb",
    "egress_usd",
    "total_usd",
]
EXTRA_COST_COLUMNS = ["replication_usd", "flags"]


def _check_options(by: str | None, scope: str) -> None:
    if by is not None and by not in BY:
        raise InputError(f"--by {by!r}: expected one of {', '.join(BY)}")
    check_scope(scope)


def costs(
    snapshot: Snapshot,
    by: str = "repository",
    scope: str = "repository",
    traffic: Any = None,
    prices: Any = None,
    month: str | None = None,
    free_tier: bool = False,
    bill: Any = None,
) -> pd.DataFrame:
    """Monthly ECR cost per repository (or account / region / total).

    `traffic` and `prices` take a path or a loaded object (None: no traffic profile; the bundled
    catalog). Columns: the key columns of `by` (repository: account_id, region, repository;
    account: account_id; region: region; total: none), then images, tagged_images,
    untagged_images, naive_bytes, unique_bytes, exclusive_bytes (bytes), storage_gb (GB-Mo),
    storage_usd, pulls (per month), egress_gb (pulled GB after the layer cache), egress_usd (NaN
    without a traffic profile), total_usd (storage + egress + replication; NaN when any part is
    unknown), replication_usd, flags (list of `ecrcost.flags.Flag`). ``.attrs["method"]`` (dict)
    states the rules: catalog and its date, period, scope, pulls, bytes per pull, egress rule, free tier, traffic.
    `bill` (a bill DataFrame or BILLDIR): egress calibrated from the billed transfer-out GB per
    account x region (`usage.calibrate_egress`; the method's ``egress_calibration`` says where).
    `by` may also be a chargeback grouping, ``tag:KEY`` or ``prefix[:DEPTH]``: one row per group
    (columns of `ecrcost.chargeback.chargeback`), adding up to the total.
    """
    grouping = is_grouping(by)
    if grouping:
        parse_by(by)  # a bad grouping fails before the work
    out = cost_breakdown(
        snapshot,
        by="repository" if grouping else by,
        scope=scope,
        traffic=traffic,
        prices=prices,
        month=month,
        free_tier=free_tier,
        bill=bill,
    )[0]
    if not grouping:
        return out
    groups = chargeback(out, snapshot.repositories, by)
    rest = '"untagged": no such tag' if by.startswith("tag:") else '"(no prefix)": no "/" there'
    groups.attrs["method"] = {**out.attrs.get("method", {}), "by": f"{by} ({rest})"}
    return groups


def cost_breakdown(
    snapshot: Snapshot,
    by: str = "repository",
    scope: str = "repository",
    traffic: Any = None,
    prices: Any = None,
    month: str | None = None,
    free_tier: bool = False,
    bill: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(`costs(...)`, `line_items(...)`) from one pass over the snapshot, for callers that need
    both (the comparison's ECR row): the usage is measured and priced once."""
    _check_options(by, scope)
    catalog, profile, usage, items = priced_usage(
        snapshot, scope, traffic, prices, month, free_tier, bill
    )
    rs, eg = usage["rs"], usage["egress"]
    df = rs[REPO_KEY + COST_COLUMNS[:6]].astype({k: object for k in REPO_KEY})
    df = df.merge(
        eg[REPO_KEY + ["pulls", "pulled_gb"]].rename(columns={"pulled_gb": "egress_gb"}),
        on=REPO_KEY,
        how="left",
    )
    df = df.join(_item_sums(items), on=REPO_KEY)
    df["replication_usd"] = df["replication_usd"].fillna(0.0)  # not replicated: $0
    df["total_usd"] = df["storage_usd"] + df["egress_usd"] + df["replication_usd"]
    cells: dict[tuple[Any, ...], list[Any]] = {}  # each repository's flags cells, merged once
    for key, cell in zip(_keys(items), items["flags"], strict=True):
        if cell:
            cells.setdefault(key, []).append(cell)
    df["flags"] = [merge(cells[k]) if k in cells else [] for k in _keys(df)]
    out = summarise(df, by)
    out.attrs["method"] = method(
        catalog,
        snapshot,
        by=by,
        scope=scope,
        month=month,
        free_tier=free_tier,
        traffic=profile,
        items=items,
        calibration=calibration_summary(eg, usage["billed"]),
    )
    return out, items


def _merge_flags(s: pd.Series) -> list[Any]:
    return merge(s)


def _keys(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The (account_id, region, repository) of each row of `df`."""
    return list(zip(*(df[k].to_numpy(object) for k in REPO_KEY), strict=True))


#: the per-repository sums of line items: column -> (items column, the items it sums)
ITEM_SUMS = {
    "storage_gb": ("quantity", STORAGE_ITEMS),
    "storage_usd": ("usd", STORAGE_ITEMS),
    "egress_usd": ("usd", EGRESS_ITEMS),
    "replication_usd": ("usd", REPLICATION_ITEMS),
}


def _item_sums(items: pd.DataFrame) -> pd.DataFrame:
    """The ITEM_SUMS columns per repository (indexed by REPO_KEY), in one group-by. A NaN item
    makes its sum NaN; a repository without items of a kind gets NaN for it."""
    item = items["item"]
    parts, counts = {}, {}
    for name, (col, kinds) in ITEM_SUMS.items():
        mask = item.isin(kinds).to_numpy()
        parts[name] = np.where(mask, items[col].to_numpy(float), 0.0)
        counts[f"_n_{name}"] = mask.astype(np.int64)
    frame = pd.DataFrame({**parts, **counts})
    sums = frame.groupby([items[k].to_numpy(object) for k in REPO_KEY], sort=False).sum(
        skipna=False
    )
    sums.index.names = REPO_KEY
    for name in ITEM_SUMS:
        sums[name] = sums[name].where(sums.pop(f"_n_{name}") > 0)
    return sums


def summarise(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Sum a per-repository cost frame into `by` rows (NaN stays NaN; flags are merged)."""
    keys = BY_KEYS[by]
    cols = COST_COLUMNS + EXTRA_COST_COLUMNS
    if by == "repository":
        return df.sort_values(REPO_KEY).reset_index(drop=True)[REPO_KEY + cols]
    numeric = COST_COLUMNS + ["replication_usd"]
    if len(df) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in keys + cols})
    grouped = df.groupby(keys, sort=True) if keys else df.groupby(np.zeros(len(df)))
    out = grouped[numeric].sum(skipna=False)
    out["flags"] = grouped["flags"].agg(_merge_flags)
    out = out.reset_index(drop=not keys)
    return out[keys + cols]


def method(
    catalog: Catalog,
    snapshot: Snapshot,
    *,
    by: str,
    scope: str,
    month: str | None,
    free_tier: bool,
    traffic: TrafficProfile | None,
    items: pd.DataFrame,
    calibration: str | None = None,
) -> dict[str, Any]:
    """The rules behind the figures, for ``.attrs["method"]`` and the CLI's footer
    (``egress_calibration`` only with a bill)."""
    period = Period(snapshot, month)
    days = snapshot.meta.get("pull_days")
    cross = catalog.fact("rule: cross-region pulls")
    basis = catalog.fact("rule: egress tier basis")
    used: dict[str, set[str]] = {}
    for fl in items["flags"]:
        for f in with_code(fl, "fallback-price"):
            used.setdefault(f.params["region"], set()).add(f.params["what"])
    fallback = [f"{region}: {', '.join(sorted(dims))}" for region, dims in sorted(used.items())]
    if traffic is None:
        egress = (
            "unknown (n/a): no traffic profile; egress GB are shown, and the rate that would apply is "
            "in each row's flags"
        )
    else:
        egress = (
            f"traffic profile {traffic.source}; cross-region pulls priced as {cross['value']} "
            f"({cross['source_url']}); tiers on {basis['value']}, per source region, allocated pro rata"
        )
    out = {
        "catalog": catalog.label,
        "catalog_date": catalog.date,
        "units": "1 GB = 2^30 bytes; storage in GB-Mo",
        "period": period.label,
        "scope": scope,
        "by": by,
        "storage": "unique GB x the region's storage price by class; ladders on the account+region total",
        "pulls": f"daily CloudWatch pulls over the {days}-day window / {days} x {period.days:g} days",
        "bytes_per_pull": "mean bytes of images last pulled in the window, else the newest tagged image",
        "egress": egress,
        "free_tier": (
            "subtracted: 100 GB/month internet egress once, 500 MB-month storage per account"
            if free_tier
            else "not subtracted (use --free-tier)"
        ),
        "replication": "destination storage + newly pushed GB at the inter-region rate",
        "fallback_prices": "; ".join(fallback) if fallback else "none",
    }
    if calibration is not None:
        out["egress_calibration"] = calibration
    return out
