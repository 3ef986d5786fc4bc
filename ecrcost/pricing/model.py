"""The ECR cost model: usage (GB-months, GB transferred) x the price catalog -> cost line items.

Quantities and prices stay apart until the last step: `ecrcost.usage` (`storage_usage`,
`egress_usage`, `replication_usage`) returns quantities with their unit; `line_items` here joins
them to the catalog (`Catalog.price`) and applies the tier ladders; `pricing.summary.costs` sums
the line items into one row per repository / account / region / total. The rules, also in
``costs(...).attrs["method"]``:

- **Units**: 1 GB = 2^30 bytes; storage in GB-Mo (GB-months), transfer in GB.
- **Period**: by default a monthly run-rate: storage = unique GB now; pulls = pulls per day over
  the snapshot's pull window (``meta["pull_days"]``) x 30.4375 days (365.25 / 12); newly pushed
  bytes = blobs first pushed in the 30.4375 days before the snapshot. With ``month="YYYY-MM"``:
  storage = byte-hours stored within that month / the month's hours (744 for March, 720 for
  April; a blob is stored from the earliest push of any image referencing it, for the images
  present in the snapshot), pulls = pulls per day x the month's days, newly pushed bytes = blobs
  first pushed within the month.
- **Storage**: GB-Mo x the region's storage price by storage class (STANDARD, ARCHIVE). The ladder
  of a class (ARCHIVE: $0.10 to 150 TB, then $0.07) is applied to the account+region total and
  allocated back to repositories pro rata.
- **Egress**: pulls x bytes per pull x (1 - layer cache hit). Bytes per pull: the mean `bytes` of
  the repository's images whose last recorded pull falls in the pull window, else the newest
  tagged image's, else the newest image's (an index counts its largest child). The traffic
  profile splits the GB into same region (free), cross region and internet. With the catalog rule
  ``rule: cross-region pulls = internet`` (AWS: "charged at Internet Data Transfer rates"),
  cross-region and internet GB share the source region's internet ladder, applied to the
  aggregate of all accounts in the snapshot (``rule: egress tier basis = all accounts``;
  consolidated billing) and allocated back pro rata. Without a traffic profile the GB are shown
  but the cost is unknown (NaN), flagged with the rate that would apply -- never $0.
  With a bill (``bill=``), the billed transfer-out GB of each account x region it covers replace
  the profile's guess there (`usage.calibrate_egress`); the rows say which.
- **Replication** (``meta["registries"][i]["replication_rules"]``, the ECR API shape): each
  covered repository is stored again in each destination (its unique GB at the destination's
  storage price) and its newly pushed bytes cross regions at the source region's inter-region
  rate; a replica that is itself in the snapshot is not counted twice.
- **Free tier**: not subtracted unless ``free_tier=True``: then 100 GB of internet egress once
  for the snapshot and the legacy 500 MB-month of storage per account, pro rata.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..flags import Flag
from ..snapshot import Snapshot
from ..storage import REPO_KEY
from ..traffic import TrafficProfile, as_traffic
from ..usage import check_scope, usage_tables
from .catalog import Catalog, Price, load_catalog
from .tiers import split_tiers

ECR, DT = "AmazonECR", "AWSDataTransfer"  # Price List service codes
LINE_ITEM_COLUMNS = [
    "account_id",
    "region",
    "repository",
    "item",
    "storage_class",
    "destination",
    "quantity",
    "unit",
    "usd_per_unit",
    "tiers",
    "usd",
    "source_url",
    "source_date",
    "confidence",
    "flags",
]
STORAGE_ITEMS = ("storage", "archive storage")
EGRESS_ITEMS = (
    "egress same-region",
    "egress cross-region",
    "egress internet",
    "egress (destination unknown)",
)
REPLICATION_ITEMS = ("replication storage", "replication transfer")
CROSS_REGION_RULES = ("internet", "inter-region")
TIER_BASES = ("all accounts", "per account")


# ---- inputs -----------------------------------------------------------------------------------
def as_catalog(prices: Catalog | str | Any | None) -> Catalog:
    """A Catalog from a loaded catalog, a path, or None (the bundled catalog)."""
    if isinstance(prices, Catalog):
        return prices
    return load_catalog(prices)


# ---- pricing (quantities x prices) ----------------------------------------------------------------
def price_by_group(
    quantity: pd.Series,
    groups: Sequence[Any],
    price_of: Callable[[Any], Price],
    allowance: float = 0.0,
) -> tuple[np.ndarray, list[Price]]:
    """Price rows whose ladder applies to the total of each group, allocated back pro rata.

    `groups` holds one hashable key per row; `price_of(key)` gives the group's `Price`. Returns
    (USD per row, the Price of each row). A NaN quantity gives NaN USD for that row only; the
    ladder is applied to the group's known total.

    `allowance` (a free quantity shared by every group, split pro rata to the group totals) comes
    off the **first** tier of each group's ladder -- the first GB of the month are the free ones --
    so a group's cost is ``ladder(total) - ladder(free share)``. S3 FAQ example, 1 GB free,
    63,488 GB in us-east-1: 10,239 x $0.09 + 40,960 x $0.085 + 12,288 x $0.07 = $5,263.27.
    """
    q = quantity.to_numpy(float)
    usd = np.full(len(q), np.nan)
    used: list[Any] = [None] * len(q)
    codes, uniques = pd.factorize(pd.Series(list(groups), dtype=object))
    known_q = np.where(np.isnan(q), 0.0, q)
    grand = float(known_q.sum())
    for g, key in enumerate(uniques):
        rows = np.flatnonzero(codes == g)
        price = price_of(key)
        for r in rows:
            used[r] = price
        known = rows[~np.isnan(q[rows])]
        total = float(q[known].sum())
        free = min(total, allowance * total / grand) if grand > 0 and allowance > 0 else 0.0
        cost = split_tiers(total, price.tiers).cost - split_tiers(free, price.tiers).cost
        usd[known] = cost * q[known] / total if total > 0 else 0.0
    return usd, used


def deduct_allowance(quantity: pd.Series, groups: Sequence[Any], allowance: float) -> pd.Series:
    """Subtract a free `allowance` from each group's total, pro rata over the group's rows."""
    q = quantity.astype(float).reset_index(drop=True)
    total = q.groupby(pd.Series(list(groups), dtype=object)).transform("sum")
    factor = np.where(total > allowance, 1 - allowance / total.where(total > 0, 1), 0.0)
    return q * factor


def _items(
    frame: pd.DataFrame,
    item: str,
    unit: str,
    quantity: pd.Series,
    usd: np.ndarray,
    prices: Sequence[Price],
    storage_class: str = "",
    destination: Any = None,
    extra_flags: Sequence[list[Flag]] | None = None,
) -> pd.DataFrame:
    """Line-item rows for `frame`'s repositories (REPO_KEY columns) with their prices attached."""
    q = quantity.to_numpy(float)
    rate = [
        p.rate if len(p.tiers) == 1 else (u / x if x else p.rate)
        for p, x, u in zip(prices, q, usd, strict=True)
    ]
    flags: list[list[Flag]] = [list(p.flags) for p in prices]
    if extra_flags is not None:
        flags = [a + list(b) for a, b in zip(flags, extra_flags, strict=True)]
    return pd.DataFrame(
        {
            "account_id": frame["account_id"].to_numpy(object),
            "region": frame["region"].to_numpy(object),
            "repository": frame["repository"].to_numpy(object),
            "item": item,
            "storage_class": storage_class,
            "destination": destination,
            "quantity": q,
            "unit": unit,
            "usd_per_unit": rate,
            "tiers": [p.description for p in prices],
            "usd": usd,
            "source_url": [p.source_url for p in prices],
            "source_date": [p.source_date for p in prices],
            "confidence": [p.confidence for p in prices],
            "flags": flags,
        }
    )


