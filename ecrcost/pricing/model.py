"""The ECR cost model: usage (GB-months, GB transferred) x the price catalog -> cost line items.

Quantities and prices stay apart until the last step: `storage_usage`, `egress_usage` and
`replication_usage` return quantities with their unit; `line_items` joins them to the catalog
(`Catalog.price`) and applies the tier ladders; `costs` sums the line items into one row per
repository / account / region / total. The rules, also in ``costs(...).attrs["method"]``:

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
- **Replication** (``meta["registries"][i]["replication_rules"]``, the ECR API shape): each
  covered repository is stored again in each destination (its unique GB at the destination's
  storage price) and its newly pushed bytes cross regions at the source region's inter-region
  rate; a replica that is itself in the snapshot is not counted twice.
- **Free tier**: not subtracted unless ``free_tier=True``: then 100 GB of internet egress once
  for the snapshot and the legacy 500 MB-month of storage per account, pro rata.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, SnapshotError
from ..snapshot import Snapshot
from ..storage import (
    REPO_KEY,
    SCOPES,
    BlobGraph,
    blob_graph,
    image_bytes,
    repository_positions,
    repository_storage,
    tag_counts,
)
from ..traffic import TrafficProfile, as_traffic
from .catalog import Catalog, Price, load_catalog
from .tiers import split_tiers

GB = 2**30
DAYS_PER_MONTH = 365.25 / 12  # 30.4375
ECR, DT = "AmazonECR", "AWSDataTransfer"  # Price List service codes
BY = ("repository", "account", "region", "total")
BY_KEYS: dict[str, list[str]] = {
    "repository": REPO_KEY,
    "account": ["account_id"],
    "region": ["region"],
    "total": [],
}
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


class Period:
    """The period a cost covers: the monthly run-rate (month=None) or one calendar month (UTC)."""

    def __init__(self, snapshot: Snapshot, month: str | None = None):
        self.month = month
        if month is None:
            self.end = snapshot.collected_at
            self.start = self.end - pd.Timedelta(days=DAYS_PER_MONTH)
            self.days = DAYS_PER_MONTH
            self.label = "monthly run-rate"
        else:
            if not isinstance(month, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
                raise InputError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-03")
            self.start = pd.Timestamp(f"{month}-01T00:00:00Z")
            self.end = self.start + pd.offsets.MonthBegin(1)
            self.days = (self.end - self.start) / pd.Timedelta(days=1)
            self.label = f"{month} ({self.hours:g} hours)"

    @property
    def hours(self) -> float:
        return (self.end - self.start) / pd.Timedelta(hours=1)


def _check_options(by: str | None, scope: str) -> None:
    if by is not None and by not in BY:
        raise InputError(f"--by {by!r}: expected one of {', '.join(BY)}")
    if scope not in SCOPES:
        raise InputError(f"--scope {scope!r}: expected one of {', '.join(SCOPES)}")


# ---- usage (quantities only) --------------------------------------------------------------------
def storage_usage(
    snapshot: Snapshot, scope: str = "repository", month: str | None = None
) -> pd.DataFrame:
    """Storage quantities per repository and storage class for the period.

    Columns: account_id, region, repository, storage_class (STANDARD | ARCHIVE), quantity (GB-Mo;
    NaN when unknown), new_gb (GB of blobs first pushed within the period: what replication
    transfers). One STANDARD row per repository; an ARCHIVE row where there are archived bytes.
    """
    _check_options(None, scope)
    period = Period(snapshot, month)
    return _storage_from(
        repository_storage(snapshot, scope=scope, period=(period.start, period.end)), period
    )


def _storage_from(rs: pd.DataFrame, period: Period) -> pd.DataFrame:
    if period.month is None:
        std, arc = rs["standard_bytes"] / GB, rs["archive_bytes"] / GB
    else:
        std = rs["standard_byte_hours"] / period.hours / GB
        arc = rs["archive_byte_hours"] / period.hours / GB
    new_gb = rs["new_bytes"] / GB
    out = pd.concat(
        [
            rs[REPO_KEY].assign(storage_class="STANDARD", quantity=std, new_gb=new_gb),
            rs[REPO_KEY].assign(storage_class="ARCHIVE", quantity=arc, new_gb=0.0)[arc > 0],
        ],
        ignore_index=True,
    )
    return out


def pull_counts(
    snapshot: Snapshot, month: str | None = None, repositories: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Pulls per repository for the period: account_id, region, repository, pulls (float).

    pulls = the sum of the daily CloudWatch counts / ``meta["pull_days"]`` x the period's days
    (30.4375 for the run-rate). A repository without data points had no pulls (CloudWatch
    reports no data for a day without pulls). `repositories` (account_id, region, repository
    rows) defaults to every repository of the snapshot.
    """
    period = Period(snapshot, month)
    days = _pull_days(snapshot)
    repos = _all_repositories(snapshot) if repositories is None else repositories
    per_repo = snapshot.pulls.groupby(REPO_KEY, sort=False)["pulls"].sum()
    total = repos.join(per_repo, on=REPO_KEY)["pulls"].fillna(0.0)
    return repos.assign(pulls=total.to_numpy(float) / days * period.days)


