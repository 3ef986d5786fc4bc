"""The monthly report: one object holding every section's tables and charts, saved as a directory.

    rep = ecrcost.report("snap", baseline="snap-last-month", traffic="traffic.toml")
    rep.tables["top_repositories"]          # DataFrames, one per table (also rep["summary"], ...)
    rep                                     # renders in Jupyter (_repr_html_)
    rep.save("reports/2026-11")             # index.html, report.md, <table>.csv, charts/<chart>.png

Sections: summary, where the money goes, growth (push months, month over month against a
baseline), savings candidates, egress, alternatives, coverage, method. Every figure comes from the
public stage functions (`ecrcost.costs`, `ecrcost.image_storage`, `ecrcost.compare`) so the report
matches `ecrcost costs` and `ecrcost compare`. Money is USD per month; bytes are bytes (shown with
1 GB = 2^30 bytes); unknown is NaN / "n/a", never 0.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, SnapshotError
from ..files import atomic_directory
from ..snapshot import SCHEMA_VERSION, Snapshot, load_snapshot
from ..storage import REPO_KEY, blob_graph, image_blob_edges, image_storage
from . import charts
from .savings import STALE_DAYS, freed_bytes, lifecycle_unknown, savings_candidates
from .tables import format_bytes, format_cell, format_usd, markdown_escape, to_csv, to_markdown

GB = 2**30
TOP = 15  # repositories in charts
ROWS = 25  # rows of a table shown in HTML / Markdown (the CSV has them all)
#: readable names for the summary's figures (the CSV keeps the column names)
LABELS = {
    "total_usd": "Total, USD/month",
    "storage_usd": "Storage, USD/month",
    "egress_usd": "Egress, USD/month",
    "replication_usd": "Replication, USD/month",
    "naive_bytes": "Sum of imageSizeInBytes (naive)",
    "unique_bytes": "Stored, deduplicated (billed estimate)",
    "overcount_bytes": "Naive over deduplicated",
    "overcount_pct": "Naive over deduplicated, %",
    "accounts": "Accounts",
    "regions": "Regions",
    "repositories": "Repositories",
    "images": "Images",
}


@dataclass
class Table:
    """A named table of a section: `df` in full (the CSV), shown as its first `limit` rows."""

    name: str
    title: str
    df: pd.DataFrame
    limit: int | None = ROWS
    vertical: bool = False  # show a one-row table as (figure, value) pairs
    show: list[str] | None = None  # the columns shown (default: all); the CSV keeps every column

    def shown(self) -> pd.DataFrame:
        """The rows and layout shown in HTML / Markdown (strings already formatted for vertical)."""
        if self.vertical:
            row = self.df.iloc[0] if len(self.df) else pd.Series(dtype=object)
            return pd.DataFrame(
                {
                    "figure": [LABELS.get(str(c), str(c)) for c in row.index],
                    "value": [format_cell(str(c), v) for c, v in row.items()],
                }
            )
        df = (
            self.df
            if self.show is None
            else self.df[[c for c in self.show if c in self.df.columns]]
        )
        return df if self.limit is None else df.head(self.limit)

    def caption(self) -> str | None:
        """ "Top N of M rows" when the shown table is cut, else None."""
        if self.limit is not None and not self.vertical and len(self.df) > self.limit:
            return f"First {self.limit} of {len(self.df):,} rows; all rows in {self.name}.csv."
        return None


@dataclass
class Chart:
    """A rendered chart: PNG bytes, saved as charts/<name>.png."""

    name: str
    title: str
    png: bytes


@dataclass
class Section:
    """One heading of the report: paragraphs (plain text), tables and charts, in that order."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Report:
    """The assembled monthly report. `sections` in reading order; `tables` by name."""

    title: str
    month: str  # YYYY-MM of the snapshot's collection time
    subtitle: str
    sections: list[Section]
    incomplete: pd.DataFrame  # snapshot.incomplete_targets

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report by name (the CSV files of `save`)."""
        return {t.name: t.df for s in self.sections for t in s.tables}

    @property
    def charts(self) -> dict[str, bytes]:
        """Every chart's PNG by name."""
        return {c.name: c.png for s in self.sections for c in s.charts}

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def section(self, id: str) -> Section:
        """The section with this id (summary, money, growth, savings, egress, alternatives, ...)."""
        return next(s for s in self.sections if s.id == id)

    def markdown(self, chart_dir: str = "charts") -> str:
        """The report as Markdown; charts are linked as `<chart_dir>/<name>.png`."""
        out = [f"# {markdown_escape(self.title)}", "", markdown_escape(self.subtitle), ""]
        for s in self.sections:
            out += [f"## {markdown_escape(s.title)}", ""]
            for p in s.paragraphs:
                out += [markdown_escape(p), ""]
            for c in s.charts:
                out += [f"![{markdown_escape(c.title)}]({chart_dir}/{c.name}.png)", ""]
            for t in s.tables:
                out.append(to_markdown(t.shown(), title=t.title))
                if t.caption():
                    out += [f"_{t.caption()}_", ""]
        return "\n".join(out).rstrip() + "\n"

    def html(self) -> str:
        """The report as one self-contained HTML document (CSS and charts inline)."""
        from .html import report_html

        return report_html(self)

    def _repr_html_(self) -> str:
        from .html import report_html

        return report_html(self, fragment=True)

    def save(self, out_dir: str | os.PathLike[str], force: bool = False) -> Path:
        """Write index.html, report.md, one CSV per table and charts/*.png into `out_dir`.

        Atomic: everything is written into a temporary sibling directory which is then renamed into
        place, so `out_dir` is never half-written. An existing `out_dir` is refused with
        `OutputExistsError` unless `force` (then it is replaced once the new report is complete).
        """
        with atomic_directory(out_dir, force) as tmp:
            (tmp / "charts").mkdir()
            for name, png in self.charts.items():
                (tmp / "charts" / f"{name}.png").write_bytes(png)
            for name, df in self.tables.items():
                (tmp / f"{name}.csv").write_text(to_csv(df), encoding="utf-8")
            (tmp / "report.md").write_text(self.markdown(), encoding="utf-8")
            (tmp / "index.html").write_text(self.html(), encoding="utf-8")
        dest = Path(out_dir)
        return dest

    def __repr__(self) -> str:
        return f"<Report {self.title!r}: {len(self.sections)} sections, {len(self.tables)} tables>"