def _storage_items(usage: pd.DataFrame, catalog: Catalog, free_tier: bool) -> list[pd.DataFrame]:
    out = []
    for cls in ("STANDARD", "ARCHIVE"):
        u = usage[usage["storage_class"] == cls].reset_index(drop=True)
        if len(u) == 0:
            continue
        q, extra = u["quantity"], None
        if free_tier and cls == "STANDARD":
            gb = catalog.allowance("free tier storage", service=ECR).tiers[-1][1]
            q = deduct_allowance(q, u["account_id"], gb)
            flag = Flag(
                "free-tier-storage",
                f"free tier: {gb:g} GB-Mo of storage per account deducted (legacy free tier)",
                gb=gb,
            )
            extra = [[flag]] * len(u)
        groups = list(zip(u["account_id"], u["region"], strict=True))
        usd, used = price_by_group(q, groups, _storage_price(catalog, cls))
        out.append(
            _items(
                u,
                "storage" if cls == "STANDARD" else "archive storage",
                "GB-Mo",
                u["quantity"],
                usd,
                used,
                storage_class=cls,
                extra_flags=extra,
            )
        )
    return out


def _per_region(catalog: Catalog, dimension: str, regions: Iterable[str]) -> list[Price]:
    """The data-transfer `dimension` price of each region in `regions` (looked up once each)."""
    regions = list(regions)
    got = {r: catalog.price(dimension, r, service=DT) for r in dict.fromkeys(regions)}
    return [got[r] for r in regions]


