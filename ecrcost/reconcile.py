"""Estimate vs bill: the modelled cost of one calendar month beside what AWS billed for it.

`reconcile(snapshot, bill, month)` prices the snapshot for `month` (the pro-rating of
``costs --month``: byte-hours within the month of the images present in the snapshot) and puts
it beside the bill's rows of that month, one row per account x region x category x line item type
(``level`` "account-region") and, where the bill names resources, per repository (``level``
"repository"; transfer rows without a resource ID are the repository <NA> row, "unattributed").

Modelled categories (the line items of `pricing.model.line_items`): ``storage`` (storage, and
replica storage in the destination account-region), ``archive_storage``, ``egress_internet``
(internet egress, and cross-region pulls when the catalog prices them at internet rates, as AWS
bills them), ``transfer_inter_region`` (replication transfer, and cross-region pulls under the
"inter-region" rule). ``archive_restore``, ``other`` and every non-usage line (Credit, Refund,
Tax, ...) are not modelled: their modelled columns are NaN, never $0.

``diff_usd`` = modelled_usd - billed_usd (positive: the estimate is higher); ``diff_pct`` =
diff_usd / billed_usd x 100 (NaN when nothing was billed). ``note`` names the known residuals
(`../shared/facts/BILLING.md` §4). ``attrs["summary"]`` holds the overall storage error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .billing import load_bill
from .errors import BillError
from .pricing.model import as_catalog, line_items
from .snapshot import Snapshot, load_snapshot
from .usage import Period

#: the output columns (JSON keys): grouping columns, then the figures
GROUP_COLUMNS = [
    "level",
    "month",
    "account_id",
    "region",
    "category",
    "line_item_type",
    "repository",
]
VALUE_COLUMNS = [
    "billed_quantity",
    "billed_usd",
    "modelled_quantity",
    "modelled_usd",
    "diff_usd",
    "diff_pct",
    "note",
]
COLUMNS = GROUP_COLUMNS + VALUE_COLUMNS
USAGE_LINES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
MODELLED = ("storage", "archive_storage", "egress_internet", "transfer_inter_region")
#: |diff_pct| below this is a match
MATCH_PCT = 0.5
_KEY = ["account_id", "region", "category"]


def reconcile(
    snapshot: Snapshot | str,
    bill: pd.DataFrame | str,
    month: str,
    *,
    scope: str = "repository",
    traffic: Any = None,
    prices: Any = None,
) -> pd.DataFrame:
    """The estimate for `month` ("YYYY-MM") beside `bill`'s rows of that month.

    `snapshot`, `bill`: loaded objects or paths (a snapshot directory, a BILLDIR). `traffic`,
    `prices`, `scope` as in `costs`. Columns (`COLUMNS`): level ("account-region" | "repository"),
    month, account_id, region (<NA> for a bill row whose usage-type prefix is unknown), category,
    line_item_type, repository (<NA> at account-region level, and for unattributed bill rows),
    billed_quantity, billed_usd, modelled_quantity, modelled_usd (NaN: not modelled or unknown),
    diff_usd, diff_pct, note. Quantities in GB-Mo (storage) or GB (transfer), 1 GB = 2^30 bytes.
    ``attrs["summary"]``: storage_billed_usd, storage_modelled_usd, storage_error_pct, line.
    Raises `BillError` when the bill has no rows for `month`.
    """
    snap = snapshot if isinstance(snapshot, Snapshot) else load_snapshot(snapshot)
    b = load_bill(bill)
    period = Period(snap, month)  # validates the month
    rows = b[b["month"] == month]
    if len(rows) == 0:
        have = ", ".join(sorted(set(b["month"]))) or "none"
        raise BillError(f"--month {month}: the bill has no rows for it (its months: {have})")
    catalog = as_catalog(prices)
    items = line_items(snap, scope=scope, traffic=traffic, prices=catalog, month=month)
    modelled = modelled_by_category(
        items, catalog.rule("cross-region pulls", ("internet", "inter-region"))
    )
    context = _Context(snap, period, rows, traffic is not None)
    out = [_account_region(rows, modelled, context)]
    if rows["resource_id"].notna().any():
        out.append(_per_repository(rows, modelled, context))
    df = pd.concat(out, ignore_index=True)
    df.insert(0, "month", month)
    df = df[COLUMNS]
    df.attrs["summary"] = summary(df, month)
    df.attrs["method"] = {
        "period": period.label,
        "diff": "modelled - billed; diff_pct relative to billed",
        "bill": f"{b.attrs.get('meta', {}).get('source', 'bill')} ({len(rows)} rows for {month})",
        "units": "USD; GB-Mo for storage, GB for transfer; 1 GB = 2^30 bytes",
    }
    return df


def modelled_by_category(items: pd.DataFrame, cross_region_rule: str = "internet") -> pd.DataFrame:
    """Line items -> account_id, region, repository, category, quantity, usd (bill categories).

    Replica storage is counted in its destination account-region (where AWS bills it), and only
    when the replica is not itself in the snapshot. Same-region egress (free) is left out.
    """
    cross = "egress_internet" if cross_region_rule == "internet" else "transfer_inter_region"
    category = {
        "storage": "storage",
        "archive storage": "archive_storage",
        "egress internet": "egress_internet",
        "egress cross-region": cross,
        "egress (destination unknown)": "egress_internet",
        "replication transfer": "transfer_inter_region",
        "replication storage": "storage",
    }
    it = items[items["item"].isin(list(category))].copy()
    it["category"] = it["item"].map(category)
    # pulled GB are known, the share leaving is not (a known 0 GB stays 0: nothing left)
    unknown = (it["item"] == "egress (destination unknown)") & it["usd"].isna()
    it.loc[unknown, "quantity"] = np.nan
    rep = it["item"] == "replication storage"
    dest = it.loc[rep, "destination"].astype(str).str.split("/", n=1, expand=True)
    if rep.any():
        it.loc[rep, "region"] = dest[0].to_numpy()
        it.loc[rep, "account_id"] = dest[1].to_numpy()
        it.loc[rep, "repository"] = it.loc[rep, "repository"]
    it = it[~(rep & (it["quantity"].fillna(0) == 0))]  # a replica counted where it is collected
    cols = ["account_id", "region", "repository", "category", "quantity", "usd"]
    return it[cols].reset_index(drop=True)


class _Context:
    """What the notes need to know about the snapshot and the bill's month."""

    def __init__(self, snap: Snapshot, period: Period, rows: pd.DataFrame, has_traffic: bool):
        self.snap, self.period, self.has_traffic = snap, period, has_traffic
        keys = pd.concat(
            [snap.repositories[["account_id", "region"]], snap.images[["account_id", "region"]]]
        )
        keys = keys.astype(str)
        targets = snap.targets
        pairs = set(zip(keys["account_id"], keys["region"], strict=True))
        pairs |= set(
            zip(targets["account_id"].astype(str), targets["region"].astype(str), strict=True)
        )
        self.pairs = pairs
        self.billed_pairs = set(
            zip(rows["account_id"].astype(str), rows["region"].astype(str), strict=True)
        )
        self.accounts = {a for a, _ in pairs}
        imgs = snap.images
        pushed = imgs["pushed_at"].between(period.start, period.end, inclusive="left")
        self.pushed_in_month = int(pushed.sum())
        self.collected = snap.collected_at
        self.mounting = {
            (str(r.get("account_id")), str(r.get("region")))
            for r in snap.meta.get("registries") or []
            if r.get("blob_mounting") == "ENABLED"
        }

    def coverage(self, account: Any, region: Any, billed: bool, modelled: bool) -> str | None:
        """Why a row exists on one side only (accounts / regions in one and not the other)."""
        if pd.isna(region):
            return None
        pair = (str(account), str(region))
        if billed and pair not in self.pairs:
            if str(account) not in self.accounts:
                return "account in the bill, not in the snapshot"
            return "region in the bill, not in the snapshot"
        if not billed and modelled:
            if pair not in self.billed_pairs:
                return "account-region in the snapshot, not in the bill"
            return "modelled, nothing billed in this category"
        return None

    def storage_notes(self, diff: float, account: Any, region: Any) -> list[str]:
        out = []
        when = self.collected.strftime("%Y-%m-%d %H:%M UTC")
        if diff < 0:
            out.append(
                f"billed more than modelled: the snapshot ({when}) is one instant; images deleted "
                "during the month are not in it, though AWS billed their hours"
            )
        elif diff > 0:
            if self.collected < self.period.end:
                out.append(
                    f"modelled more than billed: the snapshot ({when}) is before the month's end; "
                    "its images are assumed to stay to the end of the month"
                )
            else:
                out.append(
                    "modelled more than billed: images pushed during the month are pro-rated from their push"
                )
        if self.pushed_in_month:
            out.append(
                f"{self.pushed_in_month} image(s) pushed during the month, pro-rated from their push"
            )
        if (str(account), str(region)) in self.mounting:
            out.append(
                "blob mounting is enabled: which repository AWS bills for a mounted layer is undocumented"
            )
        return out


