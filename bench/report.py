"""Benchmark `ecrcost report` on a synthetic snapshot (run by hand; not part of the test suite).

    python bench/report.py                      # 5,000 repositories / 200,000 images (the target)
    python bench/report.py --images 20000 --repositories 500

Writes the synthetic snapshot to a temporary directory, then runs the real command
(`ecrcost report SNAPSHOT --traffic ... --out ...`) in a child process and reports its wall time
and peak memory (the child's max RSS). Target: under 60 s on 2 cores. Also prints how long each
report stage took inside one in-process run when --stages is given.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAFFIC = """
[default]
same_region = 0.8
cross_region = 0.15
internet = 0.05
layer_cache_hit = 0.3
"""


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--images", type=int, default=200_000)
    ap.add_argument("--repositories", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-traffic", action="store_true", help="run without a traffic profile")
    args = ap.parse_args()

    from ecrcost.synthetic import synthetic_snapshot

    with tempfile.TemporaryDirectory(prefix="ecrcost-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        snap = synthetic_snapshot(
            images=args.images, repositories=args.repositories, seed=args.seed
        )
        snap.write(root / "snap")
        print(
            f"synthetic snapshot: {len(snap.repositories):,} repositories, {len(snap.images):,} images, "
            f"{len(snap.blobs):,} blob edges, {len(snap.children):,} index children "
            f"({time.perf_counter() - t0:.1f} s to generate and write)"
        )
        (root / "traffic.toml").write_text(TRAFFIC)
        cmd = [
            sys.executable,
            "-m",
            "ecrcost",
            "report",
            str(root / "snap"),
            "--out",
            str(root / "out"),
        ]
        if not args.no_traffic:
            cmd += ["--traffic", str(root / "traffic.toml")]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0, 3):
            sys.exit(f"ecrcost report failed ({proc.returncode}):\n{proc.stderr}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out = root / "out"
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        html = (out / "index.html").stat().st_size
        print(proc.stdout.strip())
        print(
            f"ecrcost report: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {after.ru_maxrss / 1024:,.0f} MiB "
            f"(exit {proc.returncode}); output {size / 2**20:.1f} MiB, index.html {html / 2**20:.1f} MiB"
        )
        print("target: under 60 s -> " + ("met" if wall < 60 else "NOT met"))


if __name__ == "__main__":
    main()