def _storage_price(catalog: Catalog, storage_class: str) -> Callable[[Any], Price]:
    """The storage price of a (account, region) group key in `storage_class`."""
    return lambda key: catalog.price("storage", key[1], storage_class, service=ECR)


def _egress_items(
    eg: pd.DataFrame, catalog: Catalog, traffic: TrafficProfile | None, free_tier: bool
) -> list[pd.DataFrame]:
    """Egress line items. Rows whose destinations are unknown (no traffic profile and, with a
    bill, an account-region the bill does not cover) are "egress (destination unknown)" at NaN;
    the others are priced. `traffic` is kept for callers; the rows themselves say what is known."""
    eg = eg.reset_index(drop=True)
    if len(eg) == 0:
        return []
    unknown = eg["internet_gb"].isna().to_numpy()
    out: list[pd.DataFrame] = []
    if unknown.any():
        u = eg[unknown]
        internet = _per_region(catalog, "egress internet", u["region"])
        # where the GB go is unknown, so is their cost -- except for a known zero: 0 GB cost $0
        zero = (u["pulled_gb"] == 0).to_numpy(bool)
        unknown_flag = {
            p.region: Flag(
                "egress-unknown",
                "egress cost unknown without a traffic profile (--traffic); internet and "
                f"cross-region pulls from {p.region} would cost {p.description}, same-region "
                "pulls are free",
                region=p.region,
                rate=p.description,
            )
            for p in {p.region: p for p in internet}.values()
        }
        flags = [[] if z else [unknown_flag[p.region]] for p, z in zip(internet, zero, strict=True)]
        out.append(
            _items(
                u,
                "egress (destination unknown)",
                "GB",
                u["pulled_gb"],
                np.where(zero, 0.0, np.nan),
                internet,
                extra_flags=flags,
            )
        )
    eg = eg[~unknown].reset_index(drop=True)
    if len(eg) == 0:
        return out
    notes = [
        [Flag("egress-calibrated", n)] if isinstance(n, str) else []
        for n in eg.get("egress_note", [None] * len(eg))
    ]
    cross_rule = catalog.rule("cross-region pulls", CROSS_REGION_RULES)
    basis = catalog.rule("egress tier basis", TIER_BASES)
    same = _per_region(catalog, "egress same-region", eg["region"])
    out.append(
        _items(
            eg,
            "egress same-region",
            "GB",
            eg["same_region_gb"],
            eg["same_region_gb"].to_numpy(float) * [p.rate for p in same],
            same,
            extra_flags=notes,
        )
    )
    # the internet ladder: internet GB, plus cross-region GB when the rule says so
    ladder = [("egress internet", eg, eg["internet_gb"])]
    if cross_rule == "internet":
        ladder.append(("egress cross-region", eg, eg["cross_region_gb"]))
    frame = pd.concat(
        [f.assign(_item=i, _q=q.to_numpy(float)) for i, f, q in ladder], ignore_index=True
    )
    q, allowance = frame["_q"], 0.0
    extra: list[list[Flag]] = [list(n) for n in notes * len(ladder)]
    if free_tier:
        allowance = catalog.allowance("free tier internet egress", service=DT).tiers[-1][1]
        flag = Flag(
            "free-tier-egress",
            f"free tier: the first {allowance:g} GB/month of internet egress deducted from the "
            "first tier (once for the snapshot, pro rata)",
            gb=allowance,
        )
        extra = [e + [flag] for e in extra]
    if cross_rule == "internet":
        flag = Flag(
            "cross-region-as-internet",
            "cross-region pulls priced at the source region's internet rates, sharing its tier "
            "ladder (catalog rule 'cross-region pulls')",
        )
        extra = [e + [flag] for e in extra]
    groups = [
        r if basis == "all accounts" else (a, r)
        for a, r in zip(frame["account_id"], frame["region"], strict=True)
    ]
    usd, used = price_by_group(
        q,
        groups,
        lambda k: catalog.price("egress internet", k if isinstance(k, str) else k[1], service=DT),
        allowance=allowance,
    )
    for item in dict.fromkeys(frame["_item"]):
        m = (frame["_item"] == item).to_numpy()
        out.append(
            _items(
                frame[m],
                item,
                "GB",
                frame["_q"][m],
                usd[m],
                [u for u, k in zip(used, m, strict=True) if k],
                extra_flags=[e for e, k in zip(extra, m, strict=True) if k],
            )
        )
    if cross_rule == "inter-region":
        groups = list(eg["region"])
        usd, used = price_by_group(
            eg["cross_region_gb"],
            groups,
            lambda r: catalog.price("inter-region transfer", r, service=DT),
        )
        out.append(
            _items(
                eg, "egress cross-region", "GB", eg["cross_region_gb"], usd, used, extra_flags=notes
            )
        )
    return out


