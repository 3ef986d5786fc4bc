"""Benchmark the lifecycle evaluator and planner (run by hand, not a test).

Generates a synthetic snapshot (default 1,000,000 images in 2,000 repositories, see
`ecrcost.synthetic.synthetic_snapshot`), marks 1% of the images in use, then times each step
with its peak memory (the process's resident set, sampled every 10 ms, above its level when the
step started; tracemalloc is not used: it slows allocation-heavy code several times):

  1. evaluate_policy with a 4-rule what-if policy (tagged pattern count, untagged age,
     sinceImagePulled transition, archive-class sinceImageTransitioned expire)
  2. cleanup_plan of the same policy (joint bytes freed / moved, prices)
  3. archive_economics (each repository's own policy + the two archive rules, evaluated)

No AWS calls are made (0 API calls: the planner works offline on the snapshot).

    python bench/lifecycle.py                      # 1M images / 2,000 repositories
    python bench/lifecycle.py --images 100000 --repos 200
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

import pandas as pd

from ecrcost.lifecycle import archive_economics, cleanup_plan, evaluate_policy
from ecrcost.snapshot import Snapshot
from ecrcost.storage import blob_graph
from ecrcost.synthetic import synthetic_snapshot

POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "keep the 20 newest build images",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["build-*"],
                "countType": "imageCountMoreThan",
                "countNumber": 20,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": "untagged after 14 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 3,
            "description": "archive what nobody pulled for 90 days",
            "selection": {
                "tagStatus": "any",
                "countType": "sinceImagePulled",
                "countUnit": "days",
                "countNumber": 90,
            },
            "action": {"type": "transition", "targetStorageClass": "archive"},
        },
        {
            "rulePriority": 4,
            "description": "expire 180 days after archiving",
            "selection": {
                "tagStatus": "any",
                "storageClass": "archive",
                "countType": "sinceImageTransitioned",
                "countUnit": "days",
                "countNumber": 180,
            },
            "action": {"type": "expire"},
        },
    ]
}


def rss() -> int:
    """The process's resident set size in bytes (Linux /proc)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096


def timed(label: str, fn):
    """(fn(), seconds, peak RSS growth in bytes while fn ran)."""
    start = rss()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], rss())

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    t0 = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t0
    done.set()
    t.join()
    grew = max(peak[0], rss()) - start
    print(
        f"{label:<34} {secs:8.2f} s   peak +{grew / 2**20:7.0f} MiB (RSS {peak[0] / 2**20:,.0f} MiB)"
    )
    return out, secs, grew


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=1_000_000)
    ap.add_argument("--repos", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    snap = synthetic_snapshot(images=args.images, repositories=args.repos, seed=args.seed)
    used = snap.images.sample(frac=0.01, random_state=args.seed)
    in_use = used[["account_id", "region", "repository", "digest"]].assign(
        source="ecs", resource="arn:aws:ecs:bench"
    )
    snap = Snapshot.build(
        snap.meta | {"in_use": {"collected": True}}, **(snap.tables() | {"in_use": in_use})
    )
    print(
        f"snapshot: {len(snap.images):,} images, {len(snap.repositories):,} repositories, "
        f"{len(snap.blobs):,} blob edges, {len(in_use):,} in use "
        f"(generated in {time.perf_counter() - t0:.1f} s)"
    )
    graph, _, _ = timed("blob graph (shared by 2 and 3)", lambda: blob_graph(snap))
    ev, s1, _ = timed("1. evaluate_policy (4 rules)", lambda: evaluate_policy(snap, POLICY))
    plan, s2, _ = timed(
        "2. cleanup_plan (4 rules)", lambda: cleanup_plan(snap, POLICY, graph=graph)
    )
    econ, s3, _ = timed("3. archive_economics", lambda: archive_economics(snap, graph=graph))
    counts = ev["action"].value_counts()
    print(
        f"outcome: {counts.get('expire', 0):,} expire, {counts.get('transition', 0):,} transition, "
        f"{int(ev['blocked_rule_priority'].notna().sum()):,} kept by in-use/index protection; "
        f"freed {plan.by_repository['freed_bytes'].sum() / 2**30:,.1f} GB, "
        f"to archive {plan.by_repository['to_archive_bytes'].sum() / 2**30:,.1f} GB, "
        f"saving ${plan.by_repository['saved_month_usd'].sum():,.2f}/month; "
        f"{int((econ['recommended'] == 'archive').sum()):,} repositories recommended to archive"
    )
    print(f"images per second (evaluate): {len(snap.images) / s1:,.0f}; API calls: 0")
    pd.set_option("display.width", 200)


if __name__ == "__main__":
    main()