# ---- assembling the report -------------------------------------------------------------------
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
) -> Report:
    """Build the monthly report of `snapshot` (a Snapshot or a snapshot directory).

    `baseline`: an older snapshot (or path) for the month-over-month section; it must have the same
    schema version, be collected earlier and share at least one repository (else `SnapshotError` /
    `InputError`). `traffic` and `prices` are passed to `ecrcost.costs` / `ecrcost.compare` (a path
    or a loaded profile / catalog); without `traffic` egress cost is unknown. `scope` is the
    deduplication scope ("repository" or "registry"); `free_tier` subtracts free allowances as
    `ecrcost costs --free-tier` does; `users` the seat count for the comparison;
    `top` the number of repositories named in charts.
    """
    snap = _as_snapshot(snapshot, "snapshot")
    base = _as_snapshot(baseline, "baseline") if baseline is not None else None
    if base is not None:
        _check_baseline(snap, base)
    ctx = _Context(snap, base, traffic, prices, scope, free_tier, users, top)
    sections = [
        _summary(ctx),
        _money(ctx),
        _growth(ctx),
        _savings(ctx),
        _egress(ctx),
        _alternatives(ctx),
        _coverage(ctx),
        _method(ctx),
    ]
    month = snap.collected_at.strftime("%Y-%m")
    where = f" from {snap.path}" if snap.path else ""
    subtitle = (
        f"Snapshot collected {snap.collected_at.strftime('%Y-%m-%d %H:%M')} UTC{where}"
        f" by ecrcost {snap.meta.get('tool_version', '?')}. Money in USD per month; "
        "1 GB = 2^30 bytes."
    )
    if base is not None:
        subtitle += f" Baseline collected {base.collected_at.strftime('%Y-%m-%d %H:%M')} UTC."
    return Report(
        title=f"ECR cost report {month}",
        month=month,
        subtitle=subtitle,
        sections=sections,
        incomplete=snap.incomplete_targets,
    )


