"""Archive economics: keep, archive-then-expire, or expire now, per repository over 12 months.

For each repository the *recommended policy* is its own policy (if any) plus two rules with the
next free priorities: transition images not pulled for `archive_after_days` to the archive class
(``sinceImagePulled``, the only way ECR lets "unpulled" act) and expire archived images
`expire_after_days` after they were archived (``sinceImageTransitioned``). That policy is
evaluated exactly (`evaluate`), so images the repository's own rules protect, in-use images and
children of kept indexes are never candidates. The candidates are the images it transitions now;
their bytes are the joint bytes the move takes out of standard storage (`cleanup_plan`).

Costs of the candidate bytes over the next 12 months (USD; a month = 365.25/12 days):

- ``keep_12m_usd``: standard GB x the standard rate x 12.
- ``archive_12m_usd``: archive GB x the marginal archive rate (150 TB tier) x the months they are
  billed in archive (``expire_after_days``, at least the 90-day minimum, at most 12 months) plus
  ``restore_rate`` x GB x the restore price per GB.
- ``expire_now_12m_usd``: 0 (the bytes are freed at once). No lifecycle rule can do this
  (``sinceImagePulled`` may only transition), it would take BatchDeleteImage, which ecrcost never
  calls, and a deleted image cannot be restored: it is shown for comparison only.

``cheapest`` names the cheapest of the three and ``margin_12m_usd`` by how much it beats the next;
``recommended`` is "archive" when archiving beats keeping (its policy JSON is in
``policy_json``; `write_policies` writes one file per repository), else "keep".
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, LifecyclePolicyError
from ..files import atomic_directory
from ..pricing.catalog import Catalog, load_catalog
from ..snapshot import Snapshot
from ..storage import REPO_KEY, BlobGraph, blob_graph
from ..units import DAYS_PER_MONTH, GB
from .evaluate import evaluate
from .plan import MONTHS, cleanup_plan
from .policy import Policy, parse_policy

ECONOMICS_COLUMNS = [
    *REPO_KEY,
    "candidate_images",
    "candidate_bytes",
    "keep_12m_usd",
    "archive_12m_usd",
    "expire_now_12m_usd",
    "cheapest",
    "margin_12m_usd",
    "recommended",
    "saving_12m_usd",
    "policy_json",
    "notes",
]


def recommended_policy(
    existing: Policy | None, archive_after_days: int = 90, expire_after_days: int = 180
) -> Policy:
    """`existing`'s rules plus "transition after N days unpulled" and "expire M days after
    archiving" (both ``tagStatus any``), validated. Raises `LifecyclePolicyError` when they cannot
    be added (the existing policy already has a standard- or archive-class ``any`` rule)."""
    rules = [r.to_json() for r in (existing.rules if existing else ())]
    top = max((r["rulePriority"] for r in rules), default=0)
    rules.append(
        {
            "rulePriority": top + 1,
            "description": f"ecrcost: archive images not pulled for {archive_after_days} days",
            "selection": {
                "tagStatus": "any",
                "countType": "sinceImagePulled",
                "countUnit": "days",
                "countNumber": archive_after_days,
            },
            "action": {"type": "transition", "targetStorageClass": "archive"},
        }
    )
    rules.append(
        {
            "rulePriority": top + 2,
            "description": f"ecrcost: expire images {expire_after_days} days after archiving",
            "selection": {
                "tagStatus": "any",
                "storageClass": "archive",
                "countType": "sinceImageTransitioned",
                "countUnit": "days",
                "countNumber": expire_after_days,
            },
            "action": {"type": "expire"},
        }
    )
    return parse_policy({"rules": rules}, "recommended policy")


def archive_economics(
    snapshot: Snapshot,
    *,
    archive_after_days: int = 90,
    expire_after_days: int = 180,
    restore_rate: float = 0.0,
    at: str | pd.Timestamp | None = None,
    repository: str | None = None,
    catalog: Catalog | None = None,
    graph: BlobGraph | None = None,
) -> pd.DataFrame:
    """One row per repository (those matching `repository`): the three strategies' 12-month costs
    of the candidate bytes (see the module docstring). Columns: `ECONOMICS_COLUMNS`. `graph`:
    the snapshot's blob graph when the caller has built it already."""
    for name, v in (("--archive-after", archive_after_days), ("--expire-after", expire_after_days)):
        if not isinstance(v, int) or v < 1:
            raise InputError(f"{name} must be a positive number of days, not {v!r}")
    catalog = catalog or load_catalog()
    graph = graph or blob_graph(snapshot)
    base = evaluate(snapshot, None, at, repository)
    recommended: dict[tuple[str, str, str], Policy] = {}
    notes: dict[tuple[str, str, str], str] = {}
    keys = _repo_keys(snapshot, base.images, repository)
    for k in keys:
        try:
            recommended[k] = recommended_policy(
                base.rules.get(k), archive_after_days, expire_after_days
            )
        except LifecyclePolicyError as e:
            notes[k] = f"cannot extend the repository's policy: {e}"
    rec = cleanup_plan(
        snapshot,
        None,
        at=at,
        repository=repository,
        catalog=catalog,
        restore_rate=restore_rate,
        graph=graph,
        policies=recommended,
    )
    own = cleanup_plan(snapshot, None, at=at, repository=repository, catalog=catalog, graph=graph)
    # the images the recommended policy transitions beyond what the own policy does
    per = rec.images.join(own.images[["action"]].rename(columns={"action": "own_action"}))
    cand = per[(per["action"] == "transition") & (per["own_action"] == "keep")]
    g = cand.groupby(REPO_KEY)
    agg = pd.DataFrame(
        {
            "candidate_images": g.size(),
            "candidate_bytes": g["to_archive_bytes"].sum(),
            "std_saved": g["saved_month_usd"].sum(),
            "one_time": g["one_time_usd"].sum(),
        }
    )
    rows = []
    # the 90-day minimum shortfall (expire_after_days < 90) is in the plan's one-time charges
    billed_days = min(expire_after_days, MONTHS * DAYS_PER_MONTH)
    for k in keys:
        a = agg.loc[k] if k in agg.index else None
        n = int(a["candidate_images"]) if a is not None else 0
        nbytes = float(a["candidate_bytes"]) if a is not None else 0.0
        region = k[1]
        std = catalog.price("storage", region, "STANDARD", service="AmazonECR").rate
        gb = nbytes / GB
        keep = gb * std * MONTHS if gb else 0.0
        if gb and a is not None:
            # the plan's saving per month = standard rate - marginal archive rate, per GB moved
            arch_rate = std - float(a["std_saved"]) / gb
            archive = gb * arch_rate * billed_days / DAYS_PER_MONTH + float(a["one_time"])
        else:
            archive = 0.0
        costs = {"keep": keep, "archive": archive, "expire now": 0.0}
        order = sorted(costs, key=lambda s: (costs[s], ["expire now", "archive", "keep"].index(s)))
        margin = costs[order[1]] - costs[order[0]]
        note = notes.get(k, "")
        if k in notes or n == 0:
            recommend = "keep"
            note = (
                note
                or f"no image unpulled for {archive_after_days}+ days that the policy may archive"
            )
        else:
            recommend = "archive" if archive < keep else "keep"
        pol = recommended.get(k)
        rows.append(
            {
                "account_id": k[0],
                "region": k[1],
                "repository": k[2],
                "candidate_images": n,
                "candidate_bytes": nbytes,
                "keep_12m_usd": keep,
                "archive_12m_usd": archive,
                "expire_now_12m_usd": 0.0,
                "cheapest": order[0] if not math.isclose(margin, 0.0, abs_tol=1e-12) else "tie",
                "margin_12m_usd": margin,
                "recommended": recommend,
                "saving_12m_usd": keep - archive if recommend == "archive" else 0.0,
                "policy_json": pol.text() if (pol is not None and recommend == "archive") else None,
                "notes": note,
            }
        )
    return pd.DataFrame(rows, columns=ECONOMICS_COLUMNS)