def _pull_days(snapshot: Snapshot) -> float:
    days = snapshot.meta.get("pull_days")
    if not isinstance(days, int | float) or isinstance(days, bool) or not days > 0:
        raise SnapshotError(
            f"{snapshot.path or 'snapshot'}: meta.json pull_days {days!r} is not a positive number"
        )
    return float(days)


def bytes_per_pull(
    snapshot: Snapshot, repositories: pd.DataFrame | None = None, graph: BlobGraph | None = None
) -> pd.DataFrame:
    """Bytes one pull of each repository transfers (the rule in the module docstring).

    Columns: account_id, region, repository, bytes_per_pull (float, NaN when unknown),
    bytes_rule ("pulled in window (n images)" | "newest tagged image" | "newest image" | "no images").
    `graph` (`storage.blob_graph`) is reused when given.
    """
    repos = (_all_repositories(snapshot) if repositories is None else repositories).reset_index(
        drop=True
    )
    imgs = snapshot.images.reset_index(drop=True)
    graph = graph or blob_graph(snapshot)
    code = repository_positions(repos, imgs, graph)
    end = snapshot.collected_at
    start = end - pd.Timedelta(days=_pull_days(snapshot))
    in_window = imgs["last_pull_at"].between(start, end).to_numpy(bool)
    pushed = imgs["pushed_at"].to_numpy(
        "datetime64[ns]", na_value=np.datetime64(np.iinfo(np.int64).min + 1, "ns")
    )
    frame = pd.DataFrame(
        {"code": code, "pushed": pushed.astype(np.int64), "tagged": tag_counts(imgs) > 0}
    ).sort_values(["code", "pushed"], kind="stable")
    newest = frame.drop_duplicates("code", keep="last")
    tagged = frame[frame["tagged"]].drop_duplicates("code", keep="last")
    window = np.flatnonzero(in_window)
    candidates = np.unique(
        np.concatenate([window, newest.index.to_numpy(), tagged.index.to_numpy()])
    )
    nbytes = image_bytes(snapshot, candidates, graph)

    n = len(repos)
    w = pd.DataFrame({"code": code[window], "b": nbytes.reindex(window).to_numpy(float)})
    grouped = w.groupby("code")["b"]
    pulled_n = grouped.size().reindex(range(n)).to_numpy(float)
    pulled_mean = (grouped.sum(skipna=False) / grouped.size()).reindex(range(n)).to_numpy(float)
    tagged_b = pd.Series(
        nbytes.reindex(tagged.index).to_numpy(float), index=tagged["code"]
    ).reindex(range(n))
    newest_b = pd.Series(
        nbytes.reindex(newest.index).to_numpy(float), index=newest["code"]
    ).reindex(range(n))
    has_pulled = ~np.isnan(pulled_n)
    has_tagged = np.isin(np.arange(n), tagged["code"].to_numpy())
    has_any = np.isin(np.arange(n), newest["code"].to_numpy())
    out = repos[REPO_KEY].copy()
    out["bytes_per_pull"] = np.select(
        [has_pulled, has_tagged, has_any],
        [pulled_mean, tagged_b.to_numpy(float), newest_b.to_numpy(float)],
        np.nan,
    )
    counts = np.nan_to_num(pulled_n).astype(int).astype(str)
    out["bytes_rule"] = np.select(
        [has_pulled, has_tagged, has_any],
        [
            np.char.add(np.char.add("pulled in window (", counts), " images)"),
            "newest tagged image",
            "newest image",
        ],
        "no images",
    )
    return out


