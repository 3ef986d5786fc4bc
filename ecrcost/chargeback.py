"""Chargeback: repository costs regrouped by a resource tag or by a repository-name prefix.

    groups = chargeback(ecrcost.costs(snap), snap.repositories, by="tag:team")
    ecrcost.costs(snap, by="tag:team")          # the same, from the API
    ecrcost costs snap --by prefix:1             # team-a/api, team-a/web -> "team-a"

`by` is ``tag:KEY`` (the repository's resource tag KEY; repositories without it, or with an empty
value, form the group "untagged") or ``prefix[:DEPTH]`` (the first DEPTH "/"-separated parts of the
repository name, default 1; a name with no "/" beyond them forms the group "(no prefix)").

Every repository lands in exactly one group, so the groups add up to the total of the per-repository
frame: money sums with NaN kept (an unknown egress stays unknown, never $0). Pure pandas over the
`ecrcost.costs(by="repository")` frame and the snapshot's repositories table; no pricing here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError
from .storage import REPO_KEY

UNTAGGED = "untagged"
NO_PREFIX = "(no prefix)"
#: columns summed per group when present in the per-repository frame (bytes, counts, USD)
SUMMED = [
    "total_usd",
    "storage_usd",
    "egress_usd",
    "replication_usd",
    "images",
    "tagged_images",
    "untagged_images",
    "naive_bytes",
    "unique_bytes",
    "exclusive_bytes",
    "storage_gb",
    "pulls",
    "egress_gb",
]
_BY = re.compile(r"tag:(?P<key>.+)|prefix(?::(?P<depth>\d+))?")


@dataclass(frozen=True)
class Grouping:
    """A parsed `by`: kind "tag" (key = the tag key) or "prefix" (depth >= 1)."""

    kind: str
    key: str = ""
    depth: int = 1

    @property
    def label(self) -> str:
        """How the grouping is named in titles: "tag team", "prefix (depth 1)"."""
        return f"tag {self.key}" if self.kind == "tag" else f"prefix (depth {self.depth})"


def is_grouping(by: str | None) -> bool:
    """True when `by` asks for a chargeback grouping (tag:KEY or prefix[:DEPTH])."""
    return bool(by) and (str(by).startswith("tag:") or str(by).split(":")[0] == "prefix")


def parse_by(by: str) -> Grouping:
    """Parse ``tag:KEY`` or ``prefix[:DEPTH]``; `InputError` for anything else."""
    m = _BY.fullmatch(str(by).strip())
    if not m:
        raise InputError(
            f"--by {by!r}: expected tag:KEY or prefix[:DEPTH] (e.g. tag:team, prefix:2)"
        )
    if m.group("key") is not None:
        return Grouping("tag", key=m.group("key"))
    depth = int(m.group("depth") or 1)
    if depth < 1:
        raise InputError(f"--by {by!r}: the prefix depth must be 1 or more")
    return Grouping("prefix", depth=depth)


def _tag_value(text: object, key: str) -> str:
    if not isinstance(text, str) or not text:
        return UNTAGGED
    try:
        tags = json.loads(text)
    except ValueError:
        return UNTAGGED
    value = tags.get(key) if isinstance(tags, dict) else None
    return str(value) if value not in (None, "") else UNTAGGED


def _prefix(name: object, depth: int) -> str:
    parts = str(name).split("/")
    return "/".join(parts[:depth]) if len(parts) > depth else NO_PREFIX


def group_labels(repositories: pd.DataFrame, by: str | Grouping) -> pd.Series:
    """Per row of `repositories` (needs account_id, region, repository and, for tags, tags as JSON
    object text): its group label (str). Index = `repositories`' index."""
    g = by if isinstance(by, Grouping) else parse_by(by)
    if g.kind == "tag":
        tags = (
            repositories["tags"] if "tags" in repositories.columns else [None] * len(repositories)
        )
        values = [_tag_value(t, g.key) for t in tags]
    else:
        values = [_prefix(n, g.depth) for n in repositories["repository"]]
    return pd.Series(values, index=repositories.index, dtype=object, name="group")


def assign_groups(
    by_repo: pd.DataFrame, repositories: pd.DataFrame, by: str | Grouping
) -> pd.Series:
    """The group of each row of `by_repo` (a per-repository frame keyed by account_id, region,
    repository), looked up in the snapshot's `repositories` table; a repository missing from it is
    "untagged" (tag grouping) or grouped by its name (prefix grouping)."""
    g = by if isinstance(by, Grouping) else parse_by(by)
    if g.kind == "prefix":
        return group_labels(by_repo, g)
    labels = group_labels(repositories, g)
    key = pd.MultiIndex.from_frame(repositories[REPO_KEY].astype(str))
    lookup = pd.Series(labels.to_numpy(), index=key)
    lookup = lookup[~lookup.index.duplicated()]
    rows = pd.MultiIndex.from_frame(by_repo[REPO_KEY].astype(str))
    out = lookup.reindex(rows).fillna(UNTAGGED)
    return pd.Series(out.to_numpy(), index=by_repo.index, dtype=object, name="group")


def chargeback(by_repo: pd.DataFrame, repositories: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per-repository costs summed by group.

    `by_repo`: `ecrcost.costs(snap, by="repository")` (or any frame with REPO_KEY and some of the
    SUMMED columns); `repositories`: `snap.repositories`. Returns one row per group, largest first
    (by total_usd, else storage_usd), columns: group, the money columns of SUMMED present (USD per
    month; NaN when any member is unknown), share_pct (of the ranked money column), repositories
    (count), then the other SUMMED columns present (counts, bytes, GB). ``attrs["by"]`` is the grouping text. The rows add up
    to the per-repository total exactly (every repository is in one group).
    """
    g = parse_by(by)
    groups = assign_groups(by_repo, repositories, g)
    cols = [c for c in SUMMED if c in by_repo.columns]
    frame = by_repo[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    frame["group"] = groups.to_numpy()
    frame["repositories"] = 1
    if len(frame):
        out = frame.groupby("group", sort=True)[[*cols, "repositories"]].sum(min_count=1)
        nan = frame[cols].isna().groupby(frame["group"]).any()  # an unknown member: unknown group
        out[cols] = out[cols].mask(nan.reindex(out.index).to_numpy(bool))
        out = out.reset_index()
    else:
        out = pd.DataFrame({c: pd.Series(dtype=float) for c in ["group", *cols, "repositories"]})
    rank = "total_usd" if "total_usd" in out and out["total_usd"].notna().any() else "storage_usd"
    if rank in out:
        total = out[rank].sum(min_count=1)
        out["share_pct"] = 100 * out[rank] / total if total else np.nan
        out = out.sort_values([rank, "group"], ascending=[False, True], kind="stable")
    out["repositories"] = out["repositories"].astype("int64")
    for c in (
        "images",
        "tagged_images",
        "untagged_images",
        *[c for c in cols if c.endswith("_bytes")],
    ):
        if c in out and out[c].notna().all():
            out[c] = out[c].round().astype("int64")
    money = [c for c in cols if c.endswith("_usd")]
    rest = [c for c in cols if c not in money]
    order = ["group", *money, *(["share_pct"] if "share_pct" in out else []), "repositories", *rest]
    out = out[order].reset_index(drop=True)
    out.attrs["by"] = str(by)
    out.attrs["grouping"] = g.label
    return out
