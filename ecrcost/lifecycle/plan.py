"""The cleanup planner: an evaluation (`evaluate`) priced in bytes and dollars.

Bytes are computed jointly over the whole outcome, per repository, on the storage model's blob
graph (`ecrcost.storage.blob_graph`): a blob is **freed** when every image of the repository
referencing it is expired; it **moves to archive** when it was referenced by a standard image
before and afterwards only by archived images (kept archived ones or those transitioned now).
Each such blob's size is shared equally by the images that free or move it, so per-image, per-rule
and per-repository figures add up to the same totals (never a sum of per-image exclusive bytes).
An image whose manifest is unknown counts its ``imageSizeInBytes`` (NaN when unknown).

Money (USD; 1 GB = 2^30 bytes; a month = 365.25/12 days):

- ``saved_month_usd``: standard GB freed or moved x the standard rate, minus the change of
  the archive bill (the archive ladder, 150 TB tier included, applied to each region's archive GB
  before and after; the difference priced per GB at that marginal rate).
- ``one_time_usd``: the archive 90-day minimum (an archived image expired before 90 days in
  archive is billed for the rest; an image transitioned now that an archive-class expire rule of
  its policy removes after fewer than 90 days is billed up to 90) plus restore fees
  (``restore_rate`` x GB moved x the restore price per GB).
- ``net_12m_usd``: 12 x the monthly saving minus the one-time charges (the state right after this
  evaluation, held for 12 months; later firings of time-based rules are not projected).
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..pricing.catalog import Catalog, load_catalog
from ..pricing.tiers import split_tiers
from ..snapshot import Snapshot
from ..storage import REPO_KEY, BlobGraph, blob_graph
from ..units import DAYS_PER_MONTH, GB
from .evaluate import IMAGE_COLUMNS, Evaluation, evaluate
from .policy import ARCHIVE_MINIMUM_DAYS, Policy

MONTHS = 12

#: the per-image columns of a plan (`ecrcost lifecycle` JSON ``images`` and CSV)
PLAN_IMAGE_COLUMNS = [
    *IMAGE_COLUMNS,
    "freed_bytes",
    "to_archive_bytes",
    "saved_month_usd",
    "one_time_usd",
]

#: money and byte columns shared by the per-rule and per-repository summaries
SUMMARY_COLUMNS = [
    "images_expired",
    "images_transitioned",
    "in_use_blocked",
    "freed_bytes",
    "to_archive_bytes",
    "saved_month_usd",
    "one_time_usd",
    "net_12m_usd",
]


@dataclass
class CleanupPlan:
    """`cleanup_plan` output: per image (`images`: the evaluation's columns plus freed_bytes,
    to_archive_bytes, saved_month_usd, one_time_usd), `by_rule`, `by_repository`, the
    evaluation time, warnings and the prices used (`prices`: text per region)."""

    images: pd.DataFrame
    by_rule: pd.DataFrame
    by_repository: pd.DataFrame
    at: pd.Timestamp
    evaluation: Evaluation
    warnings: list[str] = field(default_factory=list)
    prices: list[str] = field(default_factory=list)


def plan_cleanup(
    snapshot: Snapshot,
    policy: str | dict | Policy | None = None,
    *,
    at: str | pd.Timestamp | None = None,
    repository: str | None = None,
    by: str = "repository",
    catalog: Catalog | None = None,
    restore_rate: float = 0.0,
) -> pd.DataFrame:
    """The priced cleanup plan of `policy` (None: each repository's own) as a DataFrame.

    `by`: "repository" (account_id, region, repository, policy, images, images_in_use, then
    `SUMMARY_COLUMNS`), "rule" (rule_priority, rule, repositories, then `SUMMARY_COLUMNS`) or
    "image" (see `CleanupPlan.images`). Bytes are bytes, money USD (see the module docstring).
    """
    plan = cleanup_plan(
        snapshot, policy, at=at, repository=repository, catalog=catalog, restore_rate=restore_rate
    )
    views = {"repository": plan.by_repository, "rule": plan.by_rule, "image": plan.images}
    if by not in views:
        raise InputError(f"by must be one of {', '.join(views)}, not {by!r}")
    return views[by]


def cleanup_plan(
    snapshot: Snapshot,
    policy: str | dict | Policy | None = None,
    *,
    at: str | pd.Timestamp | None = None,
    repository: str | None = None,
    catalog: Catalog | None = None,
    restore_rate: float = 0.0,
    graph: BlobGraph | None = None,
    policies: dict[tuple[str, str, str], Policy] | None = None,
) -> CleanupPlan:
    """`plan_cleanup` with every view at once (what the CLI and the report use)."""
    if not (0.0 <= restore_rate <= 1.0) or math.isnan(restore_rate):
        raise InputError(f"--restore-rate must be between 0 and 1, not {restore_rate}")
    catalog = catalog or load_catalog()
    ev = evaluate(snapshot, policy, at, repository, policies=policies)
    graph = graph or blob_graph(snapshot)
    imgs = snapshot.images.reset_index(drop=True)
    n = len(imgs)
    action = np.full(n, "keep", dtype=object)
    action[ev.images.index.to_numpy()] = ev.images["action"].to_numpy(object)
    shares = _joint_bytes(imgs, graph, action)

    regions = sorted(set(imgs["region"].dropna()))
    std_rate, prices = {}, []
    for r in regions:
        p = catalog.price("storage", r, "STANDARD", service="AmazonECR")
        std_rate[r] = p.rate
        prices.append(f"{r}: standard {p.description} ({p.source_date}, {p.confidence})")
    region = imgs["region"].to_numpy(object)
    arch_rate = _marginal_archive_rates(catalog, region, shares, prices)
    restore = {
        r: catalog.price("archive restore", r, "ARCHIVE", service="AmazonECR") for r in regions
    }
    minimum = _archive_minimum_days(catalog)

    regions_s = imgs["region"].astype(object)
    std = regions_s.map(std_rate).to_numpy(float, na_value=np.nan)
    ar = regions_s.map(arch_rate).to_numpy(float, na_value=np.nan)
    rest = regions_s.map({r: p.rate for r, p in restore.items()}).to_numpy(float, na_value=np.nan)
    freed = shares["freed_std"] + shares["freed_archive"]
    moved = shares["moved"]
    saved = (shares["freed_std"] + moved) / GB * std - (moved - shares["freed_archive"]) / GB * ar
    saved = np.where((freed == 0) & (moved == 0), 0.0, saved)  # a known zero is $0 at any rate

    # one-time: the 90-day minimum and restore fees
    at_ns = ev.at.value
    archived_ns = imgs["archived_at"].astype("datetime64[ns, UTC]")
    age_days = ((at_ns - archived_ns.to_numpy("datetime64[ns]").astype("int64")) / 86_400e9).astype(
        float
    )
    age_days[archived_ns.isna().to_numpy()] = np.nan
    early = (action == "expire") & (shares["freed_archive"] > 0) & (age_days < minimum)
    rest_days = np.where(early, minimum - np.nan_to_num(age_days, nan=minimum), 0.0)
    one_time = shares["freed_archive"] / GB * ar * rest_days / DAYS_PER_MONTH
    one_time = np.where(early, one_time, 0.0)
    short = _short_archive_days(ev, imgs, action, minimum)
    one_time = one_time + np.where(short > 0, moved / GB * ar * short / DAYS_PER_MONTH, 0.0)
    one_time = one_time + np.where(moved > 0, restore_rate * moved / GB * rest, 0.0)

    per = ev.images.copy()
    idx = per.index.to_numpy()
    per["freed_bytes"] = freed[idx]
    per["to_archive_bytes"] = moved[idx]
    per["saved_month_usd"] = saved[idx]
    per["one_time_usd"] = one_time[idx]
    per["net_12m_usd"] = MONTHS * saved[idx] - one_time[idx]
    warnings = list(ev.warnings) + pull_time_warnings(snapshot)
    return CleanupPlan(
        images=per,
        by_rule=_by_rule(per, ev),
        by_repository=_by_repository(per, ev, snapshot, repository, policy is not None),
        at=ev.at,
        evaluation=ev,
        warnings=warnings,
        prices=prices,
    )


# ---- bytes -----------------------------------------------------------------------------------
def _joint_bytes(imgs: pd.DataFrame, graph: BlobGraph, action: np.ndarray) -> dict[str, np.ndarray]:
    """Per image: its share of the bytes freed (from standard / from archive) and moved to archive
    by the whole outcome `action` (per image: keep / expire / transition), repository by repository."""
    n = len(imgs)
    out = {k: np.zeros(n) for k in ("freed_std", "freed_archive", "moved")}
    if n == 0:
        return out
    status = imgs["status"].fillna("ACTIVE").to_numpy(object)
    was_std = status == "ACTIVE"
    gone = action == "expire"
    after_std = was_std & (action == "keep")
    causes = action != "keep"
    e = graph.edges
    img = e["image"].to_numpy(np.int64)
    blob = e["blob"].to_numpy(np.int64)
    size = e["size_bytes"].to_numpy(float)
    n_blob = int(blob.max()) + 1 if len(blob) else 1
    key = graph.img_group[img].astype(np.int64) * n_blob + blob
    codes, _ = pd.factorize(key)
    m = int(codes.max()) + 1 if len(codes) else 0

    def anyof(flag: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=flag[img].astype(float), minlength=m) > 0

    before_std = anyof(was_std)
    remains = anyof(~gone)
    remains_std = anyof(after_std)
    blob_size = np.zeros(m)
    blob_size[codes] = size
    freed = ~remains
    moved = before_std & ~remains_std & remains
    n_causes = np.bincount(codes, weights=causes[img].astype(float), minlength=m)
    share = np.divide(blob_size, n_causes, out=np.zeros(m), where=n_causes > 0)
    c = causes[img]
    for name, mask in (
        ("freed_std", freed & before_std),
        ("freed_archive", freed & ~before_std),
        ("moved", moved),
    ):
        sel = c & mask[codes]
        out[name] = np.bincount(img[sel], weights=share[codes][sel], minlength=n)[:n].astype(float)
    # images whose blobs are unknown: their imageSizeInBytes stands in (NaN when unknown too)
    unknown = graph.img_kind == "unknown"
    if unknown.any():
        naive = imgs["size_bytes"].astype("Float64").to_numpy(float, na_value=np.nan)
        out["freed_std"] = np.where(unknown & gone & was_std, naive, out["freed_std"])
        out["freed_archive"] = np.where(unknown & gone & ~was_std, naive, out["freed_archive"])
        out["moved"] = np.where(unknown & (action == "transition"), naive, out["moved"])
    return out


# ---- prices ----------------------------------------------------------------------------------
def _marginal_archive_rates(
    catalog: Catalog, region: np.ndarray, shares: dict[str, np.ndarray], prices: list[str]
) -> dict[str, float]:
    """Per region: USD per GB-month of the archive bytes this plan adds or removes, on the archive
    ladder (150 TB tier) applied to the region's archive GB moved now (the first tier's rate when
    the plan adds none)."""
    rates: dict[str, float] = {}
    delta = pd.Series(shares["moved"] - shares["freed_archive"]).groupby(region).sum()
    for r in sorted(set(region)):
        p = catalog.price("storage", r, "ARCHIVE", service="AmazonECR")
        prices.append(f"{r}: archive {p.description} ({p.source_date}, {p.confidence})")
        d = float(delta.get(r, 0.0)) / GB
        if d > 0:
            rates[r] = split_tiers(d, p.tiers).cost / d
        else:
            rates[r] = p.rate
    return rates


def _archive_minimum_days(catalog: Catalog) -> float:
    try:
        return float(catalog.fact("archive minimum duration")["value"])
    except Exception:  # noqa: BLE001 -- a user catalog without the row: the documented 90 days
        return float(ARCHIVE_MINIMUM_DAYS)


def _short_archive_days(
    ev: Evaluation, imgs: pd.DataFrame, action: np.ndarray, minimum: float
) -> np.ndarray:
    """Per image transitioned now: days short of the 90-day minimum at which an archive-class
    expire rule of its repository's policy (matching its tags) would remove it; else 0."""
    out = np.zeros(len(imgs))
    tr = np.flatnonzero(action == "transition")
    short = any(
        r.storage_class == "archive" and r.count_number < minimum
        for pol in set(ev.rules.values())
        for r in pol.rules
    )
    if len(tr) == 0 or not short:
        return out
    keys = imgs[REPO_KEY].to_numpy(object)
    tags = imgs["tags"].to_numpy(object)
    for i in tr:
        pol = ev.rules.get(tuple(keys[i]))
        if pol is None:
            continue
        for rule in pol.rules:
            if rule.storage_class == "archive" and rule.matches_tags(list(tags[i])):
                out[i] = max(0.0, minimum - rule.count_number)
                break
    return out