def egress_usage(
    snapshot: Snapshot,
    traffic: Any = None,
    month: str | None = None,
    repositories: pd.DataFrame | None = None,
    graph: BlobGraph | None = None,
) -> pd.DataFrame:
    """Pulled GB per repository for the period, split by destination (GB = 2^30 bytes).

    Columns: account_id, region, repository, pulls, bytes_per_pull, bytes_rule, layer_cache_hit,
    traffic_rule, pulled_gb (pulls x bytes per pull x (1 - layer cache hit)), same_region_gb,
    cross_region_gb, internet_gb. Without a traffic profile the cache hit is taken as 0 and the
    three destination columns are NaN (unknown).
    """
    profile = as_traffic(traffic)
    repos = (
        _all_repositories(snapshot) if repositories is None else repositories.reset_index(drop=True)
    )
    out = pull_counts(snapshot, month, repos).merge(
        bytes_per_pull(snapshot, repos, graph), on=REPO_KEY, how="left"
    )
    if profile is None:
        shares = pd.DataFrame(
            {
                "same_region": np.nan,
                "cross_region": np.nan,
                "internet": np.nan,
                "layer_cache_hit": 0.0,
                "traffic_rule": None,
            },
            index=out.index,
        )
    else:
        shares = profile.assign(out["repository"])
    out["layer_cache_hit"] = shares["layer_cache_hit"].to_numpy(float)
    out["traffic_rule"] = shares["traffic_rule"].to_numpy(object)
    gb = out["pulls"] * out["bytes_per_pull"] * (1 - out["layer_cache_hit"]) / GB
    out["pulled_gb"] = gb.where(out["pulls"] > 0, 0.0)  # no pulls: nothing moved, whatever the size
    for k in ("same_region", "cross_region", "internet"):
        out[f"{k}_gb"] = out["pulled_gb"] * shares[k].to_numpy(float)
    return out


def replication_usage(
    snapshot: Snapshot, scope: str = "repository", month: str | None = None
) -> pd.DataFrame:
    """Replica storage and transfer per replicated repository and destination.

    Columns: account_id, region, repository (the source), destination_account, destination_region,
    storage_gb (GB-Mo stored again in the destination), transfer_gb (newly pushed GB that cross
    regions; 0 for a same-region, cross-account destination), in_snapshot (the replica is itself
    collected, so its storage is already counted there).
    """
    return _replication_from(
        snapshot, storage_usage(snapshot, scope, month), _all_repositories(snapshot)
    )


