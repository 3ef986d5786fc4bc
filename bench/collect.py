"""Benchmark `ecrcost.collect()` on an emulated registry (run by hand, not a test).

Seeds R repositories x I images into moto (straight into its backend: fast), with the test-only
moto patches (real ECR paging and sizes), then times collection:

  1. --workers 1, empty manifest cache
  2. --workers N (default 8), empty manifest cache
  3. --workers N again, warm cache (must make zero BatchGetImage calls)

and prints, per run, the API calls by operation against the minimum possible for the registry:
⌈repos/1000⌉ DescribeRepositories, Σ⌈images/1000⌉ DescribeImages, Σ⌈new manifests/100⌉
BatchGetImage (per repository), 3 per repository for tags/policies, 4 registry calls, ⌈repos/500⌉
GetMetricData, 1 GetCallerIdentity. `--latency-ms` adds a sleep to every API call (a botocore
`before-call` hook in this script only) to stand in for real AWS round trips.

    python bench/collect.py --repos 20 --images 100 --latency-ms 50
    python bench/collect.py --repos 20 --images 100 --latency-ms 50 --server   # over HTTP
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # moto_patches, collect_fixtures


def minimum_calls(repos: int, images: int, new_manifests_per_repo: int) -> dict[str, int]:
    """The fewest calls that can collect this registry (one account, one region)."""
    return {
        "cloudwatch:GetMetricData": math.ceil(repos / 500),
        "ecr:BatchGetImage": repos * math.ceil(new_manifests_per_repo / 100),
        "ecr:DescribeImages": repos * max(1, math.ceil(images / 1000)),
        "ecr:DescribePullThroughCacheRules": 1,
        "ecr:DescribeRegistry": 1,
        "ecr:DescribeRepositories": max(1, math.ceil(repos / 1000)),
        "ecr:GetAccountSetting": 1,
        "ecr:GetLifecyclePolicy": repos,
        "ecr:GetRegistryPolicy": 1,
        "ecr:GetRepositoryPolicy": repos,
        "ecr:ListTagsForResource": repos,
        "sts:GetCallerIdentity": 1,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repos", type=int, default=20)
    ap.add_argument("--images", type=int, default=100, help="images per repository")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument(
        "--server", action="store_true", help="go over HTTP to a ThreadedMotoServer on 127.0.0.1"
    )
    ap.add_argument(
        "--profile", metavar="FILE", help="cProfile the cold workers=N run into FILE (pstats)"
    )
    ap.add_argument("--skip-serial", action="store_true", help="skip the workers=1 run")
    args = ap.parse_args()

    for k, v in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[k] = v
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        os.environ.pop(k, None)

    import boto3
    import moto_patches
    import pytest
    from collect_fixtures import image_manifest, seed_images
    from moto import mock_aws

    import ecrcost

    mp = pytest.MonkeyPatch()
    moto_patches.apply(mp)
    region, account = "us-east-1", "123456789012"
    with mock_aws():
        endpoint = None
        server = None
        if args.server:
            import logging

            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
        ecr = boto3.client("ecr", region_name=region, endpoint_url=endpoint)
        t0 = time.perf_counter()
        for r in range(args.repos):
            name = f"team-{r % 7}/svc-{r:04d}"
            ecr.create_repository(repositoryName=name)
            seed_images(
                account,
                region,
                name,
                [
                    (
                        image_manifest(
                            (f"cfg-{r}-{i}", 1500),
                            [
                                ("base-os", 30_000_000),
                                (f"deps-{r}", 8_000_000),
                                (f"app-{r}-{i}", 200_000 + i),
                            ],
                        ),
                        f"v{i}" if i % 3 else None,
                    )
                    for i in range(args.images)
                ],
            )
        seeded = time.perf_counter() - t0
        print(
            f"registry: {args.repos} repositories x {args.images} images = {args.repos * args.images} images "
            f"(seeded in {seeded:.2f} s); {'ThreadedMotoServer ' + endpoint if endpoint else 'in-process moto'}; "
            f"injected latency {args.latency_ms:g} ms per call"
        )

        def session() -> boto3.Session:
            s = boto3.Session()
            if args.latency_ms > 0:
                s.events.register(
                    "before-call.*.*", lambda **kw: time.sleep(args.latency_ms / 1000)
                )
            return s

        minimum = minimum_calls(args.repos, args.images, args.images)
        cache = tempfile.mkdtemp(prefix="ecrcost-bench-")
        runs = [
            ("workers=1, cold cache", 1, tempfile.mkdtemp(prefix="ecrcost-bench-")),
            (f"workers={args.workers}, cold cache", args.workers, cache),
            (f"workers={args.workers}, warm cache", args.workers, cache),
        ]
        if args.skip_serial:
            runs = runs[1:]
        for label, workers, cache_dir in runs:
            prof = None
            if args.profile and "cold" in label and workers > 1:
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            t, c = time.perf_counter(), time.process_time()
            snap = ecrcost.collect(
                regions=[region],
                workers=workers,
                cache_dir=cache_dir,
                session=session(),
                endpoint_url=endpoint,
            )
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            if prof is not None:
                prof.disable()
                prof.dump_stats(args.profile)
            calls = snap.meta["api_calls"]
            n_calls = sum(calls.values())
            ideal = n_calls * args.latency_ms / 1000 / workers
            mins = dict(minimum, **({"ecr:BatchGetImage": 0} if "warm" in label else {}))
            print(
                f"\n{label}: {wall:.2f} s wall, {cpu:.2f} s CPU ({1000 * cpu / n_calls:.1f} ms per "
                f"call), {n_calls} API calls (minimum {sum(mins.values())}); calls x latency / "
                f"workers = {ideal:.2f} s, wall / that = {wall / ideal:.2f}x; {len(snap.images)} "
                f"images, {len(snap.manifests)} manifests, {len(snap.blobs)} blob edges; targets "
                f"{[t['status'] for t in snap.meta['targets']]}"
            )
            for op in sorted(set(calls) | set(mins)):
                print(f"  {op:38s} {calls.get(op, 0):6d}   min {mins.get(op, 0):6d}")
        if server:
            server.stop()
    mp.undo()


if __name__ == "__main__":
    main()
