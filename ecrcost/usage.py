"""Usage: the quantities a bill is made of, before any price (the stage between the storage model
and pricing).

Storage in GB-Mo (GB-months) per repository and storage class, pulls per repository, bytes per
pull, pulled GB by destination, and replicated storage and transfer. 1 GB = 2^30 bytes. The
period is the monthly run-rate (a month of `DAYS_PER_MONTH` = 365.25 / 12 = 30.4375 days) or
one calendar month (UTC); `pricing.model` joins these quantities to the price catalog.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pandas as pd

from .billing.transfer import billed_transfer
from .errors import InputError, SnapshotError
from .snapshot import Snapshot
from .storage import (
    REPO_KEY,
    SCOPES,
    BlobGraph,
    Scope,
    blob_graph,
    pull_bytes,
    repository_keys,
    repository_storage,
)
from .traffic import TrafficProfile, as_traffic
from .units import DAYS_PER_MONTH, GB

#: the calendar months a `--month` may name (pandas' nanosecond timestamps span 1677-09..2262-04)
MONTH_RANGE = ("1678-01", "2262-03")


def check_month(month: str) -> str:
    """`month` if it is YYYY-MM, else `InputError`."""
    if not isinstance(month, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise InputError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-03")
    return month


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
            check_month(month)
            if not MONTH_RANGE[0] <= month <= MONTH_RANGE[1]:  # YYYY-MM compares as text
                raise InputError(
                    f"--month {month}: outside the months ecrcost can compute with "
                    f"({MONTH_RANGE[0]} to {MONTH_RANGE[1]})"
                )
            self.start = pd.Timestamp(f"{month}-01T00:00:00Z").as_unit("ns")
            self.end = self.start + pd.offsets.MonthBegin(1)
            self.days = (self.end - self.start) / pd.Timedelta(days=1)
            self.label = f"{month} ({self.hours:g} hours)"

    @property
    def hours(self) -> float:
        return float((self.end - self.start) / pd.Timedelta(hours=1))


def check_scope(scope: str) -> Scope:
    """`scope` as a `storage.Scope`; InputError unless it is one of `storage.SCOPES`."""
    if scope not in SCOPES:
        raise InputError(f"--scope {scope!r}: expected one of {', '.join(SCOPES)}")
    return cast(Scope, scope)


def storage_usage(
    snapshot: Snapshot, scope: str = "repository", month: str | None = None
) -> pd.DataFrame:
    """Storage quantities per repository and storage class for the period.

    Columns: account_id, region, repository, storage_class (STANDARD | ARCHIVE), quantity (GB-Mo;
    NaN when unknown), new_gb (GB of blobs first pushed within the period: what replication
    transfers). One STANDARD row per repository; an ARCHIVE row where there are archived bytes.
    """
    period = Period(snapshot, month)
    rs = repository_storage(snapshot, scope=check_scope(scope), period=(period.start, period.end))
    return storage_from(rs, period)


def storage_from(rs: pd.DataFrame, period: Period) -> pd.DataFrame:
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
    days = pull_days(snapshot)
    repos = all_repositories(snapshot) if repositories is None else repositories
    # asking for position too: file order is fine for a sum (no sort back to the table's order)
    pulls = snapshot.arrow({"pulls": [*REPO_KEY, "pulls", "position"]})["pulls"]
    per_repo = pulls.group_by(REPO_KEY).aggregate([("pulls", "sum")]).to_pandas()
    per_repo = per_repo.set_index(REPO_KEY)["pulls_sum"].rename("pulls")
    total = repos.join(per_repo, on=REPO_KEY)["pulls"].fillna(0.0)
    return repos.assign(pulls=total.to_numpy(float) / days * period.days)


def pull_days(snapshot: Snapshot) -> float:
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
    repos = (all_repositories(snapshot) if repositories is None else repositories).reset_index(
        drop=True
    )
    graph = graph or blob_graph(snapshot)
    end = snapshot.collected_at
    per_repo = pull_bytes(graph, end - pd.Timedelta(days=pull_days(snapshot)), end)
    pos = pd.MultiIndex.from_frame(per_repo[REPO_KEY].astype(object)).get_indexer(
        pd.MultiIndex.from_frame(repos[REPO_KEY].astype(object))
    )
    got = per_repo.iloc[np.maximum(pos, 0)].reset_index(drop=True)
    absent = pos < 0
    pulled_n = np.where(absent, 0, got["pulled_images"].to_numpy())
    has_pulled = pulled_n > 0
    has_tagged = ~absent & (got["tagged_images"].to_numpy() > 0)
    has_any = ~absent & (got["images"].to_numpy() > 0)
    out = repos[REPO_KEY].copy()
    out["bytes_per_pull"] = np.select(
        [has_pulled, has_tagged, has_any],
        [got["pulled_mean"], got["tagged_bytes"], got["newest_bytes"]],
        np.nan,
    )
    out["bytes_rule"] = np.select(
        [has_pulled, has_tagged, has_any],
        [
            np.char.add(np.char.add("pulled in window (", pulled_n.astype(str)), " images)"),
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
        all_repositories(snapshot) if repositories is None else repositories.reset_index(drop=True)
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
    return replication_from(
        snapshot, storage_usage(snapshot, scope, month), all_repositories(snapshot)
    )


def replication_from(snapshot: Snapshot, usage: pd.DataFrame, repos: pd.DataFrame) -> pd.DataFrame:
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
    per_repo = (
        usage.assign(_unknown=usage["quantity"].isna())
        .groupby(REPO_KEY, sort=False)
        .agg(storage_gb=("quantity", "sum"), new_gb=("new_gb", "sum"), unknown=("_unknown", "any"))
    )
    per_repo["storage_gb"] = per_repo["storage_gb"].mask(per_repo["unknown"])  # unknown stays NaN
    quantities = dict(
        zip(
            per_repo.index,
            zip(per_repo["storage_gb"], per_repo["new_gb"], strict=True),
            strict=True,
        )
    )
    collected = set(map(tuple, repos[REPO_KEY].to_numpy().tolist()))
    names_of: dict[tuple[str, str], list[str]] = {}  # repositories per account-region
    for a, g, r in quantities:
        names_of.setdefault((a, g), []).append(r)
    rows = []
    for reg in regs:  # registries whose rules are "unknown" are flagged by _replication_flags
        rules = reg.get("replication_rules")
        if isinstance(rules, dict):
            rules = rules.get("rules", [])
        account, region = str(reg.get("account_id")), str(reg.get("region"))
        names = names_of.get((account, region), [])
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
                    storage_gb, new_gb = quantities[(account, region, name)]
                    rows.append(
                        {
                            "account_id": account,
                            "region": region,
                            "repository": name,
                            "destination_account": d_account,
                            "destination_region": d_region,
                            "storage_gb": storage_gb,
                            "transfer_gb": new_gb if d_region != region else 0.0,
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


def all_repositories(snapshot: Snapshot) -> pd.DataFrame:
    """Every repository of the snapshot, sorted (`storage.repository_keys`)."""
    return repository_keys(snapshot)


def usage_tables(
    snapshot: Snapshot,
    scope: str,
    month: str | None,
    profile: TrafficProfile | None,
    bill: Any = None,
    cross_region_rule: str = "internet",
) -> dict[str, Any]:
    """Every usage table, each computed once: rs (repository_storage over the period), storage,
    egress, replication, and billed (the bill's transfer per account-region, or None).

    With `bill` (a bill DataFrame or BILLDIR), egress is calibrated from the bill's transfer of
    `month` (the bill's latest month for the run-rate): `calibrate_egress`."""
    period = Period(snapshot, month)
    graph = blob_graph(snapshot)
    rs = repository_storage(
        snapshot, scope=check_scope(scope), period=(period.start, period.end), graph=graph
    )
    storage = storage_from(rs, period)
    repos = rs[REPO_KEY].astype(object)
    egress = egress_usage(snapshot, profile, month, repos, graph)
    billed = None if bill is None else billed_transfer(bill, month)
    if billed is not None:
        egress = calibrate_egress(egress, billed, cross_region_rule)
    return {
        "rs": rs,
        "storage": storage,
        "egress": egress,
        "replication": replication_from(snapshot, storage, repos),
        "billed": billed,
    }


# ---- egress calibrated from the bill ------------------------------------------------------------
def calibrate_egress(
    egress: pd.DataFrame, billed: pd.DataFrame, cross_region_rule: str = "internet"
) -> pd.DataFrame:
    """`egress` (`egress_usage`'s columns) with billed transfer in place of the profile's guess.

    `billed`: account_id, region, out_gb, inter_region_gb (`billing.transfer.billed_transfer`;
    ``attrs["month"]`` names the month). For each account x region of `billed`:

    - the billed ``out_gb`` (DataTransfer-Out: internet, and pulls from another region, which
      AWS bills at internet rates) becomes the GB that leave the region: ``internet_gb``; under
      the catalog rule "cross-region pulls = inter-region" the billed ``inter_region_gb``
      (AWS-Out) becomes ``cross_region_gb`` instead of 0 (under the "internet" rule the
      cross-region pulls are inside ``out_gb``, and AWS-Out is replication, modelled apart);
    - it is allocated to the account-region's repositories in proportion to their modelled
      pulled GB (equally when none was pulled), so the repositories sum to the billed GB;
    - the rest of each repository's pulled GB is same-region (free), never below 0;
    - a repository whose shares come from an explicit ``[[rule]]`` of the traffic profile keeps
      them: its leaving GB are taken off the billed GB first (the rest is allocated).

    Adds ``egress_source``: "bill YYYY-MM" | "profile" | "profile rule" | "unknown" (no profile,
    not billed), and ``egress_note`` (why, for the line items' flags).
    """
    month = billed.attrs.get("month", "the bill")
    out = egress.reset_index(drop=True).copy()
    explicit = out["traffic_rule"].notna() & (out["traffic_rule"] != "[default]")
    known = out["internet_gb"].notna()
    out["egress_source"] = np.where(
        explicit, "profile rule", np.where(known, "profile", "unknown")
    ).astype(object)
    out["egress_note"] = None
    bill = billed.set_index(["account_id", "region"])
    for (account, region), group in out.groupby(["account_id", "region"], sort=False):
        if (account, region) not in bill.index:
            continue
        b = bill.loc[(account, region)]
        idx = group.index
        rule = explicit[idx]
        calibrated = idx[~rule.to_numpy()]
        if len(calibrated) == 0:
            continue
        kept = out.loc[idx[rule.to_numpy()]]  # explicit rules: their GB come off the bill first
        kept_internet = float(kept["internet_gb"].fillna(0).sum())
        kept_cross = float(kept["cross_region_gb"].fillna(0).sum())
        if cross_region_rule == "inter-region":
            out_gb = max(float(b["out_gb"]) - kept_internet, 0.0)
            inter = max(float(b["inter_region_gb"]) - kept_cross, 0.0)
        else:
            out_gb = max(float(b["out_gb"]) - kept_internet - kept_cross, 0.0)
            inter = 0.0
        pulled = out.loc[calibrated, "pulled_gb"].fillna(0.0).to_numpy(float)
        total = pulled.sum()
        weight = pulled / total if total > 0 else np.full(len(pulled), 1 / len(pulled))
        internet = out_gb * weight
        cross = inter * weight
        out.loc[calibrated, "internet_gb"] = internet
        out.loc[calibrated, "cross_region_gb"] = cross
        out.loc[calibrated, "same_region_gb"] = np.maximum(pulled - internet - cross, 0.0)
        out.loc[calibrated, "egress_source"] = f"bill {month}"
        share = "by modelled pulled GB" if total > 0 else "equally (no pulls modelled)"
        note = (
            f"egress calibrated from the bill ({month}): {b['out_gb']:,.2f} GB billed transfer out "
            f"of {account}/{region}, allocated {share}"
        )
        if out_gb + inter > total:
            note += "; more than the modelled pulled GB (transfer that is not pulls?)"
        out.loc[calibrated, "egress_note"] = note
    return out


def calibration_summary(egress: pd.DataFrame, billed: pd.DataFrame | None) -> str | None:
    """One line for the method text: which account-regions were calibrated, from which month,
    which still use the traffic profile or are unknown (None without a bill)."""
    if billed is None or "egress_source" not in egress.columns:
        return None
    pairs = egress.groupby(["account_id", "region"], sort=True)["egress_source"].agg(
        lambda s: sorted(set(s))
    )

    def names(pred: Callable[[list[str]], bool]) -> str:
        got = [f"{a}/{r}" for (a, r), v in pairs.items() if pred(v)]
        return ", ".join(got) if got else "none"

    month = billed.attrs.get("month", "?")
    source = billed.attrs.get("source", "bill")
    in_bill = {(a, r) for a, r in zip(billed["account_id"], billed["region"], strict=True)}
    missing = sorted(f"{a}/{r}" for a, r in in_bill - set(pairs.index))

    def calibrated(v: list[str]) -> bool:
        return any(x.startswith("bill") for x in v)

    def profiled(v: list[str]) -> bool:
        return not calibrated(v) and any(x.startswith("profile") for x in v)

    def unknown(v: list[str]) -> bool:
        return not calibrated(v) and "unknown" in v

    def kept_rules(v: list[str]) -> bool:
        return calibrated(v) and "profile rule" in v

    line = (
        f"calibrated from the bill ({source}, {month}): {names(calibrated)}; "
        f"traffic profile: {names(profiled)}; unknown: {names(unknown)}"
    )
    kept = names(kept_rules)
    if kept != "none":
        line += f"; explicit traffic rules kept in: {kept}"
    if missing:
        line += f"; billed but not in the snapshot: {', '.join(missing)}"
    return line