def _replication_from(snapshot: Snapshot, usage: pd.DataFrame, repos: pd.DataFrame) -> pd.DataFrame:
    regs = [
        r
        for r in snapshot.meta.get("registries") or []
        if isinstance(r.get("replication_rules"), list | dict)
    ]
    if not regs:
        return pd.DataFrame(
            columns=REPO_KEY
            + [
                "destination_account",
                "destination_region",
                "storage_gb",
                "transfer_gb",
                "in_snapshot",
            ]
        )
    per_repo = usage.groupby(REPO_KEY, sort=False).agg(
        storage_gb=("quantity", lambda s: s.sum(skipna=False)), new_gb=("new_gb", "sum")
    )
    collected = set(map(tuple, repos[REPO_KEY].to_numpy().tolist()))
    rows = []
    for reg in regs:  # registries whose rules are "unknown" are flagged by _replication_flags
        rules = reg.get("replication_rules")
        if isinstance(rules, dict):
            rules = rules.get("rules", [])
        account, region = str(reg.get("account_id")), str(reg.get("region"))
        names = [r for (a, g, r) in per_repo.index if a == account and g == region]
        seen: set[tuple[str, str, str]] = set()
        for rule in rules:
            filters = [
                f.get("filter", "")
                for f in rule.get("repositoryFilters") or []
                if f.get("filterType", "PREFIX_MATCH") == "PREFIX_MATCH"
            ]
            for dest in rule.get("destinations") or []:
                d_region, d_account = (
                    str(dest.get("region")),
                    str(dest.get("registryId") or account),
                )
                if (d_account, d_region) == (account, region):
                    continue
                for name in names:
                    if filters and not any(name.startswith(f) for f in filters):
                        continue
                    if (name, d_account, d_region) in seen:
                        continue
                    seen.add((name, d_account, d_region))
                    q = per_repo.loc[(account, region, name)]
                    rows.append(
                        {
                            "account_id": account,
                            "region": region,
                            "repository": name,
                            "destination_account": d_account,
                            "destination_region": d_region,
                            "storage_gb": q["storage_gb"],
                            "transfer_gb": q["new_gb"] if d_region != region else 0.0,
                            "in_snapshot": (d_account, d_region, name) in collected,
                        }
                    )
    cols = REPO_KEY + [
        "destination_account",
        "destination_region",
        "storage_gb",
        "transfer_gb",
        "in_snapshot",
    ]
    return pd.DataFrame(rows, columns=cols)


def _all_repositories(snapshot: Snapshot) -> pd.DataFrame:
    keys = pd.concat([snapshot.repositories[REPO_KEY], snapshot.images[REPO_KEY]]).drop_duplicates()
    return keys.sort_values(REPO_KEY).reset_index(drop=True).astype(object)


# ---- pricing (quantities x prices) ----------------------------------------------------------------
def price_by_group(
    quantity: pd.Series, groups: Sequence[Any], price_of: Callable[[Any], Price]
) -> tuple[np.ndarray, list[Price]]:
    """Price rows whose ladder applies to the total of each group, allocated back pro rata.

    `groups` holds one hashable key per row; `price_of(key)` gives the group's `Price`. Returns
    (USD per row, the Price of each row). A NaN quantity gives NaN USD for that row only; the
    ladder is applied to the group's known total.
    """
    q = quantity.to_numpy(float)
    usd = np.full(len(q), np.nan)
    used: list[Any] = [None] * len(q)
    codes, uniques = pd.factorize(pd.Series(list(groups), dtype=object))
    for g, key in enumerate(uniques):
        rows = np.flatnonzero(codes == g)
        price = price_of(key)
        for r in rows:
            used[r] = price
        known = rows[~np.isnan(q[rows])]
        total = float(q[known].sum())
        cost = split_tiers(total, price.tiers).cost
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
    extra_flags: Sequence[list[str]] | None = None,
) -> pd.DataFrame:
    """Line-item rows for `frame`'s repositories (REPO_KEY columns) with their prices attached."""
    q = quantity.to_numpy(float)
    rate = [
        p.rate if len(p.tiers) == 1 else (u / x if x else p.rate)
        for p, x, u in zip(prices, q, usd, strict=True)
    ]
    flags = [list(p.flags) for p in prices]
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
            allowance = catalog.allowance("free tier storage", service=ECR)
            q = deduct_allowance(q, u["account_id"], allowance.tiers[-1][1])
            extra = [
                [
                    f"free tier: {allowance.tiers[-1][1]:g} GB-Mo of storage per account deducted "
                    f"(legacy free tier)"
                ]
            ] * len(u)
        groups = list(zip(u["account_id"], u["region"], strict=True))
        usd, used = price_by_group(
            q, groups, lambda k, c=cls: catalog.price("storage", k[1], c, service=ECR)
        )
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


