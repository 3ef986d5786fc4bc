"""The ECR cost model: usage (GB-months, GB transferred) x the price catalog -> cost line items.

Quantities and prices stay apart until the last step: the usage functions return quantities with
their unit; `line_items` joins them to the catalog (`Catalog.price`) and applies the tier ladders;
`costs` sums line items into one row per repository / account / region / total.

Rules (stated in ``costs(...).attrs["method"]`` and in every CLI output):

- 1 GB = 2^30 bytes. Storage is a monthly run-rate: unique GB x the region's storage price, by
  storage class; tiered classes (ARCHIVE: $0.10 to 150 TB, then $0.07) apply their ladder to the
  account+region total of that class, allocated back to repositories in proportion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..snapshot import Snapshot
from ..storage import REPO_KEY, SCOPES, repository_storage
from .catalog import Catalog, Price, load_catalog
from .tiers import split_tiers

GB = 2**30
ECR, DT = "AmazonECR", "AWSDataTransfer"  # Price List service codes
BY = ("repository", "account", "region", "total")
BY_KEYS: dict[str, list[str]] = {
    "repository": REPO_KEY, "account": ["account_id"], "region": ["region"], "total": [],
}
LINE_ITEM_COLUMNS = [
    "account_id", "region", "repository", "item", "storage_class", "destination", "quantity", "unit",
    "usd_per_unit", "tiers", "usd", "source_url", "source_date", "confidence", "flags",
]
COST_COLUMNS = [
    "images", "tagged_images", "untagged_images", "naive_bytes", "unique_bytes", "exclusive_bytes",
    "storage_gb", "storage_usd", "pulls", "egress_gb", "egress_usd", "total_usd",
]


def as_catalog(prices: Catalog | str | Any | None) -> Catalog:
    """A Catalog from a loaded catalog, a path, or None (the bundled catalog)."""
    if isinstance(prices, Catalog):
        return prices
    return load_catalog(prices)


def _check_options(by: str | None, scope: str) -> None:
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {BY}, not {by!r}")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")


# ---- pricing helpers --------------------------------------------------------------------------
def price_by_group(quantity: pd.Series, groups: pd.Series, price_of: Any) -> tuple[np.ndarray, list[Price]]:
    """Price `quantity` rows whose ladder is applied to the total of each group, allocated pro rata.

    `groups` holds one hashable key per row; `price_of(key)` returns the `Price` for that group.
    Returns (usd per row, the Price of each row). A NaN quantity gives NaN USD for its row only
    (the group's ladder is applied to the known total).
    """
    q = quantity.to_numpy(float)
    usd = np.full(len(q), np.nan)
    used: list[Price | None] = [None] * len(q)
    codes, uniques = pd.factorize(groups)
    for g, key in enumerate(uniques):
        rows = np.flatnonzero(codes == g)
        price = price_of(key)
        for r in rows:
            used[r] = price
        known = rows[~np.isnan(q[rows])]
        total = float(q[known].sum())
        cost = split_tiers(total, price.tiers).cost
        usd[known] = cost * q[known] / total if total > 0 else 0.0
    return usd, used  # type: ignore[return-value]


def _price_columns(prices: Sequence[Price], quantity: np.ndarray, usd: np.ndarray) -> dict[str, Any]:
    """usd_per_unit (the effective rate), tiers text, source and flags for line items."""
    rate = [p.rate if len(p.tiers) == 1 else (u / q if q else p.rate)
            for p, q, u in zip(prices, quantity, usd, strict=True)]
    return {
        "usd_per_unit": rate,
        "tiers": [p.description for p in prices],
        "source_url": [p.source_url for p in prices],
        "source_date": [p.source_date for p in prices],
        "confidence": [p.confidence for p in prices],
        "flags": [list(p.flags) for p in prices],
    }


# ---- storage ------------------------------------------------------------------------------------
def storage_usage(snapshot: Snapshot, scope: str = "repository") -> pd.DataFrame:
    """Storage quantities per repository and storage class (a monthly run-rate).

    Columns: account_id, region, repository, storage_class (STANDARD | ARCHIVE), quantity (GB-Mo:
    unique bytes / 2^30; NaN when unknown). One STANDARD row per repository, one ARCHIVE row where
    the repository has archived bytes.
    """
    rs = repository_storage(snapshot, scope=scope)
    std = rs[REPO_KEY].assign(storage_class="STANDARD", quantity=rs["standard_bytes"] / GB)
    arc = rs[REPO_KEY].assign(storage_class="ARCHIVE", quantity=rs["archive_bytes"] / GB)
    arc = arc[arc["quantity"] > 0]
    return pd.concat([std, arc], ignore_index=True)


def _storage_items(usage: pd.DataFrame, catalog: Catalog, free_tier: bool) -> pd.DataFrame:
    out = []
    for cls, u in usage.groupby("storage_class", sort=False):
        u = u.reset_index(drop=True)
        q = u["quantity"].astype(float)
        flags_extra: list[list[str]] = [[] for _ in range(len(u))]
        if free_tier and cls == "STANDARD":
            allowance = catalog.allowance("free tier storage", service=ECR).tiers[-1][1]
            q = deduct_allowance(q, u["account_id"], allowance)
            flags_extra = [[f"free tier: {allowance:g} GB-Mo per account deducted"] for _ in range(len(u))]
        groups = pd.Series(list(zip(u["account_id"], u["region"], strict=True)), dtype=object)
        usd, used = price_by_group(q, groups, lambda k, c=cls: catalog.price("storage", k[1], c, service=ECR))
        cols = _price_columns(used, q.to_numpy(float), usd)
        cols["flags"] = [a + b for a, b in zip(cols["flags"], flags_extra, strict=True)]
        out.append(u[REPO_KEY].assign(
            item="storage" if cls == "STANDARD" else "archive storage", storage_class=cls,
            destination=None, quantity=u["quantity"], unit="GB-Mo", usd=usd, **cols,
        ))
    return pd.concat(out, ignore_index=True) if out else _empty_items()


def deduct_allowance(quantity: pd.Series, groups: pd.Series, allowance: float) -> pd.Series:
    """Subtract a free `allowance` from each group's total, pro rata over the group's rows."""
    q = quantity.astype(float)
    total = q.groupby(groups.to_numpy()).transform("sum")
    factor = np.where(total > 0, np.clip(1 - allowance / total.where(total > 0, 1), 0, 1), 0.0)
    return q * factor


def _empty_items() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in LINE_ITEM_COLUMNS})


# ---- the public functions -----------------------------------------------------------------------
def line_items(snapshot: Snapshot, scope: str = "repository", traffic: Any = None, prices: Any = None,
               month: str | None = None, free_tier: bool = False) -> pd.DataFrame:
    """One row per cost line item and repository.

    Columns: account_id, region, repository, item ("storage", "archive storage", ...),
    storage_class, destination (replication target or None), quantity (float), unit ("GB-Mo" or
    "GB"), usd_per_unit (effective rate after tiers), tiers (the ladder as text), usd (NaN when
    unknown), source_url, source_date, confidence, flags (list of str).
    """
    _check_options(None, scope)
    catalog = as_catalog(prices)
    items = [_storage_items(storage_usage(snapshot, scope), catalog, free_tier)]
    out = pd.concat([i for i in items if len(i)], ignore_index=True) if any(len(i) for i in items) else _empty_items()
    return out[LINE_ITEM_COLUMNS]


def costs(snapshot: Snapshot, by: str = "repository", scope: str = "repository", traffic: Any = None,
          prices: Any = None, month: str | None = None, free_tier: bool = False) -> pd.DataFrame:
    """Monthly ECR cost per repository (or account / region / total).

    Columns: the key columns of `by` (repository: account_id, region, repository; account:
    account_id; region: region; total: none), then images, tagged_images, untagged_images,
    naive_bytes, unique_bytes, exclusive_bytes (bytes), storage_gb (GB-Mo), storage_usd, pulls
    (per month), egress_gb, egress_usd (NaN when unknown), total_usd (NaN when any part is
    unknown), flags (list of str). ``.attrs["method"]`` states the rules used.
    """
    _check_options(by, scope)
    catalog = as_catalog(prices)
    rs = repository_storage(snapshot, scope=scope)
    items = line_items(snapshot, scope=scope, traffic=traffic, prices=catalog, month=month, free_tier=free_tier)
    df = rs[REPO_KEY + ["images", "tagged_images", "untagged_images", "naive_bytes", "unique_bytes",
                        "exclusive_bytes"]].copy()
    storage = items[items["item"].isin(["storage", "archive storage"])]
    df = _join_sum(df, storage, "quantity", "storage_gb")
    df = _join_sum(df, storage, "usd", "storage_usd")
    df["pulls"] = np.nan
    df["egress_gb"] = np.nan
    df["egress_usd"] = np.nan
    df["total_usd"] = df["storage_usd"] + df["egress_usd"]
    flags = items.groupby(REPO_KEY, sort=False)["flags"].agg(lambda s: sorted({f for fl in s for f in fl}))
    df = df.join(flags, on=REPO_KEY)
    df["flags"] = df["flags"].map(lambda v: v if isinstance(v, list) else [])
    out = summarise(df, by)
    out.attrs["method"] = method(catalog, scope=scope, by=by, month=month, free_tier=free_tier, traffic=traffic)
    return out


def _join_sum(df: pd.DataFrame, items: pd.DataFrame, col: str, name: str) -> pd.DataFrame:
    s = items.groupby(REPO_KEY, sort=False)[col].sum(skipna=False).rename(name)
    out = df.join(s, on=REPO_KEY)
    return out


def summarise(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Sum a per-repository cost frame into `by` rows (NaN stays NaN; flags are merged)."""
    keys = BY_KEYS[by]
    if by == "repository":
        return df.sort_values(REPO_KEY).reset_index(drop=True)
    numeric = COST_COLUMNS
    if len(df) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in keys + numeric + ["flags"]})
    grouped = df.groupby(keys, sort=True) if keys else df.groupby(np.zeros(len(df)))
    out = grouped[numeric].sum(skipna=False)
    out["flags"] = grouped["flags"].agg(lambda s: sorted({f for fl in s for f in fl}))
    out = out.reset_index(drop=not keys)
    return out[keys + numeric + ["flags"]]


def method(catalog: Catalog, **rules: Any) -> dict[str, Any]:
    """The rules behind a cost figure, for `.attrs["method"]` and output footers."""
    return {
        "catalog": catalog.label,
        "catalog_date": catalog.date,
        "gb": "1 GB = 2^30 bytes",
        "storage": "monthly run-rate: unique GB x the region's storage price by storage class; tiered "
                   "classes apply their ladder to the account+region total, allocated pro rata",
        **{k: (str(v) if v is not None and not isinstance(v, bool | str) else v) for k, v in rules.items()},
    }


def _is_nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def egress_usage(snapshot: Snapshot, traffic: Any = None) -> pd.DataFrame:  # pragma: no cover - step 2
    raise NotImplementedError