def _replication_items(rep: pd.DataFrame, catalog: Catalog) -> list[pd.DataFrame]:
    if len(rep) == 0:
        return []
    rep = rep.reset_index(drop=True)
    dest = (rep["destination_region"] + "/" + rep["destination_account"]).tolist()
    stored = rep["storage_gb"].where(~rep["in_snapshot"], 0.0)
    groups = list(zip(rep["destination_account"], rep["destination_region"], strict=True))
    usd, used = price_by_group(
        stored, groups, lambda k: catalog.price("storage", k[1], "STANDARD", service=ECR)
    )
    counted = Flag(
        "replica-in-snapshot", "replica is in the snapshot: its storage is counted there"
    )
    flags = [[counted] if s else [] for s in rep["in_snapshot"]]
    out = [
        _items(
            rep,
            "replication storage",
            "GB-Mo",
            stored,
            usd,
            used,
            storage_class="STANDARD",
            destination=dest,
            extra_flags=flags,
        )
    ]
    moving = rep[rep["transfer_gb"] > 0]
    if len(moving):
        usd, used = price_by_group(
            moving["transfer_gb"],
            list(moving["region"]),
            lambda r: catalog.price("inter-region transfer", r, service=DT),
        )
        out.append(
            _items(
                moving,
                "replication transfer",
                "GB",
                moving["transfer_gb"],
                usd,
                used,
                destination=[dest[i] for i in moving.index],
            )
        )
    return out