def _notes_for(row: Any, ctx: _Context) -> str:
    billed, modelled = (
        pd.notna(row.billed_usd),
        pd.notna(row.modelled_usd) or pd.notna(row.modelled_quantity),
    )
    notes: list[str] = []
    cover = ctx.coverage(row.account_id, row.region, billed, modelled)
    if pd.isna(row.region) and billed and row.usage_types:
        notes.append(f"unknown usage-type prefix ({row.usage_types}): region unknown")
    if row.line_item_type not in USAGE_LINES:
        notes.append(
            f"{row.line_item_type} line: credits, refunds, free tier and tax are not modelled"
        )
    elif row.category not in MODELLED:
        notes.append(f"{row.category.replace('_', ' ')} is not modelled ({row.usage_types})")
    else:
        if cover:
            notes.append(cover)
        diff = row.diff_pct
        if pd.notna(diff) and abs(diff) < MATCH_PCT:
            notes.append("matches")
        elif (
            row.category in ("storage", "archive_storage") and pd.notna(row.diff_usd) and not cover
        ):
            notes.extend(ctx.storage_notes(row.diff_usd, row.account_id, row.region))
        if row.category == "archive_storage":
            notes.append(
                "90-day archive minimum: archived images deleted earlier are billed to 90 days"
            )
        if row.category == "egress_internet" and not ctx.has_traffic:
            notes.append(
                "no traffic profile: the share of pulled GB that leaves the region is unknown"
            )
        elif row.category in ("egress_internet", "transfer_inter_region") and billed:
            notes.append(
                "transfer that is not pulls (replication, other services) is billed here too"
            )
    return "; ".join(dict.fromkeys(notes))


