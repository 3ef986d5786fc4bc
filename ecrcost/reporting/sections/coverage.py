"""Coverage: which account-regions were collected, and what is missing."""

from __future__ import annotations

from ...storage import REPO_KEY
from ..document import Section, Table
from .context import Context


def build(ctx: Context) -> Section:
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
