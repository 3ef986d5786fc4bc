"""Benchmark: `ecrcost costs --by repository` at scale, against a per-image Python loop.

    python bench/pricing.py                      # 1,000,000 images / ~5,000,000 edges / 2,000 repos
    python bench/pricing.py --images 100000 --repositories 200     # a quicker run

A synthetic snapshot (`ecrcost.synthetic.synthetic_snapshot`) is written once to a temporary
directory; every case then runs in a fresh Python process that loads it, so each peak-memory figure
(ru_maxrss, the process high-water mark) belongs to that case alone. Cases:

- ``costs-repository`` / ``costs-registry``: `ecrcost.costs(snap, by="repository", scope=...)`
  (storage, egress GB, replication; the bundled catalog), the vectorised implementation;
- ``loop-repository`` / ``loop-registry``: the baseline -- a straightforward loop over images in
  Python (dicts and sets: each image's blobs, per-repository distinct blobs, size/k shares under
  registry scope, x the storage price; pulls x newest tagged image bytes), i.e. what one would
  write without pandas. Its total storage USD is checked against the vectorised figure.

Reported per case: wall and CPU time of the computation (load excluded and shown separately; on a
shared machine CPU time is the steadier figure), peak RSS of the process and the RSS added by the
computation. Not a test: run by hand; the numbers go in
the closing note.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

GB = 2**30


def rss_mb() -> float:
    """Current resident set size (MB) from /proc (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def loop_costs(snap, scope: str) -> dict[tuple[str, str, str], dict[str, float]]:
    """The baseline: per-image Python loops over plain dicts and sets."""
    from ecrcost.pricing.catalog import load_catalog

    catalog = load_catalog()
    blobs_of: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for m, b, s in zip(
        snap.blobs["manifest_digest"],
        snap.blobs["blob_digest"],
        snap.blobs["size_bytes"],
        strict=True,
    ):
        blobs_of[m].append((b, int(s)))
    children_of: dict[str, list[str]] = defaultdict(list)
    for i, c in zip(snap.children["index_digest"], snap.children["child_digest"], strict=True):
        children_of[i].append(c)
    repo_blobs: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    newest: dict[tuple[str, str, str], tuple[object, float]] = {}
    imgs = snap.images
    for acc, reg, repo, digest, tags, pushed in zip(
        imgs["account_id"],
        imgs["region"],
        imgs["repository"],
        imgs["digest"],
        imgs["tags"],
        imgs["pushed_at"],
        strict=True,
    ):
        key = (acc, reg, repo)
        manifests = children_of.get(digest) or [digest]
        own = repo_blobs[key]
        image_bytes = []
        for m in manifests:
            total = 0
            for b, s in blobs_of.get(m, ()):
                own[b] = s
                total += s
            image_bytes.append(total)
        if len(tags) and (key not in newest or pushed > newest[key][0]):
            newest[key] = (pushed, max(image_bytes))
    refs: dict[tuple[str, str, str], int] = defaultdict(int)
    if scope == "registry":
        for (acc, reg, _), blobs in repo_blobs.items():
            for b in blobs:
                refs[(acc, reg, b)] += 1
    pulls: dict[tuple[str, str, str], float] = defaultdict(float)
    for acc, reg, repo, n in zip(
        snap.pulls["account_id"],
        snap.pulls["region"],
        snap.pulls["repository"],
        snap.pulls["pulls"],
        strict=True,
    ):
        pulls[(acc, reg, repo)] += n
    days = snap.meta["pull_days"]
    out = {}
    for key, blobs in repo_blobs.items():
        acc, reg, _ = key
        if scope == "registry":
            unique = sum(s / refs[(acc, reg, b)] for b, s in blobs.items())
        else:
            unique = float(sum(blobs.values()))
        price = catalog.price("storage", reg, "STANDARD", service="AmazonECR").rate
        monthly_pulls = pulls.get(key, 0.0) / days * 30.4375
        out[key] = {
            "unique_bytes": unique,
            "storage_usd": unique / GB * price,
            "egress_gb": monthly_pulls * newest.get(key, (None, 0.0))[1] / GB,
        }
    return out


def run_case(snapshot_dir: str, case: str) -> dict[str, float | str]:
    from ecrcost.snapshot import load_snapshot

    t0 = time.perf_counter()
    snap = load_snapshot(snapshot_dir)
    load_s = time.perf_counter() - t0
    base_rss = rss_mb()
    kind, scope = case.split("-")
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    if kind == "costs":
        import ecrcost

        df = ecrcost.costs(snap, by="repository", scope=scope)
        rows, storage_usd = len(df), float(df["storage_usd"].sum())
        unique = float(df["unique_bytes"].sum())
    else:
        res = loop_costs(snap, scope)
        rows, storage_usd = len(res), sum(r["storage_usd"] for r in res.values())
        unique = sum(r["unique_bytes"] for r in res.values())
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {
        "case": case,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "load_seconds": round(load_s, 2),
        "peak_rss_mb": round(peak_mb()),
        "added_rss_mb": round(peak_mb() - base_rss),
        "rows": rows,
        "storage_usd": round(storage_usd, 2),
        "unique_bytes": unique,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=1_000_000)
    ap.add_argument("--repositories", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--cases", default="costs-repository,costs-registry,loop-repository,loop-registry"
    )
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.snapshot, args.case)))
        return

    from ecrcost.synthetic import synthetic_snapshot

    with tempfile.TemporaryDirectory(prefix="ecrcost-bench-") as tmp:
        t0 = time.perf_counter()
        snap = synthetic_snapshot(
            images=args.images, repositories=args.repositories, seed=args.seed
        )
        gen_s = time.perf_counter() - t0
        path = snap.write(Path(tmp) / "snap")
        print(
            f"synthetic snapshot: {len(snap.images):,} images, {len(snap.blobs):,} manifest->blob edges, "
            f"{len(snap.children):,} index->child edges, {len(snap.repositories):,} repositories, "
            f"{len(snap.pulls):,} pull rows (generated in {gen_s:.1f} s)"
        )
        del snap
        results = {}
        for case in args.cases.split(","):
            out = subprocess.run(
                [sys.executable, __file__, "--case", case, "--snapshot", str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[case] = r
            print(
                f"{case:18s} {r['seconds']:8.2f} s wall, {r['cpu_seconds']:6.2f} s CPU   peak RSS {r['peak_rss_mb']:6,} MB "
                f"(+{r['added_rss_mb']:,} MB over the loaded snapshot; load {r['load_seconds']:.1f} s)   "
                f"{r['rows']:,} rows, storage ${r['storage_usd']:,.2f}"
            )
        for scope in ("repository", "registry"):
            fast, slow = results.get(f"costs-{scope}"), results.get(f"loop-{scope}")
            if fast and slow:
                same = abs(fast["unique_bytes"] - slow["unique_bytes"]) <= 1e-6 * max(
                    1.0, slow["unique_bytes"]
                )
                print(
                    f"scope {scope}: loop / vectorised = {slow['seconds'] / fast['seconds']:.1f}x wall, "
                    f"{slow['cpu_seconds'] / fast['cpu_seconds']:.1f}x CPU; "
                    f"unique bytes agree: {same}"
                )


if __name__ == "__main__":
    main()