def write_policies(
    economics: pd.DataFrame, directory: str | os.PathLike[str], force: bool = False
) -> list[Path]:
    """Write each recommended policy (rows with ``recommended == "archive"``) to
    ``DIR/<account>/<region>/<repository>.json``, atomically (the whole directory at once), plus
    ``README.txt`` with the `aws ecr put-lifecycle-policy` command for each. ecrcost never applies
    them. Returns the files written."""
    rows = economics[economics["recommended"] == "archive"]
    written: list[Path] = []
    lines = [
        "Recommended ECR lifecycle policies written by `ecrcost lifecycle --write-policies`.",
        "Review each, then apply it yourself (ecrcost never changes anything in AWS):",
        "",
    ]
    with atomic_directory(directory, force) as tmp:
        for r in rows.itertuples(index=False):
            rel = Path(r.account_id) / r.region / (_safe(r.repository) + ".json")
            f = tmp / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(r.policy_json)
            written.append(Path(directory) / rel)
            lines.append(
                f"aws ecr put-lifecycle-policy --region {r.region} --registry-id {r.account_id} "
                f"--repository-name {r.repository} --lifecycle-policy-text file://{rel}"
            )
        (tmp / "README.txt").write_text("\n".join(lines) + "\n")
    return written


def _safe(name: str) -> str:
    """A repository name as one file name ("team/api" -> "team__api")."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name.replace("/", "__"))


def _repo_keys(
    snapshot: Snapshot, images: pd.DataFrame, repository: str | None
) -> list[tuple[str, str, str]]:
    repos = snapshot.repositories[REPO_KEY]
    keys = {tuple(k) for k in repos.itertuples(index=False)} | {
        tuple(k) for k in images[REPO_KEY].drop_duplicates().itertuples(index=False)
    }
    return sorted(k for k in keys if not repository or fnmatch.fnmatchcase(k[2], repository))


def economics_json(economics: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts, `policy_json` decoded (a policy object, or null)."""
    out = []
    for rec in economics.to_dict("records"):
        rec = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in rec.items()}
        rec["policy_json"] = json.loads(rec["policy_json"]) if rec["policy_json"] else None
        out.append(rec)
    return out