def _billed(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = rows.groupby(keys + ["line_item_type"], dropna=False, sort=True)
    return g.agg(
        billed_quantity=("usage_quantity", "sum"),
        billed_usd=("unblended_usd", "sum"),
        usage_types=("usage_type", lambda s: ", ".join(sorted(set(s)))),
    ).reset_index()


def _model(modelled: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = modelled.groupby(keys, dropna=False, sort=True)
    out = g.agg(
        modelled_quantity=("quantity", lambda s: s.sum(skipna=False)),
        modelled_usd=("usd", lambda s: s.sum(skipna=False)),
    ).reset_index()
    return out.assign(line_item_type="Usage", _model_row=True)


def _join(
    billed: pd.DataFrame, model: pd.DataFrame, keys: list[str], ctx: _Context
) -> pd.DataFrame:
    df = billed.merge(model, on=keys + ["line_item_type"], how="outer")
    df["usage_types"] = df["usage_types"].fillna("")
    # the snapshot covers the account-region and models the category, but has nothing there:
    # a known zero, not unknown (an account or region outside the snapshot stays NaN)
    collected = pd.Series(
        [
            (str(a), str(r)) in ctx.pairs
            for a, r in zip(df["account_id"], df["region"], strict=True)
        ],
        index=df.index,
    )
    zero = (
        collected
        & df["category"].isin(MODELLED)
        & df["line_item_type"].isin(USAGE_LINES)
        & df["modelled_usd"].isna()
        & df["modelled_quantity"].isna()
        & ~df["_model_row"].fillna(False).astype(bool)
    )
    if "repository" in keys:  # the unattributed row has no modelled side
        zero &= df["repository"].notna()
    df.loc[zero, ["modelled_quantity", "modelled_usd"]] = 0.0
    df = df.drop(columns="_model_row")
    df["diff_usd"] = df["modelled_usd"] - df["billed_usd"]
    base = df["billed_usd"].where(df["billed_usd"] != 0)
    df["diff_pct"] = df["diff_usd"] / base * 100
    df["note"] = [_notes_for(r, ctx) for r in df.itertuples(index=False)]
    return df


def _account_region(rows: pd.DataFrame, modelled: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    df = _join(_billed(rows, _KEY), _model(modelled, _KEY), _KEY, ctx)
    return df.assign(level="account-region", repository=pd.NA)


def _per_repository(rows: pd.DataFrame, modelled: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    keys = _KEY + ["repository"]
    r = rows[rows["category"].isin(MODELLED) & rows["line_item_type"].isin(USAGE_LINES)]
    m = modelled[modelled["category"].isin(set(r["category"]))]
    df = _join(_billed(r, keys), _model(m, keys), keys, ctx)
    # a modelled-only repository row means something only where the bill attributes that
    # account-region's category to repositories, and when it models a non-zero quantity
    attributed = set(
        map(
            tuple,
            r[r["repository"].notna()][_KEY].astype(str).drop_duplicates().to_numpy().tolist(),
        )
    )
    keep = df["billed_usd"].notna() | (
        pd.Series(
            [tuple(map(str, k)) in attributed for k in df[_KEY].to_numpy().tolist()], index=df.index
        )
        & (df["modelled_quantity"].fillna(1) != 0)
    )
    df = df[keep].reset_index(drop=True)
    unattributed = df["repository"].isna()
    in_snapshot = set(
        map(tuple, modelled[["account_id", "region", "repository"]].astype(str).to_numpy().tolist())
    )
    missing = (
        df["billed_usd"].notna()
        & ~unattributed
        & pd.Series(
            [
                tuple(map(str, k)) not in in_snapshot
                for k in df[["account_id", "region", "repository"]].to_numpy().tolist()
            ],
            index=df.index,
        )
    )
    only_modelled = df["billed_usd"].isna() & ~unattributed
    df.loc[only_modelled, "note"] = "repository in the snapshot, not in the bill"
    df.loc[unattributed, "note"] = "unattributed: bill rows without a repository resource ID"
    df.loc[missing, "note"] = [
        "; ".join(
            filter(None, [c, "repository in the bill, not in the snapshot (deleted before it?)"])
        )
        for c in (
            ctx.coverage(a, g, True, False)
            for a, g in zip(df.loc[missing, "account_id"], df.loc[missing, "region"], strict=True)
        )
    ]
    return df.assign(level="repository")


def summary(df: pd.DataFrame, month: str) -> dict[str, Any]:
    """The overall storage error (standard + archive, usage lines, account-region level)."""
    s = df[
        (df["level"] == "account-region")
        & df["category"].isin(["storage", "archive_storage"])
        & df["line_item_type"].isin(USAGE_LINES)
    ]
    billed = float(s["billed_usd"].sum())
    modelled = float(s["modelled_usd"].sum(skipna=False)) if len(s) else float("nan")
    err = (modelled - billed) / billed * 100 if billed else float("nan")
    other = df[(df["level"] == "account-region") & ~df["line_item_type"].isin(USAGE_LINES)]
    line = (
        f"Storage {month}: modelled ${modelled:,.2f} vs billed ${billed:,.2f}: error "
        + (f"{err:+.2f} %" if not np.isnan(err) else "n/a")
        + f" over {s[['account_id', 'region']].drop_duplicates().shape[0]} account-region(s)"
    )
    if len(other):
        line += f"; credits/refunds/tax not modelled: ${other['billed_usd'].sum():,.2f}"
    return {
        "storage_billed_usd": billed,
        "storage_modelled_usd": modelled,
        "storage_error_pct": err,
        "line": line,
    }