# ---- summaries -------------------------------------------------------------------------------
_SUMMED = ["freed_bytes", "to_archive_bytes", "saved_month_usd", "one_time_usd"]


def _sums(p: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Counts and sums of a `_with_blocked` frame grouped by `by` (NaN sums stay NaN)."""
    g = p.groupby(by, sort=False)
    out = g[["images_expired", "images_transitioned", "in_use_blocked"]].sum()
    return out.join(g[_SUMMED].sum(min_count=1))


def _with_blocked(per: pd.DataFrame) -> pd.DataFrame:
    action = per["action"].to_numpy(object)
    return per.assign(
        images_expired=(action == "expire").astype(np.int64),
        images_transitioned=(action == "transition").astype(np.int64),
        in_use_blocked=(per["in_use"] & per["blocked_rule_priority"].notna()).astype(np.int64),
        rule_key=per["rule_priority"].fillna(per["blocked_rule_priority"]),
    )


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    for c in ("freed_bytes", "to_archive_bytes", "saved_month_usd", "one_time_usd"):
        df[c] = df[c].astype(float).fillna(0.0) if c != "freed_bytes" else df[c].astype(float)
    df["freed_bytes"] = df["freed_bytes"].fillna(0.0)
    df["net_12m_usd"] = MONTHS * df["saved_month_usd"] - df["one_time_usd"]
    df["in_use_blocked"] = df["in_use_blocked"].astype("int64")
    return df


def _by_rule(per: pd.DataFrame, ev: Evaluation) -> pd.DataFrame:
    cols = ["rule_priority", "rule", "repositories", *SUMMARY_COLUMNS]
    p = _with_blocked(per)
    p = p[p["rule_key"].notna()]
    if len(p) == 0:
        return pd.DataFrame(columns=cols)
    labels = pd.DataFrame(
        [(*key, r.priority, r.label) for key, pol in ev.rules.items() for r in pol.rules],
        columns=[*REPO_KEY, "rule_priority", "rule"],
    )
    p = p.assign(rule_priority=p["rule_key"].astype("int64"))
    p = p.merge(
        labels.astype({c: p[c].dtype for c in REPO_KEY}),
        on=[*REPO_KEY, "rule_priority"],
        how="left",
    )
    p["rule"] = p["rule"].fillna("rule " + p["rule_priority"].astype(str))
    out = _sums(p, ["rule_priority", "rule"])
    out["repositories"] = (
        p.drop_duplicates([*REPO_KEY, "rule_priority", "rule"])
        .groupby(["rule_priority", "rule"], sort=False)
        .size()
    )
    out = out.sort_index()
    return _finish(out.reset_index())[cols]


def _by_repository(
    per: pd.DataFrame, ev: Evaluation, snapshot: Snapshot, repository: str | None, what_if: bool
) -> pd.DataFrame:
    cols = [*REPO_KEY, "policy", "images", "images_in_use", *SUMMARY_COLUMNS]
    repos = snapshot.repositories
    if repository:
        repos = repos[[fnmatch.fnmatchcase(r, repository) for r in repos["repository"]]]
    keys = pd.concat([repos[REPO_KEY], per[REPO_KEY]]).drop_duplicates()
    p = _with_blocked(per)
    g = p.groupby(REPO_KEY, sort=False)
    sums = _sums(p, REPO_KEY)
    sums["images"] = g.size()
    sums["images_in_use"] = g["in_use"].sum()
    out = keys.merge(sums.reset_index(), on=REPO_KEY, how="left")
    for c in ("images", "images_in_use", "images_expired", "images_transitioned", "in_use_blocked"):
        out[c] = out[c].fillna(0).astype("int64")
    own = repos.set_index(REPO_KEY)["lifecycle_policy"] if len(repos) else pd.Series(dtype=object)
    out["policy"] = [
        "what-if"
        if what_if
        else "own"
        if tuple(k) in ev.rules
        else "invalid"
        if tuple(k) in own.index and pd.notna(own.get(tuple(k)))
        else "none"
        for k in out[REPO_KEY].itertuples(index=False)
    ]
    out = _finish(out)
    return out.sort_values(REPO_KEY).reset_index(drop=True)[cols]


# ---- pull times ------------------------------------------------------------------------------
def pull_time_warnings(snapshot: Snapshot) -> list[str]:
    """Warnings for account-regions where Inspector scanning is on and no pull-time update
    exclusion is registered (scanner pulls then keep unused images looking recently pulled, so
    sinceImagePulled rules and "unpulled" candidates are understated)."""
    inspector = (snapshot.meta.get("in_use") or {}).get("inspector") or {}
    out = []
    for reg in snapshot.meta.get("registries", []):
        key = f"{reg.get('account_id')} {reg.get('region')}"
        excl = reg.get("pull_time_update_exclusions", "unknown")
        if inspector.get(key) != "on":
            continue
        if excl == []:
            out.append(
                f"{key}: Amazon Inspector scanning is on and no pull-time update exclusion is "
                "registered: scanner pulls may make unused images look recently pulled "
                "(register the scanner's role with ecr:RegisterPullTimeUpdateExclusion)"
            )
        elif excl == "unknown":
            out.append(
                f"{key}: Amazon Inspector scanning is on and the pull-time update exclusions "
                "could not be read: pull times may include scanner pulls"
            )
    return out