def _replication_flags(snapshot: Snapshot, repos: pd.DataFrame) -> list[pd.DataFrame]:
    """A zero-quantity flagged row for repositories whose registry's replication rules are unknown."""
    unknown = Flag(
        "replication-unknown", "replication rules unknown: replication cost not included"
    )
    out = []
    for reg in snapshot.meta.get("registries") or []:
        rules = reg.get("replication_rules")
        if isinstance(rules, list | dict):
            continue
        r = repos[
            (repos["account_id"] == str(reg.get("account_id")))
            & (repos["region"] == str(reg.get("region")))
        ]
        if len(r):
            out.append(
                r.assign(
                    item="replication storage",
                    storage_class="",
                    destination=None,
                    quantity=np.nan,
                    unit="GB-Mo",
                    usd_per_unit=np.nan,
                    tiers="",
                    usd=np.nan,
                    source_url="",
                    source_date="",
                    confidence="",
                    flags=[[unknown]] * len(r),
                )
            )
    return out


# ---- the public functions -----------------------------------------------------------------------
def line_items(
    snapshot: Snapshot,
    scope: str = "repository",
    traffic: Any = None,
    prices: Any = None,
    month: str | None = None,
    free_tier: bool = False,
    bill: Any = None,
) -> pd.DataFrame:
    """Every cost line item, one row per repository and item (the module docstring has the rules).

    Columns: account_id, region, repository, item (storage | archive storage | egress same-region |
    egress cross-region | egress internet | egress (destination unknown) | replication storage |
    replication transfer), storage_class, destination ("region/account" of a replica, else None),
    quantity (float), unit (GB-Mo | GB), usd_per_unit (the effective rate after tiers), tiers (the
    ladder as text), usd (NaN when unknown, never 0 for unknown), source_url, source_date,
    confidence, flags (list of `ecrcost.flags.Flag`, str whose code says what: fallback prices, low
    confidence, free tier, rules).
    With `bill` (a bill DataFrame or BILLDIR), egress is calibrated from the bill's transfer per
    account x region (`usage.calibrate_egress`).
    """
    check_scope(scope)
    return priced_usage(snapshot, scope, traffic, prices, month, free_tier, bill)[3]


def priced_usage(
    snapshot: Snapshot,
    scope: str,
    traffic: Any,
    prices: Any,
    month: str | None,
    free_tier: bool,
    bill: Any,
) -> tuple[Catalog, TrafficProfile | None, dict[str, Any], pd.DataFrame]:
    """(catalog, traffic profile, `usage.usage_tables`, `line_items` rows): the usage measured
    once and priced, for `line_items` and `pricing.summary.cost_breakdown`."""
    catalog, profile = as_catalog(prices), as_traffic(traffic)
    usage = usage_tables(
        snapshot,
        scope,
        month,
        profile,
        bill,
        catalog.rule("cross-region pulls", CROSS_REGION_RULES),
    )
    return catalog, profile, usage, price_items(snapshot, usage, catalog, profile, free_tier)


def price_items(
    snapshot: Snapshot,
    usage: dict[str, Any],
    catalog: Catalog,
    profile: TrafficProfile | None,
    free_tier: bool,
) -> pd.DataFrame:
    items = [
        *_storage_items(usage["storage"], catalog, free_tier),
        *_egress_items(usage["egress"], catalog, profile, free_tier),
        *_replication_items(usage["replication"], catalog),
        *_replication_flags(snapshot, usage["rs"][REPO_KEY].astype(object)),
    ]
    items = [i for i in items if len(i)]
    if not items:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LINE_ITEM_COLUMNS})
    return pd.concat(items, ignore_index=True)[LINE_ITEM_COLUMNS]
