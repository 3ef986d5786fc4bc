"""Benchmark the synthetic generators and `ecrcost demo` (run by hand; not part of the test suite).

    python bench/demo.py                        # synthetic_snapshot at 1,000,000 images + the default demo
    python bench/demo.py --images 200000 --repositories 5000 --size small

Reported: wall seconds of `synthetic_snapshot` (twice in one process: the first run also pays for
fresh memory pages, which is slow in some sandboxes), its table sizes, the synthetic organization's
size and the demo's stages (generate, seed, collect over HTTP, costs + compare, report) with the
collector's API-call counts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=1_000_000)
    p.add_argument("--repositories", type=int, default=2_000)
    p.add_argument("--size", choices=["small", "default"], default="default")
    a = p.parse_args()

    from ecrcost.demo import run_demo
    from ecrcost.synthetic import synthetic_organization, synthetic_snapshot

    for attempt in (1, 2):
        t = time.perf_counter()
        snap = synthetic_snapshot(images=a.images, repositories=a.repositories)
        print(
            f"synthetic_snapshot run {attempt}: {time.perf_counter() - t:.1f} s -> {len(snap.images):,} images, "
            f"{len(snap.blobs):,} edges, {len(snap.repositories):,} repositories, {len(snap.children):,} children"
        )
        del snap

    t = time.perf_counter()
    org = synthetic_organization(a.size)
    direct = org.to_snapshot()
    print(
        f"synthetic_organization({a.size!r}) + to_snapshot: {time.perf_counter() - t:.1f} s -> "
        f"{len(direct.repositories)} repositories, {len(direct.images):,} images, {len(direct.blobs):,} edges"
    )

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        result = run_demo(out=Path(tmp) / "demo", size=a.size)
        total = time.perf_counter() - t
    calls = result.snapshot.meta.get("api_calls") or {}
    print(f"run_demo({a.size!r}): {total:.1f} s; stages {result.seconds}")
    print(f"API calls: {sum(calls.values())} " + ", ".join(f"{k}={v}" for k, v in calls.items()))


if __name__ == "__main__":
    main()
