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
`before-send` hook in this script only: where the request would go on the wire) to stand in for
real AWS round trips.

    python bench/collect.py --repos 20 --images 100 --latency-ms 50             # in-process moto
    python bench/collect.py --repos 20 --images 100 --latency-ms 50 --server    # moto elsewhere
    python bench/collect.py --repos 20 --images 100 --latency-ms 50 --replay    # moto's replies

Where the emulator runs matters: in-process (the default) moto's own request handling runs in
ecrcost's process and takes the same GIL as the collector's threads (py-spy --gil: about 60 % of
the GIL time of a 20 x 100 run is moto), which a real AWS endpoint never does. ``--server``
runs moto in a separate process (a ThreadedMotoServer on 127.0.0.1, seeded there) and collects
over HTTP -- but on 2 cores that one moto process (one GIL) serves the 8 concurrent requests one
at a time, at several ms each, so it queues them. ``--replay`` takes the emulator out: one
collection against in-process moto records every raw HTTP response (by operation and request
body), then the timed runs get those bytes back from a botocore ``before-send`` hook -- botocore
still signs every request and parses every response, only the server's time is 0, as it is
nearly for AWS next to 50 ms of latency. That is the collector's own cost per call.

The runs happen in a process without transparent huge pages, as the `ecrcost` command's
(`ecrcost.process.no_huge_pages`): with them, building the tables after the last call took
35-110 ms more in about 1 run of 3 (the kernel zeroing Arrow's fresh huge pages); ``--thp``
keeps the kernel's default. ``--skip-serial`` makes the cold parallel run the process's first
collection (as one `ecrcost collect` is): botocore's files are then read during it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
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
        "--server",
        action="store_true",
        help="moto in its own process (a ThreadedMotoServer on 127.0.0.1), over HTTP",
    )
    ap.add_argument(
        "--profile", metavar="FILE", help="cProfile the cold workers=N run into FILE (pstats)"
    )
    ap.add_argument(
        "--replay",
        action="store_true",
        help="record moto's responses once, then collect against the recording (no emulator)",
    )
    ap.add_argument("--skip-serial", action="store_true", help="skip the workers=1 run")
    ap.add_argument(
        "--thp", action="store_true", help="keep transparent huge pages (the kernel's default)"
    )
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the --server child
    ap.add_argument("--record", help=argparse.SUPPRESS)  # the --replay child: the tape's file
    args = ap.parse_args()

    for k, v in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[k] = v
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        os.environ.pop(k, None)
    if args.serve:
        serve(args.repos, args.images)
        return
    if args.record:
        record_to(args.record, args.repos, args.images)
        return

    region, account = "us-east-1", "123456789012"
    server = None
    if not args.thp:  # as the command runs (see the module docstring)
        from ecrcost.process import no_huge_pages

        no_huge_pages()
    if args.server:  # the emulator in its own process, as AWS would be
        server = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                "--repos",
                str(args.repos),
                "--images",
                str(args.images),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        endpoint, seeded = server.stdout.readline().split()
        where = f"moto server process {endpoint}"
        mp = stack = None
    elif args.replay:  # recorded in a child process: this one never loads moto (as a real run)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "tape.pickle"
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--record",
                    str(path),
                    "--repos",
                    str(args.repos),
                    "--images",
                    str(args.images),
                ],
                check=True,
            )
            seeded, args.tape = pickle.loads(path.read_bytes())
        endpoint, mp, stack = None, None, None
        where = f"a recording of moto's {len(args.tape)} responses (no emulator in this process)"
    else:
        import moto_patches
        import pytest
        from moto import mock_aws

        mp = pytest.MonkeyPatch()
        moto_patches.apply(mp)
        stack = mock_aws()
        stack.start()
        endpoint, where = None, "in-process moto"
        seeded = f"{seed(args.repos, args.images, account, region):.2f}"

    print(
        f"registry: {args.repos} repositories x {args.images} images = "
        f"{args.repos * args.images} images (seeded in {seeded} s); {where}; "
        f"injected latency {args.latency_ms:g} ms per call"
    )
    try:
        run_all(args, region, endpoint)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        if stack is not None:
            stack.stop()
        if mp is not None:
            mp.undo()


def seed(repos: int, images: int, account: str, region: str, endpoint: str | None = None) -> float:
    """Create `repos` repositories of `images` images each in moto (its backend, this process)."""
    import boto3
    from collect_fixtures import image_manifest, seed_images

    ecr = boto3.client("ecr", region_name=region, endpoint_url=endpoint)
    t0 = time.perf_counter()
    for r in range(repos):
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
                for i in range(images)
            ],
        )
    return time.perf_counter() - t0