def _egress_items(
    eg: pd.DataFrame, catalog: Catalog, traffic: TrafficProfile | None, free_tier: bool
) -> list[pd.DataFrame]:
    eg = eg.reset_index(drop=True)
    if len(eg) == 0:
        return []
    if traffic is None:
        internet = [catalog.price("egress internet", r, service=DT) for r in eg["region"]]
        flags = [
            [
                f"egress cost unknown without a traffic profile (--traffic); internet and cross-region "
                f"pulls from {p.region} would cost {p.description}, same-region pulls are free"
            ]
            for p in internet
        ]
        return [
            _items(
                eg,
                "egress (destination unknown)",
                "GB",
                eg["pulled_gb"],
                np.full(len(eg), np.nan),
                internet,
                extra_flags=flags,
            )
        ]
    cross_rule = catalog.rule("cross-region pulls", CROSS_REGION_RULES)
    basis = catalog.rule("egress tier basis", TIER_BASES)
    same = [catalog.price("egress same-region", r, service=DT) for r in eg["region"]]
    out = [
        _items(
            eg,
            "egress same-region",
            "GB",
            eg["same_region_gb"],
            eg["same_region_gb"].to_numpy(float) * [p.rate for p in same],
            same,
        )
    ]
    # the internet ladder: internet GB, plus cross-region GB when the rule says so
    ladder = [("egress internet", eg, eg["internet_gb"])]
    if cross_rule == "internet":
        ladder.append(("egress cross-region", eg, eg["cross_region_gb"]))
    frame = pd.concat(
        [f.assign(_item=i, _q=q.to_numpy(float)) for i, f, q in ladder], ignore_index=True
    )
    q, extra = frame["_q"], [[] for _ in range(len(frame))]
    if free_tier:
        allowance = catalog.allowance("free tier internet egress", service=DT).tiers[-1][1]
        q = deduct_allowance(q, [0] * len(frame), allowance)
        extra = [
            [
                f"free tier: the first {allowance:g} GB/month of internet egress deducted "
                f"(once for the snapshot, pro rata)"
            ]
        ] * len(frame)
    if cross_rule == "internet":
        extra = [
            e
            + [
                "cross-region pulls priced at the source region's internet rates, sharing its tier "
                "ladder (catalog rule 'cross-region pulls')"
            ]
            for e in extra
        ]
    groups = [
        r if basis == "all accounts" else (a, r)
        for a, r in zip(frame["account_id"], frame["region"], strict=True)
    ]
    usd, used = price_by_group(
        q,
        groups,
        lambda k: catalog.price("egress internet", k if isinstance(k, str) else k[1], service=DT),
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
        out.append(_items(eg, "egress cross-region", "GB", eg["cross_region_gb"], usd, used))
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
    flags = [
        ["replica is in the snapshot: its storage is counted there"] if s else []
        for s in rep["in_snapshot"]
    ]
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
                    flags=[["replication rules unknown: replication cost not included"]] * len(r),
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
) -> pd.DataFrame:
    """Every cost line item, one row per repository and item (the module docstring has the rules).

    Columns: account_id, region, repository, item (storage | archive storage | egress same-region |
    egress cross-region | egress internet | egress (destination unknown) | replication storage |
    replication transfer), storage_class, destination ("region/account" of a replica, else None),
    quantity (float), unit (GB-Mo | GB), usd_per_unit (the effective rate after tiers), tiers (the
    ladder as text), usd (NaN when unknown, never 0 for unknown), source_url, source_date,
    confidence, flags (list of str: fallback prices, low confidence, free tier, rules).
    """
    _check_options(None, scope)
    catalog, profile = as_catalog(prices), as_traffic(traffic)
    return _line_items(
        snapshot, _usage(snapshot, scope, month, profile), catalog, profile, free_tier
    )


def _usage(
    snapshot: Snapshot, scope: str, month: str | None, profile: TrafficProfile | None
) -> dict[str, Any]:
    """Every usage table, each computed once: rs (repository_storage over the period), storage,
    egress, replication."""
    period = Period(snapshot, month)
    graph = blob_graph(snapshot)
    rs = repository_storage(snapshot, scope=scope, period=(period.start, period.end), graph=graph)
    storage = _storage_from(rs, period)
    repos = rs[REPO_KEY].astype(object)
    return {
        "rs": rs,
        "storage": storage,
        "egress": egress_usage(snapshot, profile, month, repos, graph),
        "replication": _replication_from(snapshot, storage, repos),
    }


