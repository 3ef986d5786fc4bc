"""Benchmark `ecrcost report` on a synthetic snapshot (run by hand; not part of the test suite).

    python bench/report.py                      # 5,000 repositories / 200,000 images (the target)
    python bench/report.py --images 20000 --repositories 500
    python bench/report.py --history 12          # plus 11 earlier monthly snapshots (--history DIR)

Writes the synthetic snapshot to a temporary directory, then runs the real command
(`ecrcost report SNAPSHOT --traffic ... --out ...`) in a child process and reports its wall time
and peak memory (the child's max RSS). Target: under 60 s on 2 cores. Also prints how long each
report stage took inside one in-process run when --stages is given.

With --history N, N monthly snapshots are written (collected on the 1st of N consecutive months,
growing linearly to --images / --repositories in the newest), and the report of the newest is run
with `--history DIR --baseline auto` twice: with a cold history cache (every earlier month priced)
and warm (the earlier months read from the cache, as in a monthly cron job where last month's
report priced them).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

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
    ap.add_argument(
        "--history", type=int, default=0, metavar="N", help="N monthly snapshots (12: a year)"
    )
    args = ap.parse_args()

    from ecrcost.synthetic import synthetic_snapshot

    with tempfile.TemporaryDirectory(prefix="ecrcost-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        months = max(args.history, 1)
        newest = pd.Timestamp("2026-12-01T06:00:00Z")
        for i in range(months):  # oldest first; the newest has the full size
            share = (i + 1) / months if args.history else 1.0
            at = newest - pd.DateOffset(months=months - 1 - i)
            snap = synthetic_snapshot(
                images=int(args.images * (0.5 + 0.5 * share)),
                repositories=int(args.repositories * (0.8 + 0.2 * share)),
                seed=args.seed,
                now=at,
            )
            snap.write(root / "snapshots" / at.strftime("%Y-%m-%d"))
        print(
            f"synthetic snapshots: {months} month(s), newest {len(snap.repositories):,} repositories, "
            f"{len(snap.images):,} images, {len(snap.blobs):,} blob edges, {len(snap.children):,} "
            f"index children ({time.perf_counter() - t0:.1f} s to generate and write)"
        )
        latest = root / "snapshots" / newest.strftime("%Y-%m-%d")
        (root / "traffic.toml").write_text(TRAFFIC)
        cmd = [
            sys.executable,
            "-m",
            "ecrcost",
            "report",
            str(latest),
            "--out",
            str(root / "out"),
        ]
        if args.history:
            cmd += ["--history", str(root / "snapshots"), "--baseline", "auto"]
        if not args.no_traffic:
            cmd += ["--traffic", str(root / "traffic.toml")]
        env = {**os.environ, "ECRCOST_CACHE_DIR": str(root / "cache")}  # a cold history cache
        runs = ["cold cache", "warm cache"] if args.history else ["report"]
        for label in runs:  # the warm run: last month's report already priced the earlier months
            run_cmd = cmd if label != "warm cache" else [*cmd, "--force"]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run(run_cmd, capture_output=True, text=True, env=env)
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
                f"ecrcost report ({label}): {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS "
                f"{after.ru_maxrss / 1024:,.0f} MiB (max over the runs so far; exit "
                f"{proc.returncode}); output {size / 2**20:.1f} MiB, index.html "
                f"{html / 2**20:.1f} MiB"
            )
            met = wall < 60 and after.ru_maxrss < 2 * 2**20
            print(f"target ({label}): under 60 s and 2 GB -> " + ("met" if met else "NOT met"))


if __name__ == "__main__":
    main()
