"""Savings candidates: untagged and unpulled images, what deleting them frees, repositories without
a lifecycle policy; and the lifecycle planner (`ecrcost.lifecycle`): what the current policies do,
the recommended policies' extra saving, and the in-use images a naive cleanup would have hit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...lifecycle import archive_economics, cleanup_plan, in_use_images, in_use_known
from ...lifecycle.plan import pull_time_warnings
from ...storage import REPO_KEY, image_blob_edges
from ...units import GB
from .. import charts
from ..document import Section, Table
from ..savings import STALE_DAYS, freed_bytes, lifecycle_unknown, savings_candidates
from ..tables import format_bytes, format_usd
from .context import Context, chart


def build(ctx: Context) -> Section:
    cand = savings_candidates(ctx.images, ctx.now)
    rate = storage_rate(ctx)
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
    life_paras, life_tables = _lifecycle(ctx, cand)
    paras += life_paras
    per_repo = per_repo[(per_repo["untagged_images"] > 0) | (per_repo["unpulled_images"] > 0)]
    per_repo = per_repo.sort_values(
        ["unpulled_exclusive_bytes", "untagged_exclusive_bytes"], ascending=False, kind="stable"
    ).reset_index(drop=True)
    ages = charts.age_buckets(ctx.images, ctx.now)
    return Section(
        "savings",
        "Savings candidates",
        paras,
        [chart("image_age", "Image age", charts.image_age_histogram(ctx.images, ctx.now))],
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
            *life_tables,
        ],
    )


def _lifecycle(ctx: Context, cand: pd.DataFrame) -> tuple[list[str], list[Table]]:
    """The planner's paragraphs and tables: current policies, recommended policies, naive cleanup."""
    plan = cleanup_plan(ctx.snap, None, catalog=ctx.catalog, graph=ctx.graph)
    econ = archive_economics(ctx.snap, catalog=ctx.catalog, graph=ctx.graph)
    r = plan.by_repository
    exp, tr = int(r["images_expired"].sum()), int(r["images_transitioned"].sum())
    paras = [
        f"Current lifecycle policies, evaluated exactly as ECR does at {plan.at:%Y-%m-%d %H:%M} UTC: "
        f"{exp:,} images expire and {tr:,} move to archive, freeing "
        f"{format_bytes(r['freed_bytes'].sum())} and archiving "
        f"{format_bytes(r['to_archive_bytes'].sum())}: {format_usd(r['saved_month_usd'].sum())}/month "
        f"saved, {format_usd(r['net_12m_usd'].sum())} net over 12 months after "
        f"{format_usd(r['one_time_usd'].sum())} one-time archive charges (layers deduplicated per "
        "repository; AWS acts within 24 hours)."
    ]
    blocked = int(r["in_use_blocked"].sum())
    if blocked:
        paras.append(
            f"{blocked:,} in-use images are kept although a current rule would remove them."
        )
    rec = econ[econ["recommended"] == "archive"]
    paras.append(
        f"Recommended policies (each repository's own rules plus: archive images not pulled for 90 "
        f"days, expire them 180 days later) would save a further "
        f"{format_usd(rec['saving_12m_usd'].sum() if len(rec) else 0.0)} over 12 months in "
        f"{len(rec):,} repositories; `ecrcost lifecycle SNAPSHOT --write-policies DIR` writes them "
        "(ecrcost applies nothing)."
    )
    used, what = in_use_images(ctx.snap)
    naive = (cand["untagged"] | cand["unpulled"]).to_numpy(bool)
    hit = naive & used
    if in_use_known(ctx.snap):
        paras.append(
            f"A naive cleanup of every candidate above would delete {int(hit.sum()):,} images "
            "that are in use (ECS, Lambda or Inspector); the planner never expires or archives them."
        )
    else:
        paras.append(
            "Whether any candidate is in use is unknown: the snapshot was collected without "
            "--in-use (ECS, Lambda and Inspector were not read)."
        )
    paras += pull_time_warnings(ctx.snap)
    # policies ECR would reject (kept as "no effect" above) are named
    paras += [
        f"Lifecycle policy not evaluated: {w}"
        for w in plan.evaluation.warnings
        if "in-use" not in w
    ]
    acted = r[(r["images_expired"] + r["images_transitioned"] + r["in_use_blocked"]) > 0]
    hits = ctx.images.loc[hit, [*REPO_KEY, "digest", "tags", "exclusive_bytes"]].assign(
        used_by=what[hit], candidate=cand.loc[hit, "reason"].to_numpy()
    )
    return paras, [
        Table(
            "lifecycle_current",
            "Current lifecycle policies by repository",
            acted.reset_index(drop=True),
        ),
        Table(
            "lifecycle_recommended",
            "Recommended archive policies (12 months)",
            rec.drop(columns=["policy_json"]).reset_index(drop=True),
        ),
        Table(
            "naive_cleanup_in_use",
            "In-use images a naive cleanup would delete",
            hits.reset_index(drop=True),
        ),
    ]


def storage_rate(ctx: Context) -> pd.Series:
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


def _freed_by_repository(ctx: Context, cand: pd.DataFrame, rate: pd.Series) -> pd.DataFrame:
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


def _no_lifecycle(ctx: Context) -> pd.DataFrame:
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