def _line_items(
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


def costs(
    snapshot: Snapshot,
    by: str = "repository",
    scope: str = "repository",
    traffic: Any = None,
    prices: Any = None,
    month: str | None = None,
    free_tier: bool = False,
) -> pd.DataFrame:
    """Monthly ECR cost per repository (or account / region / total).

    `traffic` and `prices` take a path or a loaded object (None: no traffic profile; the bundled
    catalog). Columns: the key columns of `by` (repository: account_id, region, repository;
    account: account_id; region: region; total: none), then images, tagged_images,
    untagged_images, naive_bytes, unique_bytes, exclusive_bytes (bytes), storage_gb (GB-Mo),
    storage_usd, pulls (per month), egress_gb (pulled GB after the layer cache), egress_usd (NaN
    without a traffic profile), total_usd (storage + egress + replication; NaN when any part is
    unknown), replication_usd, flags (list of str). ``.attrs["method"]`` (dict) states the rules:
    catalog and its date, period, scope, pulls, bytes per pull, egress rule, free tier, traffic.
    """
    return cost_breakdown(
        snapshot,
        by=by,
        scope=scope,
        traffic=traffic,
        prices=prices,
        month=month,
        free_tier=free_tier,
    )[0]


def cost_breakdown(
    snapshot: Snapshot,
    by: str = "repository",
    scope: str = "repository",
    traffic: Any = None,
    prices: Any = None,
    month: str | None = None,
    free_tier: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(`costs(...)`, `line_items(...)`) from one pass over the snapshot, for callers that need
    both (the comparison's ECR row): the usage is measured and priced once."""
    _check_options(by, scope)
    catalog, profile = as_catalog(prices), as_traffic(traffic)
    usage = _usage(snapshot, scope, month, profile)
    items = _line_items(snapshot, usage, catalog, profile, free_tier)
    rs, eg = usage["rs"], usage["egress"]
    df = rs[REPO_KEY + COST_COLUMNS[:6]].astype({k: object for k in REPO_KEY})
    item = items["item"]
    df = _join_sum(df, items[item.isin(STORAGE_ITEMS)], "quantity", "storage_gb")
    df = _join_sum(df, items[item.isin(STORAGE_ITEMS)], "usd", "storage_usd")
    df = df.merge(
        eg[REPO_KEY + ["pulls", "pulled_gb"]].rename(columns={"pulled_gb": "egress_gb"}),
        on=REPO_KEY,
        how="left",
    )
    df = _join_sum(df, items[item.isin(EGRESS_ITEMS)], "usd", "egress_usd")
    df = _join_sum(df, items[item.isin(REPLICATION_ITEMS)], "usd", "replication_usd", fill=0.0)
    df["total_usd"] = df["storage_usd"] + df["egress_usd"] + df["replication_usd"]
    flags = items.groupby(REPO_KEY, sort=False)["flags"].agg(_merge_flags).rename("flags")
    df = df.join(flags, on=REPO_KEY)
    df["flags"] = df["flags"].map(lambda v: v if isinstance(v, list) else [])
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
    )
    return out, items


def _merge_flags(s: pd.Series) -> list[str]:
    return sorted({f for fl in s for f in fl})


def _join_sum(
    df: pd.DataFrame, items: pd.DataFrame, col: str, name: str, fill: float = np.nan
) -> pd.DataFrame:
    s = items.groupby(REPO_KEY, sort=False)[col].sum(skipna=False).rename(name)
    out = df.join(s, on=REPO_KEY)
    out[name] = (
        out[name].astype(float).fillna(fill) if not math.isnan(fill) else out[name].astype(float)
    )
    return out


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
) -> dict[str, Any]:
    """The rules behind the figures, for ``.attrs["method"]`` and the CLI's footer."""
    period = Period(snapshot, month)
    days = snapshot.meta.get("pull_days")
    cross = catalog.fact("rule: cross-region pulls")
    basis = catalog.fact("rule: egress tier basis")
    used: dict[str, set[str]] = {}
    for fl in items["flags"]:
        for f in fl:
            m = re.fullmatch(r"fallback price: no sourced (.+) price for (\S+)", f)
            if m:
                used.setdefault(m.group(2), set()).add(m.group(1))
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
    return {
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
