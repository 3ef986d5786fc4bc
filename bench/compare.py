"""Benchmark: `ecrcost.compare` and the comparison charts on a large synthetic snapshot.

    python bench/compare.py                                   # 100,000 images / 500 repositories
    python bench/compare.py --images 1000000 --repositories 2000

Times (wall clock, one run each, in this process): building the snapshot (not part of compare),
`workload` (storage in both dedup scopes, pulls, egress, pushes), `compare` (workload + every plan
+ the ECR row from `ecrcost.costs`), `price_plans` for one workload, `cost_by_registry` and
`cost_vs_storage` (41 points). Not a test: run by hand; the numbers go in the closing note.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ecrcost.registries import compare, load_plans, price_plans, workload
from ecrcost.reporting.compare_charts import cost_by_registry, cost_vs_storage
from ecrcost.synthetic import synthetic_snapshot

TRAFFIC = (
    "[default]\nsame_region = 0.8\ncross_region = 0.15\ninternet = 0.05\nlayer_cache_hit = 0.3\n"
)


def timed(label: str, f, *args, **kw):
    t = time.perf_counter()
    out = f(*args, **kw)
    print(f"{label:<28} {time.perf_counter() - t:8.2f} s")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=100_000)
    p.add_argument("--repositories", type=int, default=500)
    a = p.parse_args()
    snap = timed(
        "synthetic_snapshot", synthetic_snapshot, images=a.images, repositories=a.repositories
    )
    print(
        f"  {len(snap.images):,} images, {len(snap.blobs):,} blob edges, {len(snap.repositories):,} repositories"
    )
    with tempfile.TemporaryDirectory() as d:
        traffic = Path(d) / "traffic.toml"
        traffic.write_text(TRAFFIC)
        w = timed("workload", workload, snap, traffic)
        print(
            f"  stored {w.stored_gb:,.1f} GB per repository, {w.stored_gb_global:,.1f} GB registry-wide, "
            f"{w.pulled_gb:,.1f} GB pulled/month"
        )
        plans = load_plans()
        timed("price_plans (one workload)", price_plans, plans, w)
        df = timed("compare", compare, snap, traffic=traffic)
        timed("cost_by_registry", cost_by_registry, df)
        timed("cost_vs_storage (41 points)", cost_vs_storage, df)
        best = df[df["cheapest"]][["registry", "plan", "monthly_usd"]]
        print(best.to_string(index=False))


if __name__ == "__main__":
    main()