def _as_snapshot(s: Snapshot | str | os.PathLike[str], what: str) -> Snapshot:
    if isinstance(s, Snapshot):
        version = s.meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise SnapshotError(
                f"{what} {s.path or '(in memory)'}: schema version {version!r}, "
                f"this ecrcost reads version {SCHEMA_VERSION}"
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


class _Context:
    """The stage outputs every section draws on, computed once."""

    def __init__(
        self,
        snap: Snapshot,
        base: Snapshot | None,
        traffic: Any,
        prices: Any,
        scope: str,
        free_tier: bool,
        users: int | None,
        top: int,
    ) -> None:
        from ..pricing.model import as_catalog, costs, summarise
        from ..traffic import as_traffic

        catalog = as_catalog(prices)  # read the catalog and the profile once for every stage
        traffic = as_traffic(traffic)
        self.snap, self.base, self.traffic, self.prices = snap, base, traffic, prices
        self.scope, self.users, self.top, self.catalog = scope, users, top, catalog
        self.now = snap.collected_at

        def cost(s: Snapshot, by: str) -> pd.DataFrame:
            return costs(
                s, by=by, scope=scope, traffic=traffic, prices=catalog, free_tier=free_tier
            )

        self.by_repo = cost(snap, "repository")
        # the same sums `costs(by=...)` makes, without pricing the snapshot three more times
        self.by_account = summarise(self.by_repo, "account")
        self.by_region = summarise(self.by_repo, "region")
        self.total = summarise(self.by_repo, "total")
        self.base_by_repo = cost(base, "repository") if base is not None else None
        self.graph = blob_graph(snap)  # built once for the image-level sections
        self.images = image_storage(snap, scope, graph=self.graph)
        self.method = self.by_repo.attrs.get("method")

    def rank_column(self) -> str:
        """total_usd when it is known for some repository, else storage_usd."""
        return "total_usd" if self.by_repo["total_usd"].notna().any() else "storage_usd"


def _total(ctx: _Context, col: str) -> float:
    if col in ctx.total.columns and len(ctx.total):
        return float(pd.to_numeric(ctx.total[col], errors="coerce").sum(min_count=1))
    return float(pd.to_numeric(ctx.by_repo[col], errors="coerce").sum(min_count=1))


def _summary(ctx: _Context) -> Section:
    snap, r = ctx.snap, ctx.by_repo
    naive, unique = _total(ctx, "naive_bytes"), _total(ctx, "unique_bytes")
    registries = pd.concat(
        [snap.targets[["account_id", "region"]], r[["account_id", "region"]]]
    ).dropna()
    registries = registries.astype(str).drop_duplicates()
    row = {
        "total_usd": _total(ctx, "total_usd"),
        "storage_usd": _total(ctx, "storage_usd"),
        "egress_usd": _total(ctx, "egress_usd"),
        "replication_usd": _total(ctx, "replication_usd")
        if "replication_usd" in r.columns
        else np.nan,
        "naive_bytes": naive,
        "unique_bytes": unique,
        "overcount_bytes": naive - unique,
        "overcount_pct": round(100 * (naive - unique) / unique, 1) if unique else np.nan,
        "accounts": registries["account_id"].nunique(),
        "regions": registries["region"].nunique(),
        "repositories": len(r),
        "images": len(snap.images),
    }
    df = pd.DataFrame([row])
    paras = []
    if np.isnan(row["egress_usd"]):
        why = (
            "without a traffic profile (--traffic)"
            if ctx.traffic is None
            else "for some repositories (see Egress)"
        )
        paras.append(
            f"Monthly run-rate: {format_usd(row['storage_usd'])} for storage; egress is unknown "
            f"{why}, so the total is n/a."
        )
        if row["replication_usd"] and not np.isnan(row["replication_usd"]):
            paras.append(f"Replication: {format_usd(row['replication_usd'])}.")
    else:
        repl = row["replication_usd"]
        paras.append(
            f"Monthly run-rate: {format_usd(row['total_usd'])} = {format_usd(row['storage_usd'])} "
            f"storage + {format_usd(row['egress_usd'])} egress"
            + (f" + {format_usd(repl)} replication." if repl and not np.isnan(repl) else ".")
        )
    if not np.isnan(row["overcount_bytes"]):
        verb = "overstates" if naive >= unique else "understates"
        pct = f" ({abs(row['overcount_pct']):.1f}%)" if not np.isnan(row["overcount_pct"]) else ""
        paras.append(
            f"Summing imageSizeInBytes (what the console and most tools do) gives "
            f"{format_bytes(naive)}; the deduplicated layers actually stored come to "
            f"{format_bytes(unique)}, so the naive figure {verb} storage by "
            f"{format_bytes(abs(naive - unique))}{pct}."
        )
    paras.append(
        f"{row['accounts']} account(s), {row['regions']} region(s), {row['repositories']:,} "
        f"repositories, {row['images']:,} images."
    )
    if len(snap.incomplete_targets):
        paras.append(
            f"Incomplete: {len(snap.incomplete_targets)} account-region(s) failed or were partial; "
            "the figures undercount (see Coverage)."
        )
    ax = charts.naive_vs_unique(row)
    return Section(
        "summary",
        "Summary",
        paras,
        [_chart("naive_vs_unique", "Naive vs deduplicated storage", ax)],
        [Table("summary", "Key figures", df, vertical=True)],
    )


_COST_COLS = [
    "images",
    "unique_bytes",
    "storage_usd",
    "pulls",
    "egress_usd",
    "replication_usd",
    "total_usd",
]


def _money(ctx: _Context) -> Section:
    col = ctx.rank_column()
    repos = ctx.by_repo.sort_values(
        [col, "unique_bytes"], ascending=False, kind="stable", na_position="last"
    )
    repos = repos.reset_index(drop=True)
    paras = [f"Repositories ranked by {col.removesuffix('_usd')} cost (USD/month)."]
    if len(repos):
        share = repos[col].head(ctx.top).sum() / repos[col].sum() if repos[col].sum() else np.nan
        if not np.isnan(share):
            paras.append(
                f"The top {min(ctx.top, len(repos))} repositories account for {100 * share:.0f}% of "
                f"{col.removesuffix('_usd')} cost."
            )
    ax = charts.cost_by_repository(repos, n=ctx.top, column=col)
    account = [c for c in ["account_id", *_COST_COLS] if c in ctx.by_account.columns]
    region = [c for c in ["region", *_COST_COLS] if c in ctx.by_region.columns]
    return Section(
        "money",
        "Where the money goes",
        paras,
        [_chart("cost_by_repository", "Top repositories by cost", ax)],
        [
            Table(
                "top_repositories",
                "By repository",
                repos,
                show=[
                    *REPO_KEY,
                    "images",
                    "untagged_images",
                    "naive_bytes",
                    "unique_bytes",
                    "storage_usd",
                    "pulls",
                    "egress_usd",
                    "replication_usd",
                    "total_usd",
                ],
            ),
            Table("by_account", "By account", _sorted(ctx.by_account[account], col)),
            Table("by_region", "By region", _sorted(ctx.by_region[region], col)),
        ],
    )


def _sorted(df: pd.DataFrame, col: str) -> pd.DataFrame:
    key = col if col in df.columns else "storage_usd"
    return df.sort_values(key, ascending=False, kind="stable", na_position="last").reset_index(
        drop=True
    )


def _growth(ctx: _Context) -> Section:
    imgs = ctx.images
    pushed = imgs[
        imgs["pushed_at"].notna() & (imgs["kind"] != "index")
    ]  # children carry an index's bytes
    month = charts.push_month(pushed["pushed_at"])
    by_month = (
        pd.DataFrame(
            {"push_month": month, "images": 1, "image_bytes": pushed["bytes"].astype(float)}
        )
        .groupby("push_month", as_index=False)
        .agg(images=("images", "sum"), image_bytes=("image_bytes", "sum"))
    )
    by_month = by_month.sort_values("push_month").reset_index(drop=True)
    sec = Section(
        "growth",
        "Growth",
        [
            "Image bytes by the month they were pushed (layers shared between images are counted in each "
            "image here, the bill counts them once; an image index counts through its child images)."
        ],
        [
            _chart(
                "storage_by_push_month",
                "Stored image bytes by push month",
                charts.storage_by_push_month(imgs, n=min(ctx.top, 8)),
            )
        ],
        [Table("push_months", "Pushed by month", by_month, limit=None)],
    )
    if ctx.base_by_repo is None:
        sec.paragraphs.append(
            "Month over month: no baseline given (pass last month's snapshot with --baseline)."
        )
        return sec
    delta = month_over_month(ctx.base_by_repo, ctx.by_repo)
    before, after = ctx.base_by_repo["storage_usd"].sum(), ctx.by_repo["storage_usd"].sum()
    counts = delta["change"].value_counts()
    sec.paragraphs.append(
        f"Month over month: storage cost {format_usd(before)} to {format_usd(after)} "
        f"({_signed_usd(after - before)}); stored {format_bytes(ctx.base_by_repo['unique_bytes'].sum())} to "
        f"{format_bytes(ctx.by_repo['unique_bytes'].sum())}. {counts.get('new', 0)} new, "
        f"{counts.get('removed', 0)} removed, {counts.get('grew', 0)} grew, {counts.get('shrank', 0)} shrank, "
        f"{counts.get('unchanged', 0)} unchanged repositories."
    )
    tb, ta = (
        ctx.base_by_repo["total_usd"].sum(min_count=1),
        ctx.by_repo["total_usd"].sum(min_count=1),
    )
    if not (np.isnan(tb) or np.isnan(ta)):
        sec.paragraphs.append(
            f"Total cost {format_usd(tb)} to {format_usd(ta)} ({_signed_usd(ta - tb)})."
        )
    changed = delta[delta["change"] != "unchanged"]
    changed = changed.reindex(
        changed["delta_bytes"].abs().sort_values(ascending=False, kind="stable").index
    )
    sec.charts.append(
        _chart(
            "month_over_month",
            "Largest changes since the baseline",
            charts.month_over_month(delta, n=ctx.top),
        )
    )
    sec.tables += [
        Table("month_over_month", "Changed repositories", changed.reset_index(drop=True)),
        Table(
            "new_repositories",
            "New repositories",
            delta[delta["change"] == "new"].reset_index(drop=True),
        ),
        Table(
            "removed_repositories",
            "Removed repositories",
            delta[delta["change"] == "removed"].reset_index(drop=True),
        ),
    ]
    return sec


def _signed_usd(v: float) -> str:
    return format_usd(v) if v < 0 else "+" + format_usd(v)


def month_over_month(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per-repository change between two `ecrcost.costs(by="repository")` tables.

    Columns: account_id, region, repository, change ("new" | "removed" | "grew" | "shrank" |
    "unchanged", by stored bytes), before_images, after_images, before_unique_bytes,
    after_unique_bytes, delta_bytes, before_storage_usd, after_storage_usd, delta_storage_usd,
    delta_total_usd (NaN when either month's total is unknown). A repository missing from one side
    counts as 0 images / 0 bytes / $0 there (it did not exist).
    """
    cols = ["images", "unique_bytes", "storage_usd", "total_usd"]
    m = (
        before[REPO_KEY + cols]
        .add_prefix("before_")
        .merge(
            after[REPO_KEY + cols].add_prefix("after_"),
            left_on=[f"before_{k}" for k in REPO_KEY],
            right_on=[f"after_{k}" for k in REPO_KEY],
            how="outer",
            indicator=True,
        )
    )
    new, removed = m["_merge"] == "right_only", m["_merge"] == "left_only"
    for k in REPO_KEY:
        m[k] = m[f"before_{k}"].fillna(m[f"after_{k}"])
    for c in cols:
        m.loc[new, f"before_{c}"] = 0
        m.loc[removed, f"after_{c}"] = 0
    m["delta_bytes"] = m["after_unique_bytes"] - m["before_unique_bytes"]
    m["delta_storage_usd"] = m["after_storage_usd"] - m["before_storage_usd"]
    m["delta_total_usd"] = m["after_total_usd"] - m["before_total_usd"]
    m["change"] = np.select(
        [new, removed, m["delta_bytes"] > 0, m["delta_bytes"] < 0],
        ["new", "removed", "grew", "shrank"],
        "unchanged",
    )
    out = m[
        [
            *REPO_KEY,
            "change",
            "before_images",
            "after_images",
            "before_unique_bytes",
            "after_unique_bytes",
            "delta_bytes",
            "before_storage_usd",
            "after_storage_usd",
            "delta_storage_usd",
            "delta_total_usd",
        ]
    ]
    out = out.astype({"before_images": "int64", "after_images": "int64"})
    return out.sort_values(REPO_KEY, kind="stable").reset_index(drop=True)


def _savings(ctx: _Context) -> Section:
    cand = savings_candidates(ctx.images, ctx.now)
    rate = _storage_rate(ctx)
    per_repo = _freed_by_repository(ctx, cand, rate)
    imgs = ctx.images.assign(reason=cand["reason"])[cand["reason"] != ""]
    key = pd.MultiIndex.from_frame(imgs[REPO_KEY].astype(str))
    imgs = imgs.assign(
        storage_usd=imgs["exclusive_bytes"].astype(float) / GB * rate.reindex(key).to_numpy()
    )
    images = (
        imgs[
            [
                *REPO_KEY,
                "digest",
                "tags",
                "reason",
                "pushed_at",
                "last_pull_at",
                "exclusive_bytes",
                "storage_usd",
            ]
        ]
        .sort_values("exclusive_bytes", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    paras = []
    for what, label in (
        ("untagged", "untagged images (not children of a multi-arch index)"),
        (
            "unpulled",
            f"images not pulled for {STALE_DAYS}+ days (or never, pushed {STALE_DAYS}+ days ago)",
        ),
    ):
        n = int(per_repo[f"{what}_images"].sum())
        freed = per_repo[f"{what}_exclusive_bytes"].sum(min_count=1)
        usd = per_repo[f"{what}_storage_usd"].sum(min_count=1)
        paras.append(
            f"{n:,} {label}: deleting them frees {format_bytes(freed if n else 0)}, "
            f"{format_usd(usd if n else 0)}/month."
        )
    paras.append(
        "Freed bytes are exclusive bytes: layers no other image keeps (within the "
        f"{ctx.scope} dedup scope); an image's own exclusive bytes alone may be smaller than "
        "what deleting a whole group frees. Pull times are ECR's lastRecordedPullTime "
        "(refreshed about daily)."
    )
    lifecycle = _no_lifecycle(ctx)
    unknown = int(lifecycle_unknown(ctx.snap.repositories).sum())
    paras.append(
        f"{len(lifecycle):,} of {len(ctx.snap.repositories):,} repositories have no lifecycle policy"
        + (f" ({unknown:,} more could not be read)." if unknown else ".")
    )
    per_repo = per_repo[(per_repo["untagged_images"] > 0) | (per_repo["unpulled_images"] > 0)]
    per_repo = per_repo.sort_values(
        ["unpulled_exclusive_bytes", "untagged_exclusive_bytes"], ascending=False, kind="stable"
    ).reset_index(drop=True)
    ages = charts.age_buckets(ctx.images, ctx.now)
    return Section(
        "savings",
        "Savings candidates",
        paras,
        [_chart("image_age", "Image age", charts.image_age_histogram(ctx.images, ctx.now))],
        [
            Table("savings_by_repository", "Candidates by repository", per_repo),
            Table("savings_images", "Candidate images (largest first)", images),
            Table(
                "image_age",
                "Image age",
                pd.DataFrame({"age": ages.index, "images": ages.to_numpy()}),
                limit=None,
            ),
            Table("no_lifecycle_policy", "Repositories without a lifecycle policy", lifecycle),
        ],
    )


def _storage_rate(ctx: _Context) -> pd.Series:
    """USD per GB-month per repository (its storage_usd / storage_gb; the region's average if empty)."""
    r = ctx.by_repo
    gb = r["unique_bytes"].astype(float) / GB
    rate = r["storage_usd"].astype(float) / gb.where(gb > 0)
    reg = ctx.by_region.set_index("region")
    reg_rate = reg["storage_usd"].astype(float) / (reg["unique_bytes"].astype(float) / GB).where(
        lambda x: x > 0
    )
    rate = rate.fillna(r["region"].map(reg_rate).astype(float))
    return pd.Series(rate.to_numpy(), index=pd.MultiIndex.from_frame(r[REPO_KEY].astype(str)))


def _freed_by_repository(ctx: _Context, cand: pd.DataFrame, rate: pd.Series) -> pd.DataFrame:
    imgs = ctx.images
    out = ctx.by_repo[REPO_KEY].copy()
    key = pd.MultiIndex.from_frame(out[REPO_KEY].astype(str))
    img_key = pd.MultiIndex.from_frame(imgs[REPO_KEY].astype(str))
    pos = key.get_indexer(img_key)
    edges = image_blob_edges(ctx.snap, ctx.graph)
    for what in ("untagged", "unpulled"):
        mask = cand[what].to_numpy(bool)
        share = freed_bytes(ctx.snap, imgs, mask, ctx.scope, edges)
        n = np.bincount(pos[mask], minlength=len(out))[: len(out)] if len(out) else np.zeros(0)
        frame = pd.DataFrame({"pos": pos, "share": share})
        b = (
            frame.groupby("pos")["share"]
            .sum(min_count=1)
            .reindex(range(len(out)), fill_value=0.0)
            .round()
        )
        out[f"{what}_images"] = n.astype("int64")
        out[f"{what}_exclusive_bytes"] = b.to_numpy(float)
        out[f"{what}_storage_usd"] = b.to_numpy(float) / GB * rate.reindex(key).to_numpy()
    return out


def _no_lifecycle(ctx: _Context) -> pd.DataFrame:
    """Repositories known to have no lifecycle policy (an unreadable policy is not "none")."""
    repos = ctx.snap.repositories
    none = repos[repos["lifecycle_policy"].isna() & ~lifecycle_unknown(repos)]
    none = none[[*REPO_KEY, "tags"]].rename(columns={"tags": "resource_tags"})
    cost = ctx.by_repo[[*REPO_KEY, "images", "unique_bytes", "storage_usd"]]
    out = none.merge(cost, on=REPO_KEY, how="left")
    out["resource_tags"] = out["resource_tags"].fillna("")
    return (
        out[[*REPO_KEY, "images", "unique_bytes", "storage_usd", "resource_tags"]]
        .sort_values("unique_bytes", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def _egress(ctx: _Context) -> Section:
    from ..pricing.model import egress_usage

    usage = egress_usage(ctx.snap, ctx.traffic, graph=ctx.graph)
    usage = usage.merge(ctx.by_repo[[*REPO_KEY, "egress_usd"]], on=REPO_KEY, how="left")
    cols = [
        *REPO_KEY,
        "pulls",
        "pulled_gb",
        "same_region_gb",
        "cross_region_gb",
        "internet_gb",
        "egress_usd",
    ]
    usage = usage[[c for c in cols if c in usage.columns]]
    usage = usage.sort_values(
        ["pulled_gb", "pulls"], ascending=False, kind="stable", na_position="last"
    )
    usage = usage.reset_index(drop=True)
    pulls = pd.to_numeric(usage["pulls"], errors="coerce").sum(min_count=1)
    pulled = pd.to_numeric(usage["pulled_gb"], errors="coerce").sum(min_count=1)
    days = ctx.snap.meta.get("pull_days", "?")
    if np.isnan(pulls):
        paras = ["Pull counts are unknown (not collected)."]
    else:
        paras = [
            f"{format_cell('pulls', pulls)} pulls per month (CloudWatch RepositoryPullCount over the last "
            f"{days} days), about {format_cell('pulled_gb', pulled)} GB pulled."
        ]
    if ctx.traffic is None:
        paras.append(
            "Egress cost: unknown without a traffic profile (pass --traffic FILE saying which share of "
            "pulled bytes stays in the region, goes to other regions or to the internet). Pulls and "
            "pulled GB by repository are shown below; their destinations are n/a."
        )
        return Section(
            "egress", "Egress", paras, [], [Table("egress", "Pulls by repository", usage)]
        )
    gb = {
        c: pd.to_numeric(usage[c], errors="coerce").sum()
        for c in ("same_region_gb", "cross_region_gb", "internet_gb")
    }
    paras.append(
        f"By destination: {gb['same_region_gb']:,.2f} GB within the region (free), "
        f"{gb['cross_region_gb']:,.2f} GB to other regions, {gb['internet_gb']:,.2f} GB to the internet; "
        f"egress cost {format_usd(_total(ctx, 'egress_usd'))}/month."
    )
    return Section(
        "egress",
        "Egress",
        paras,
        [
            _chart(
                "egress_by_destination",
                "Pulled data by destination",
                charts.egress_by_destination(usage, n=ctx.top),
            )
        ],
        [Table("egress", "Egress by repository and destination", usage)],
    )


def _alternatives(ctx: _Context) -> Section:
    from ..registries import compare, dimensions
    from .compare_charts import cost_by_registry, cost_vs_storage

    cmp = compare(ctx.snap, traffic=ctx.traffic, users=ctx.users, prices=ctx.catalog)
    dims = dimensions(cmp)
    paras = [
        "The same workload (deduplicated storage, pulls and egress) priced on every plan of other "
        "registries, as `ecrcost compare` prints it; plans that do not fit the workload say why."
    ]
    best = cmp[cmp["cheapest"].fillna(False).astype(bool)] if "cheapest" in cmp.columns else cmp
    return Section(
        "alternatives",
        "Alternatives",
        paras,
        [
            _chart(
                "cost_by_registry",
                "Monthly cost by registry (cheapest fitting plan)",
                cost_by_registry(cmp, ax=charts.new_axes((8.0, 4.8))),
            ),
            _chart(
                "cost_vs_storage",
                "Monthly cost against stored GB",
                cost_vs_storage(
                    ctx.snap,
                    cmp,
                    traffic=ctx.traffic,
                    users=ctx.users,
                    prices=ctx.catalog,
                    ax=charts.new_axes((8.0, 5.0)),
                ),
            ),
        ],
        [
            Table(
                "alternatives_cheapest",
                "Cheapest fitting plan per registry",
                best.reset_index(drop=True),
                limit=None,
                show=[
                    "registry",
                    "plan",
                    "monthly_usd",
                    "storage_usd",
                    "transfer_usd",
                    "base_usd",
                    "fits",
                    "confidence",
                    "notes",
                    "price_date",
                ],
            ),
            Table(
                "alternatives",
                "Every plan",
                cmp.reset_index(drop=True),
                limit=None,
                show=[
                    "registry",
                    "plan",
                    "monthly_usd",
                    "fits",
                    "fit_reason",
                    "notes",
                    "price_date",
                ],
            ),
            Table(
                "alternatives_dimensions",
                "Four dimensions",
                dims.reset_index(drop=True),
                limit=None,
            ),
        ],
    )


def _coverage(ctx: _Context) -> Section:
    snap = ctx.snap
    targets, bad = snap.targets, snap.incomplete_targets
    errors = snap.repositories[snap.repositories["error"].notna()][
        [*REPO_KEY, "error"]
    ].reset_index(drop=True)
    missing = int((ctx.images["kind"] == "unknown").sum())
    if len(bad):
        paras = [
            f"{len(bad)} of {len(targets)} account-region(s) failed or were partial; their repositories "
            "are missing or incomplete, so every figure in this report undercounts."
        ]
    elif len(targets):
        paras = [f"All {len(targets)} account-region(s) were collected completely."]
    else:
        paras = ["The snapshot lists no collection targets."]
    if len(errors):
        paras.append(f"{len(errors)} repositories were only partly collected (errors below).")
    if missing:
        paras.append(
            f"{missing:,} images have no readable manifest; their imageSizeInBytes stands in for "
            "their layers (an upper bound)."
        )
    tables = [
        Table(
            "coverage",
            "Account-regions",
            targets[["account_id", "region", "status", "error", "errors"]],
            limit=None,
        )
    ]
    if len(errors):
        tables.append(Table("repository_errors", "Repository errors", errors))
    return Section("coverage", "Coverage", paras, [], tables)


def _method(ctx: _Context) -> Section:
    paras = [
        "Units: 1 GB = 2^30 bytes; money in USD per month (run-rate at the snapshot's contents).",
        f"Storage: deduplicated bytes (scope: {ctx.scope}). Each distinct layer and config blob is counted once "
        + (
            "per repository"
            if ctx.scope == "repository"
            else "per account+region, a blob shared by k repositories attributed size/k to each"
        )
        + "; an image index adds nothing beyond its children. naive_bytes is the sum of imageSizeInBytes.",
        "Egress: pulls (CloudWatch RepositoryPullCount) x bytes per pull, split by destination with the traffic "
        "profile; same-region pulls are free, cross-region and internet pulls are charged at the source "
        "region's internet data-transfer rates on one tier ladder for all accounts, allocated back in "
        "proportion."
        + (
            ""
            if ctx.traffic is not None
            else " No traffic profile was given: egress cost is unknown."
        ),
        f"Savings: untagged images exclude children of a multi-arch index; unpulled means not pulled in the "
        f"{STALE_DAYS} days before the collection time (never-pulled images count once pushed {STALE_DAYS}+ "
        "days ago); freed bytes are exclusive bytes.",
    ]
    paras += _method_lines(ctx.method)
    paras += _catalog_lines(ctx.catalog)
    return Section("method", "Method", paras)


def _method_lines(method: Any) -> list[str]:
    """Lines describing the pricing rules, from `costs(...).attrs["method"]` (str, dict or list)."""
    if method is None:
        return []
    if isinstance(method, dict):
        return [
            f"{str(k).replace('_', ' ')}: {_plain(v)}" for k, v in method.items() if v is not None
        ]
    if isinstance(method, list | tuple):
        return [_plain(v) for v in method]
    return [str(method)]


def _plain(v: Any) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_plain(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return "; ".join(_plain(x) for x in v)
    return str(v)


def _catalog_lines(prices: Any) -> list[str]:
    """The price catalog's sources and free-tier rows (from `ecrcost.load_catalog`)."""
    from ..pricing.model import as_catalog

    cat = as_catalog(prices)
    df = getattr(cat, "rows", None)
    if not isinstance(df, pd.DataFrame):
        return [f"Price catalog: {cat}"]
    lines = []
    if "source_date" in df.columns:
        dates = df["source_date"].astype(str)
        dates = dates[dates != "undated"]
        lines.append(
            f"Price catalog {getattr(cat, 'label', '')} ({getattr(cat, 'date', '')}): {len(df)} rows, "
            f"source dates {dates.min()} to {dates.max()}."
        )
    if "dimension" in df.columns:
        free = df[df["dimension"].astype(str).str.startswith("free tier")]
        for r in free.itertuples(index=False):
            lines.append(
                f"Free tier row in the catalog: {r.dimension}, up to {r.tier_end_gb} {r.unit} "
                f"({r.region}); applied only when the cost model says so above."
            )
    if "source_url" in df.columns:
        urls = sorted(set(df["source_url"].dropna().astype(str)))
        lines.append("Price sources: " + ", ".join(urls) + ".")
    return lines


def _chart(name: str, title: str, ax: Any) -> Chart:
    png = charts.png_bytes(ax)
    ax.figure.clear()
    return Chart(name, title, png)