def fill_moto_gaps(mp: object) -> None:
    """Answer three read operations real ECR has and moto 5.2.5 lacks as an empty registry would
    (over HTTP moto answers them with a 500, which the collector retries, as it must against
    AWS: seconds no real run spends; in process they are never recorded for --replay)."""
    from moto.ecr.responses import ECRResponse

    for op, body in {
        "describe_pull_through_cache_rules": {"pullThroughCacheRules": []},
        "get_account_setting": {"name": "BLOB_MOUNTING", "value": "DISABLED"},
        "list_pull_time_update_exclusions": {"pullTimeUpdateExclusions": []},
    }.items():
        mp.setattr(ECRResponse, op, lambda self, body=body: json.dumps(body), raising=False)  # type: ignore[attr-defined]


def serve(repos: int, images: int) -> None:
    """The --server side: moto on 127.0.0.1 in this process, seeded; prints "ENDPOINT SECONDS"
    and serves until terminated."""
    import logging

    import moto_patches
    import pytest
    from moto import mock_aws
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    mp = pytest.MonkeyPatch()
    moto_patches.apply(mp)
    fill_moto_gaps(mp)
    with mock_aws():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        seconds = seed(repos, images, "123456789012", "us-east-1")
        print(f"http://{host}:{port} {seconds:.2f}", flush=True)
        signal.sigwait({signal.SIGTERM})
        server.stop()


class _Raw:
    """A recorded HTTP body, as botocore reads one (`stream`)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self.body


def _tape_key(operation: str, body: object) -> tuple[str, bytes]:
    data = body if isinstance(body, bytes) else str(body or "").encode()
    if operation == "GetMetricData":  # its time window moves with the clock
        data = re.sub(rb'"(StartTime|EndTime)": ?[0-9.e+]+', b"", data)
    return operation, data


def record(region: str) -> dict[tuple[str, bytes], tuple[int, dict[str, str], bytes]]:
    """One collection (workers=1, no cache) against in-process moto, keeping every raw HTTP
    response by (operation, request body)."""
    import boto3

    import ecrcost

    tape: dict[tuple[str, bytes], tuple[int, dict[str, str], bytes]] = {}
    local = threading.local()

    def sent(request: object = None, **_: object) -> None:
        local.body = getattr(request, "body", b"")

    def got(operation_model: object = None, response_dict: dict | None = None, **_: object) -> None:
        assert response_dict is not None
        key = _tape_key(operation_model.name, local.body)  # type: ignore[attr-defined]
        tape[key] = (
            response_dict["status_code"],
            dict(response_dict["headers"]),
            response_dict["body"],
        )

    s = boto3.Session()
    s.events.register("before-send.*.*", sent)
    s.events.register("before-parse.*.*", got)
    ecrcost.collect(regions=[region], workers=1, use_cache=False, session=s)
    return tape


def record_to(path: str, repos: int, images: int) -> None:
    """The --replay side: seed in-process moto, record one collection, pickle (seconds, tape)."""
    import moto_patches
    import pytest
    from moto import mock_aws

    mp = pytest.MonkeyPatch()
    moto_patches.apply(mp)
    fill_moto_gaps(mp)
    with mock_aws():
        seconds = seed(repos, images, "123456789012", "us-east-1")
        tape = record("us-east-1")
    Path(path).write_bytes(pickle.dumps((f"{seconds:.2f}", tape)))


def replayer(tape: dict) -> Callable[..., object]:
    """A botocore before-send hook answering each request from `tape` (a miss is an error)."""
    from botocore.awsrequest import AWSResponse

    def reply(request: object = None, event_name: str = "", **_: object) -> object:
        key = _tape_key(event_name.rsplit(".", 1)[1], getattr(request, "body", b""))
        if key not in tape:
            raise KeyError(f"not recorded: {key[0]} {key[1][:200]!r}")
        status, headers, body = tape[key]
        return AWSResponse(request.url, status, headers, _Raw(body))  # type: ignore[attr-defined]

    return reply


def run_all(args: argparse.Namespace, region: str, endpoint: str | None) -> None:
    """The three runs (serial cold, parallel cold, parallel warm), each against `minimum_calls`."""
    import boto3

    import ecrcost
    import ecrcost.collectors  # noqa: F401 -- imports (pandas, pyarrow) are not collection time

    def session() -> boto3.Session:
        s = boto3.Session()
        if args.latency_ms > 0:  # the round trip, where the request would go on the wire
            s.events.register("before-send.*.*", lambda **kw: time.sleep(args.latency_ms / 1000))
        if getattr(args, "tape", None):
            s.events.register("before-send.*.*", replayer(args.tape))
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


if __name__ == "__main__":
    main()
