"""The exact evaluator: what an ECR lifecycle policy does to each image of a snapshot.

Semantics (Amazon ECR User Guide, LifecyclePolicies.html and lifecycle_policy_parameters.html):

1. All rules are evaluated against the same repository state, then applied in ``rulePriority``
   order (lowest number first). An image is expired or transitioned by at most one rule.
2. A rule *sees* the images of its storage class (``standard``: ACTIVE images; ``archive``:
   ARCHIVED ones; an ACTIVATING image, being restored, is seen by no rule) that meet its tagging
   requirement: ``any``; ``untagged``; ``tagged`` with every listed pattern (``*`` wildcards) or
   prefix matching at least one of the image's tags.
3. An image seen by a higher-priority rule is never marked by a lower one, though lower rules
   still count it (``imageCountMoreThan`` counts every image it sees).
4. ``imageCountMoreThan N``: the images seen, newest first by push time (``lastActivatedAt`` for a
   restored image), beyond the first N. ``sinceImagePushed N``: pushed more than N days before the
   evaluation time. ``sinceImagePulled N``: last recorded pull (or restore, if later; the push
   time if never pulled) more than N days before. ``sinceImageTransitioned N``: archived
   (``lastArchivedAt``) more than N days before.
5. After the rules: an image in use (``Snapshot.in_use``, from ``collect --in-use``; an index in
   use keeps its children and a child in use keeps its indexes) is kept and the rule that would
   have acted is listed; a child manifest is expired only when every index referencing it in the
   repository is, and archived only when every such index is archived or expired; a referrer
   (signature, SBOM: ``subject_digest``) gets its subject's outcome and is not selected by rules.

The evaluation happens at one instant, ``at`` (default: the snapshot's ``collected_at``); AWS
itself acts within 24 hours of an image meeting the criteria.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import LifecyclePolicyError
from ..snapshot import Snapshot
from ..storage import REPO_KEY
from .policy import Policy, Rule, parse_policy, pattern_regex

KEEP, EXPIRE, TRANSITION = 0, 1, 2
ACTION_NAMES = np.array(["keep", "expire", "transition"], dtype=object)
DAY_NS = 86_400 * 10**9

#: the per-image columns of `evaluate_policy` (JSON keys of `ecrcost lifecycle`)
IMAGE_COLUMNS = [
    "account_id",
    "region",
    "repository",
    "image_digest",
    "tags",
    "action",
    "rule_priority",
    "reason",
    "in_use",
    "blocked_rule_priority",
]


@dataclass
class Evaluation:
    """`evaluate` output: `images` (one row per image, see `evaluate_policy`), the rules of each
    repository's policy (`rules`: {(account_id, region, repository): Policy}), the evaluation
    time and warnings (policies that could not be parsed, in-use data not collected, ...)."""

    images: pd.DataFrame
    at: pd.Timestamp
    rules: dict[tuple[str, str, str], Policy] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def evaluate_policy(
    snapshot: Snapshot,
    policy: str | dict | Policy | None = None,
    at: str | pd.Timestamp | None = None,
    repository: str | None = None,
) -> pd.DataFrame:
    """What `policy` (JSON text, dict or `Policy`; None = each repository's own policy from the
    snapshot) does to every image of the snapshot's repositories (those matching the glob
    `repository`, e.g. ``"team-a/*"``), evaluated at `at` (default: ``collected_at``).

    One row per image, indexed by the image's row position in ``snapshot.images``. Columns:
    account_id, region, repository, image_digest, tags (list[str]), action ("expire" |
    "transition" | "keep"), rule_priority (Int64: the rule that acts; <NA> for keep), reason
    (text), in_use (bool), blocked_rule_priority (Int64: the rule that would have acted on an
    image kept because it is in use or referenced by a kept index; else <NA>).
    Raises `LifecyclePolicyError` for an invalid `policy`.
    """
    return evaluate(snapshot, policy, at, repository).images


def evaluate(
    snapshot: Snapshot,
    policy: str | dict | Policy | None = None,
    at: str | pd.Timestamp | None = None,
    repository: str | None = None,
    policies: dict[tuple[str, str, str], Policy] | None = None,
) -> Evaluation:
    """`evaluate_policy` with the per-repository policies, evaluation time and warnings.

    `policies` gives some repositories ((account_id, region, repository) -> Policy) a policy other
    than their own (the archive economics evaluates each repository's recommended policy)."""
    when = _when(snapshot, at)
    what_if = parse_policy(policy) if policy is not None else None
    imgs = snapshot.images.reset_index(drop=True)
    repos = snapshot.repositories
    selected = _select(imgs, repository)
    repo_sel = (
        repos["repository"].map(lambda r: fnmatch.fnmatchcase(r, repository)).astype(bool)
        if repository
        else pd.Series(True, index=repos.index)
    )
    warnings: list[str] = []
    n = len(imgs)
    group, keys = _groups(imgs)
    # each repository's policy (the what-if one, or its own)
    chosen: dict[tuple[str, str, str], Policy] = {}
    repo_reason: dict[int, str] = {}
    texts: dict[int, Policy | None] = {}
    own = {
        tuple(k): t
        for k, t in zip(
            repos.loc[repo_sel, REPO_KEY].itertuples(index=False),
            repos.loc[repo_sel, "lifecycle_policy"],
            strict=True,
        )
    }
    for g, key in enumerate(keys.itertuples(index=False)):
        k = tuple(key)
        if policies and k in policies:
            texts[g] = chosen[k] = policies[k]
            continue
        if what_if is not None:
            texts[g] = what_if
            chosen[k] = what_if
            continue
        text = own.get(k)
        if text is None or pd.isna(text):
            texts[g] = None
            repo_reason[g] = "repository has no lifecycle policy"
            continue
        try:
            texts[g] = chosen[k] = parse_policy(text, f"{k[2]} lifecycle policy")
        except LifecyclePolicyError as e:
            texts[g] = None
            repo_reason[g] = f"repository's lifecycle policy is not valid: {e}"
            warnings.append(str(e))
    if what_if is None:
        for k, t in own.items():  # repositories with a policy but no images still get listed
            if k not in chosen and t is not None and not pd.isna(t):
                try:
                    chosen[k] = parse_policy(t, f"{k[2]} lifecycle policy")
                except LifecyclePolicyError as e:
                    warnings.append(str(e))

    action = np.zeros(n, dtype=np.int8)
    rule_of = np.full(n, -1, dtype=np.int64)
    reason = np.full(n, "matched by no rule", dtype=object)
    if repo_reason and n:
        per_group = np.full(len(keys), "matched by no rule", dtype=object)
        for g, text in repo_reason.items():
            per_group[g] = text
        reason = per_group[group]
    feats = _Features.build(imgs, snapshot, when)
    # repositories with equal policies are evaluated together; rows grouped with one sort
    distinct: dict[Policy, int] = {}
    pol_of_group = np.full(len(keys) + 1, -1, dtype=np.int64)
    for g, pol in texts.items():
        if pol is not None:
            pol_of_group[g] = distinct.setdefault(pol, len(distinct))
    img_pol = np.where(selected, pol_of_group[group] if n else np.zeros(0, np.int64), -1)
    order = np.argsort(img_pol, kind="stable")
    bounds = np.searchsorted(img_pol[order], np.arange(len(distinct) + 1))
    for pol, code in distinct.items():
        rows = order[bounds[code] : bounds[code + 1]]
        _apply_rules(pol, rows, feats, group, action, rule_of, reason)

    in_use, use_text = in_use_images(snapshot)
    blocked = np.full(n, -1, dtype=np.int64)
    hit = in_use & (action != KEEP)
    blocked[hit] = rule_of[hit]
    acted = action[hit].copy()
    action[hit], rule_of[hit] = KEEP, -1
    if hit.any():
        reason[hit] = [
            f"in use ({u}); rule {b} would have {ACTION_NAMES[a]}d it"
            for u, b, a in zip(use_text[hit], blocked[hit], acted, strict=True)
        ]
    keep_use = in_use & ~hit
    reason[keep_use] = ["in use (" + u + ")" for u in use_text[keep_use]]
    _index_constraint(snapshot, imgs, action, rule_of, reason, blocked)
    _referrers(feats, action, rule_of, reason)

    if not in_use_known(snapshot):
        warnings.append(
            "in-use images unknown: the snapshot was collected without --in-use, so images that "
            "ECS tasks or Lambda functions run are not protected by this plan"
        )
    out = pd.DataFrame(
        {
            "account_id": imgs["account_id"],
            "region": imgs["region"],
            "repository": imgs["repository"],
            "image_digest": imgs["digest"],
            "tags": imgs["tags"],
            "action": ACTION_NAMES[action],
            "rule_priority": _nullable(rule_of),
            "reason": reason,
            "in_use": in_use,
            "blocked_rule_priority": _nullable(blocked),
        }
    )
    out = out[selected]
    return Evaluation(images=out, at=when, rules=chosen, warnings=warnings)


# ---- the rules ---------------------------------------------------------------------------------
@dataclass
class _Features:
    n: int
    standard: np.ndarray  # seen by standard-class rules
    archive: np.ndarray  # seen by archive-class rules
    tagged: np.ndarray
    referrer: np.ndarray  # follows a subject present in its repository
    subject_pos: np.ndarray  # row of the subject (-1 if none)
    pushed: np.ndarray  # ns
    order: np.ndarray  # ns: push time, or lastActivatedAt when restored
    pulled_ref: np.ndarray  # ns: the sinceImagePulled reference time
    archived: np.ndarray  # ns (NaT -> int64 min)
    at: int
    tag_img: np.ndarray  # exploded tags: image row
    tag_code: np.ndarray  # exploded tags: code into tag_values
    tag_values: pd.Series
    _match: dict[tuple[str, bool], np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(cls, imgs: pd.DataFrame, snapshot: Snapshot, at: pd.Timestamp) -> _Features:
        n = len(imgs)
        status = imgs["status"].fillna("ACTIVE").to_numpy(object)
        tags = imgs["tags"]
        counts = np.fromiter(map(len, tags), dtype=np.int64, count=n)
        flat = [t for ts in tags for t in ts]
        tag_img = np.repeat(np.arange(n), counts)
        codes, values = pd.factorize(pd.Series(flat, dtype=object))
        pushed = _ns(imgs["pushed_at"])
        activated = _ns(imgs["activated_at"])
        pulled = _ns(imgs["last_pull_at"])
        nat = np.iinfo(np.int64).min
        order = np.where(activated != nat, np.maximum(activated, pushed), pushed)
        ref = np.maximum(np.maximum(pulled, activated), pushed)
        # referrers whose subject is an image of the same repository
        subj = imgs["subject_digest"]
        subject_pos = np.full(n, -1, dtype=np.int64)
        has = subj.notna().to_numpy()
        if has.any():
            idx = pd.MultiIndex.from_frame(imgs[[*REPO_KEY, "digest"]])
            want = pd.MultiIndex.from_frame(
                imgs.loc[has, REPO_KEY].assign(digest=subj[has].to_numpy())
            )
            subject_pos[has] = idx.get_indexer(want)
        return cls(
            n=n,
            standard=status == "ACTIVE",
            archive=status == "ARCHIVED",
            tagged=counts > 0,
            referrer=subject_pos >= 0,
            subject_pos=subject_pos,
            pushed=pushed,
            order=order,
            pulled_ref=ref,
            archived=_ns(imgs["archived_at"]),
            at=at.value,
            tag_img=tag_img,
            tag_code=codes,
            tag_values=pd.Series(values, dtype=object),
        )

    def matches(self, pattern: str, prefix: bool) -> np.ndarray:
        """Per image: does some tag match `pattern`? (Each distinct tag is tested once.)"""
        key = (pattern, prefix)
        if key not in self._match:
            rx = pattern_regex(pattern, prefix)
            ok = np.fromiter(
                (rx.fullmatch(v) is not None for v in self.tag_values),
                dtype=bool,
                count=len(self.tag_values),
            )
            hit = ok[self.tag_code] if len(self.tag_code) else np.zeros(0, dtype=bool)
            self._match[key] = np.bincount(self.tag_img[hit], minlength=self.n)[: self.n] > 0
        return self._match[key]

    def tag_mask(self, rule: Rule) -> np.ndarray:
        if rule.tag_status == "any":
            return np.ones(self.n, dtype=bool)
        if rule.tag_status == "untagged":
            return ~self.tagged
        m = self.tagged.copy()
        for p in rule.patterns:
            m &= self.matches(p, rule.prefix)
        return m


def _apply_rules(
    policy: Policy,
    rows: np.ndarray,
    f: _Features,
    group: np.ndarray,
    action: np.ndarray,
    rule_of: np.ndarray,
    reason: np.ndarray,
) -> None:
    """Mark `rows` (the images of the repositories under `policy`) rule by rule; every array here
    is restricted to `rows`, so a policy costs time in proportion to its own images."""
    n = len(rows)
    standard, archive = f.standard[rows], f.archive[rows]
    follows = f.referrer[rows]
    grp = group[rows]
    claimed_by = np.full(n, -1, dtype=np.int64)
    act = np.zeros(n, dtype=np.int8)
    for rule in policy.rules:
        cls = archive if rule.storage_class == "archive" else standard
        seen = cls & ~follows & f.tag_mask(rule)[rows]
        would, detail = _criterion(rule, seen, f, rows, grp)
        new = would & (claimed_by < 0)
        code = EXPIRE if rule.action == "expire" else TRANSITION
        act[new] = code
        hit = rows[new]
        action[hit], rule_of[hit] = code, rule.priority
        if len(hit):
            reason[hit] = [f"{rule.label}: {d}" for d in detail(new)]
        shadow = would & (claimed_by >= 0) & (act == KEEP)
        if shadow.any():
            reason[rows[shadow]] = [
                f"protected: rule {rule.priority} would {rule.action} it, but it matches the "
                f"tagging of higher-priority rule {c}"
                for c in claimed_by[shadow]
            ]
        claimed_by[seen & (claimed_by < 0)] = rule.priority


def _criterion(
    rule: Rule, seen: np.ndarray, f: _Features, rows: np.ndarray, grp: np.ndarray
) -> tuple[np.ndarray, Callable[[np.ndarray], list[str]]]:
    """(which of `rows` `rule` would mark among those it sees, a function giving the reason's
    detail text for a mask of them)."""
    n = rule.count_number
    if rule.count_type == "imageCountMoreThan":
        idx = np.flatnonzero(seen)
        # newest first within each repository (ties: the later row first)
        order = idx[np.lexsort((-rows[idx], -f.order[rows[idx]], grp[idx]))]
        g = grp[order]
        start = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
        rank_sorted = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
        rank = np.zeros(len(rows), dtype=np.int64)
        rank[order] = rank_sorted
        would = np.zeros(len(rows), dtype=bool)
        would[order[rank_sorted >= n]] = True
        return would, lambda m: [
            f"number {r + 1} by push time, newest first; keeps {n}" for r in rank[m]
        ]
    t, what = {
        "sinceImagePushed": (f.pushed, "pushed"),
        "sinceImagePulled": (f.pulled_ref, "last pulled (or pushed/restored)"),
        "sinceImageTransitioned": (f.archived, "archived"),
    }[rule.count_type]
    t = t[rows]
    known = t != np.iinfo(np.int64).min
    would = seen & known & (t < f.at - n * DAY_NS)
    return would, lambda m: [
        f"{what} {d:.1f} days before evaluation (> {n})" for d in (f.at - t[m]) / DAY_NS
    ]


# ---- after the rules -----------------------------------------------------------------------------
def in_use_images(snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``snapshot.images``: (is it in use? (bool array), what uses it (text array)),
    from the snapshot's ``in_use`` table. Indexes and children of an in-use image in the same
    repository are in use too."""
    imgs = snapshot.images.reset_index(drop=True)
    n = len(imgs)
    used = np.zeros(n, dtype=bool)
    text = np.full(n, "", dtype=object)
    table = getattr(snapshot, "in_use", None)
    if table is None or len(table) == 0 or n == 0:
        return used, text
    idx = pd.MultiIndex.from_frame(imgs[[*REPO_KEY, "digest"]])
    pos = idx.get_indexer(pd.MultiIndex.from_frame(table[[*REPO_KEY, "digest"]]))
    t = table.assign(pos=pos)[pos >= 0]
    if len(t) == 0:
        return used, text
    what = t["source"].astype(str) + " " + t["resource"].fillna("").astype(str)
    joined = what.groupby(t["pos"].to_numpy()).agg(lambda s: ", ".join(sorted(set(s))[:3]))
    used[joined.index.to_numpy()] = True
    text[joined.index.to_numpy()] = joined.to_numpy()
    # an in-use index keeps its children; an in-use child keeps its indexes
    for parent, child in _index_edges(snapshot, imgs):
        for a, b in ((parent, child), (child, parent)):
            spread = used[a] & ~used[b]
            used[b[spread]] = True
            text[b[spread]] = "via its index/child " + imgs["digest"].to_numpy()[a[spread]]
    return used, text


def _index_edges(snapshot: Snapshot, imgs: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(index image rows, child image rows)]: index -> child edges within a repository."""
    ch = snapshot.children
    if len(ch) == 0 or len(imgs) == 0:
        return []
    key = imgs[[*REPO_KEY, "digest"]].reset_index().rename(columns={"index": "pos"})
    parents = key.merge(
        ch[["index_digest", "child_digest"]], left_on="digest", right_on="index_digest"
    )
    both = parents.merge(
        key.rename(columns={"digest": "child_digest", "pos": "child_pos"}),
        on=[*REPO_KEY, "child_digest"],
    )
    if len(both) == 0:
        return []
    return [(both["pos"].to_numpy(np.int64), both["child_pos"].to_numpy(np.int64))]


def _index_constraint(
    snapshot: Snapshot,
    imgs: pd.DataFrame,
    action: np.ndarray,
    rule_of: np.ndarray,
    reason: np.ndarray,
    blocked: np.ndarray,
) -> None:
    """A child is expired only if all its indexes are; archived only if all are archived or gone."""
    edges = _index_edges(snapshot, imgs)
    digests = imgs["digest"].to_numpy(object)
    for _ in range(4):  # nested indexes: a few passes reach a fixed point
        changed = False
        for parent, child in edges:
            pa, ca = action[parent], action[child]
            bad = ((ca == EXPIRE) & (pa != EXPIRE)) | ((ca == TRANSITION) & (pa == KEEP))
            if not bad.any():
                continue
            rows, par = child[bad], parent[bad]
            first = ~pd.Series(rows).duplicated().to_numpy()
            rows, par = rows[first], par[first]
            blocked[rows] = rule_of[rows]
            reason[rows] = [
                f"referenced by index {d}, which is {'archived' if action[p] == TRANSITION else 'kept'}; "
                f"rule {r} would have {ACTION_NAMES[action[c]]}d it"
                for d, p, r, c in zip(digests[par], par, rule_of[rows], rows, strict=True)
            ]
            action[rows], rule_of[rows] = KEEP, -1
            changed = True
        if not changed:
            return


def _referrers(f: _Features, action: np.ndarray, rule_of: np.ndarray, reason: np.ndarray) -> None:
    """Referrer artifacts take their subject's outcome (subjects first, for chains)."""
    rows = np.flatnonzero(f.referrer)
    for _ in range(3):
        if len(rows) == 0:
            return
        subj = f.subject_pos[rows]
        action[rows], rule_of[rows] = action[subj], rule_of[subj]
    if len(rows):
        reason[rows] = [f"referrer: follows its subject ({ACTION_NAMES[a]})" for a in action[rows]]


# ---- helpers -----------------------------------------------------------------------------------
def _nullable(priorities: np.ndarray) -> pd.arrays.IntegerArray:
    """Rule priorities as Int64, <NA> where negative (no rule)."""
    return pd.arrays.IntegerArray(priorities.astype(np.int64), priorities < 0)


def _when(snapshot: Snapshot, at: str | pd.Timestamp | None) -> pd.Timestamp:
    if at is None:
        return snapshot.collected_at
    try:
        t = pd.Timestamp(at)
    except (ValueError, TypeError) as e:
        raise LifecyclePolicyError(f"--at {at!r}: not an ISO-8601 time ({e})") from None
    if pd.isna(t):
        raise LifecyclePolicyError(f"--at {at!r}: not an ISO-8601 time")
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _select(imgs: pd.DataFrame, repository: str | None) -> np.ndarray:
    if not repository:
        return np.ones(len(imgs), dtype=bool)
    names = imgs["repository"].astype(str)
    uniq = names.unique()
    ok = {r for r in uniq if fnmatch.fnmatchcase(r, repository)}
    return names.isin(ok).to_numpy()


def _groups(imgs: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    if len(imgs) == 0:
        return np.zeros(0, dtype=np.int64), imgs[REPO_KEY].iloc[:0]
    codes = imgs.groupby(REPO_KEY, sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    return codes, imgs[REPO_KEY].iloc[first].reset_index(drop=True)


def _ns(s: pd.Series) -> np.ndarray:
    """Timestamps as int64 ns; NaT as int64 min (older than anything)."""
    return (
        s.astype("datetime64[ns, UTC]")
        .to_numpy("datetime64[ns]", na_value=np.datetime64("NaT"))
        .astype(np.int64)
    )


def _has_in_use(snapshot: Snapshot) -> bool:
    t = getattr(snapshot, "in_use", None)
    return t is not None and len(t) > 0


def in_use_known(snapshot: Snapshot) -> bool:
    """Was what runs collected (`collect --in-use`) for this snapshot?"""
    return bool((snapshot.meta.get("in_use") or {}).get("collected")) or _has_in_use(snapshot)
