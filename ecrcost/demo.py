"""`ecrcost demo`: the whole product on an embedded AWS emulator, with no AWS account and no network.

`run_demo()`:

1. builds the synthetic organization (`ecrcost.synthetic.synthetic_organization`, clock = now);
2. starts moto's server in this process, bound to 127.0.0.1 on a free port (never 0.0.0.0);
3. seeds the organization straight into the emulator's model objects (`seed_emulator`): accounts
   are separate registries reached through `sts:AssumeRole`, repositories with tags and lifecycle
   policies, images with their exact manifests, pull times, archive status, a replication
   configuration and CloudWatch `AWS/ECR RepositoryPullCount` datapoints;
4. runs the *real* collector over HTTP (`ecrcost.collect(endpoint_url=..., role_arns=...)`), the
   same code path as against AWS, then `ecrcost.costs`, `ecrcost.compare` and `ecrcost.report`;
5. writes the report to `out` (default `reports/demo/`) with the snapshot (`out/snapshot/`) and
   the traffic profile (`out/traffic.toml`) beside it, prints a summary, and stops the emulator
   (also on error).

The fake credentials exist only inside the boto3 Session handed to the collector: nothing is
written to the environment or to disk, and the collector's manifest cache is not used.

The emulator is configured to behave like real ECR where moto differs (`real_ecr_behaviour`):
that is the demo's emulator set-up, never a workaround inside the collector.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from .collectors import collect
from .errors import EcrcostError, OutputExistsError
from .pricing.summary import costs
from .registries import compare
from .registries.comparison import MONEY_COLUMNS, cheapest_per_registry
from .reporting.monthly import report
from .reporting.tables import format_usd
from .synthetic import SIZES, Organization, synthetic_organization

DEFAULT_OUT = Path("reports") / "demo"
MARKER = ".ecrcost-demo"  # marks a directory as demo output, which a new demo may replace
LOOPBACK = "127.0.0.1"
DEMO_REGION = "us-east-1"


class DemoError(EcrcostError):
    """The demo cannot run (the emulator is not installed, or it failed to start)."""


@dataclass
class DemoResult:
    """What `run_demo` produced: paths, the pipeline's DataFrames and how long it took (seconds)."""

    out: Path  # the report directory (index.html)
    snapshot_dir: Path
    traffic_file: Path
    organization: Organization
    snapshot: Any  # ecrcost.Snapshot as collected over HTTP
    costs: pd.DataFrame  # ecrcost.costs(by="repository", traffic=...)
    comparison: pd.DataFrame  # ecrcost.compare(traffic=...)
    endpoint_url: str
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> wall seconds

    @property
    def index_html(self) -> Path:
        return self.out / "index.html"


# ---- the embedded emulator -------------------------------------------------------------------------
def _require_moto() -> None:
    try:
        import moto  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as e:
        raise DemoError(
            f"the demo needs the embedded AWS emulator ({e.name} is missing): pip install -e '.[demo]'"
        ) from None


@contextlib.contextmanager
def emulator() -> Iterator[str]:
    """Run moto's server in this process on 127.0.0.1 and a free port; yield its URL.

    The emulator's state is wiped on entry and on exit. werkzeug's log (a line per request, and a
    traceback for each operation moto does not implement, which the collector records as data
    anyway) is silenced while the emulator runs.
    """
    _require_moto()
    from moto.moto_api._internal.models import moto_api_backend
    from moto.server import ThreadedMotoServer

    log = logging.getLogger("werkzeug")
    level = log.level
    log.setLevel(logging.CRITICAL)
    moto_api_backend.reset()
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        if host != LOOPBACK:  # never serve beyond this machine
            raise DemoError(f"the emulator bound {host}, not {LOOPBACK}")
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        moto_api_backend.reset()
        log.setLevel(level)


@contextlib.contextmanager
def isolated_emulator() -> Iterator[None]:
    """EMULATOR SET-UP: keep the user's AWS configuration out of the embedded moto.

    moto makes default botocore sessions to list regions and, when it turns an error into a
    response, services; both fail when AWS_PROFILE names a profile this machine does not have
    (moto issue #5469). While this context is active moto uses sessions that read no profile
    (`demo_session`); the originals are restored on exit.
    """
    import moto.core.utils as moto_utils
    from moto.core.base_backend import AccountSpecificBackend

    original = AccountSpecificBackend.__dict__["get_session"], moto_utils.Session
    session = demo_session()
    AccountSpecificBackend.get_session = classmethod(lambda cls: session)
    moto_utils.Session = lambda: session._session
    try:
        yield
    finally:
        AccountSpecificBackend.get_session, moto_utils.Session = original


@contextlib.contextmanager
def real_ecr_behaviour() -> Iterator[None]:
    """EMULATOR SET-UP, NOT PRODUCT CODE: make the embedded moto report what real ECR reports.

    moto reports an image's `imageSizeInBytes` as its config blob's size and gives an image index
    no size at all; real ECR reports the compressed size of the image's layers, and for an index
    the largest of its child images (DescribeImages API reference). While this context is active,
    moto's `Image.get_image_size_in_bytes` follows real ECR; the original is restored on exit.
    """
    from moto.ecr import models as ecr_models  # the demo extra: imported only when it runs

    original = ecr_models.Image.get_image_size_in_bytes
    sizes: dict[tuple[str, str, str], int | None] = {}

    def real_size(image: Any) -> int | None:  # the images do not change while the demo runs
        key = (image.registry_id, image.repository_name, image.get_image_digest())
        if key not in sizes:
            sizes[key] = real_image_size(image)
        return sizes[key]

    ecr_models.Image.get_image_size_in_bytes = real_size
    try:
        yield
    finally:
        ecr_models.Image.get_image_size_in_bytes = original


def _layer_sum(manifest: dict[str, Any]) -> int:
    return sum(int(layer.get("size", 0)) for layer in manifest.get("layers", []))


def real_image_size(image: Any) -> int | None:
    """The `imageSizeInBytes` real ECR reports for a moto `Image`: the sum of its layers' sizes;
    for an index, the largest of its child images in the same repository (None: no child found,
    or neither layers nor children). Used by `real_ecr_behaviour` and by the tests' moto patches.
    """
    from moto.ecr import models as ecr_models  # the demo extra: imported only when it runs

    doc = json.loads(image.image_manifest)
    if "layers" in doc:
        return _layer_sum(doc)
    if "manifests" in doc:  # an index: the largest child image in the same repository
        wanted = {m.get("digest") for m in doc["manifests"]}
        found = [
            _layer_sum(json.loads(i.image_manifest))
            for backend in list(ecr_models.ecr_backends[image.registry_id].values())
            for repo in [backend.repositories.get(image.repository_name)]
            if repo is not None
            for i in repo.images
            if i.get_image_digest() in wanted
        ]
        return max(found) if found else None
    return None


def seed_emulator(org: Organization) -> dict[str, int]:
    """Put `org` into the in-process emulator's model objects (fast: no HTTP, no put_image).

    Each account is its own registry (moto keeps one per account and region; the collector reaches
    it by assuming `org.role_arns()`). Sets what moto cannot be told over its API: push and pull
    times, archive status, the artifact media type. Returns counts of what was seeded.
    """
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.ecr.models import Image, ecr_backends

    counts = {"repositories": 0, "images": 0, "datapoints": 0}
    for (account, region), config in org.replication.items():
        ecr_backends[account][region].put_replication_configuration(config)
    for r in org.repositories:
        backend = ecr_backends[r.account_id][r.region]
        repo = backend.create_repository(
            repository_name=r.name,
            registry_id=None,
            encryption_config={"encryptionType": r.encryption_type},
            image_scan_config={"scanOnPush": r.scan_on_push},
            image_tag_mutability=r.tag_mutability,
            tags=[{"Key": k, "Value": v} for k, v in sorted(r.tags.items())],
        )
        repo.created_at = r.created_at
        if r.lifecycle_policy:
            backend.put_lifecycle_policy(r.account_id, r.name, r.lifecycle_policy)
        for i in r.images:
            img = Image(
                r.account_id,
                i.tags[0] if i.tags else None,
                i.manifest,
                r.name,
                i.media_type,
                i.digest,
            )
            img.image_tags = list(i.tags)
            img.image_pushed_at = int(i.pushed_at.timestamp())
            img.artifact_media_type = i.artifact_media_type
            img.image_status = i.status
            if i.last_pull_at is not None:
                img.last_recorded_pull_time = i.last_pull_at
            if i.archived_at is not None:
                img.last_archived_at = i.archived_at
            repo.images.append(img)
        counts["repositories"] += 1
        counts["images"] += len(r.images)
        # moto keeps metric timestamps as naive UTC datetimes (what its HTTP layer produces)
        data = [
            {
                "MetricName": "RepositoryPullCount",
                "Dimensions": [{"Name": "RepositoryName", "Value": r.name}],
                "Timestamp": (day + timedelta(hours=12)).astimezone(UTC).replace(tzinfo=None),
                "Value": n,
                "Unit": "Count",
            }
            for day, n in sorted(r.pulls.items())
        ]
        if data:
            cloudwatch_backends[r.account_id][r.region].put_metric_data("AWS/ECR", data)
            counts["datapoints"] += len(data)
    return counts


def demo_session() -> Any:
    """A boto3 Session with throwaway credentials for the emulator only.

    It reads no profile, no config or credentials file and no AWS_* variable (the session
    variables point nowhere), and nothing is written anywhere: the keys live in this object alone.
    """
    import boto3
    import botocore.session

    nowhere = {
        "profile": (None, None, None, None),
        "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None),
        "ignore_configured_endpoint_urls": (None, None, True, None),
    }
    core = botocore.session.Session(session_vars=nowhere)
    core.set_config_variable("region", DEMO_REGION)
    core.set_credentials("ecrcost-demo", "ecrcost-demo")
    return boto3.Session(botocore_session=core)


# ---- the pipeline ----------------------------------------------------------------------------------
def _prepare_out(out: Path, force: bool) -> None:
    """Refuse to replace an existing directory that is not an earlier demo's output (unless force)."""
    if out.exists() and not force and not (out / MARKER).is_file():
        raise OutputExistsError(
            f"{out} exists and is not an earlier `ecrcost demo` output; pass --force to replace it"
        )


def run_demo(
    out: str | os.PathLike[str] = DEFAULT_OUT,
    size: str = "default",
    seed: int = 0,
    *,
    force: bool = False,
    workers: int = 8,
    echo: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the whole pipeline on the synthetic organization in an embedded emulator (see module doc).

    `out`: the report directory, replaced if it holds an earlier demo (any other existing directory
    needs `force`). `size`: "default" (40+ repositories, 3,000+ images) or "small". `seed`: the
    organization's seed. `workers`: the collector's threads. `echo`: progress messages (default:
    silent). Returns a `DemoResult`; raises `DemoError` when the emulator is not installed.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, not {size!r}")
    say = echo or (lambda _msg: None)
    out = Path(out)
    _prepare_out(out, force)
    _require_moto()
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        seconds[stage] = round(now - t0, 2)
        t0 = now

    org = synthetic_organization(size, seed=seed, now=datetime.now(UTC))
    lap("generate")
    with isolated_emulator(), emulator() as url, real_ecr_behaviour():
        counts = seed_emulator(org)
        say(
            f"Emulator at {url}: seeded {counts['repositories']} repositories, {counts['images']:,} images, "
            f"{len(org.accounts)} accounts x {len(org.regions)} regions."
        )
        lap("seed")
        snap = collect(
            regions=list(org.regions),
            role_arns=org.role_arns(),
            endpoint_url=url,
            session=demo_session(),
            workers=workers,
            pull_days=org.pull_days,
            use_cache=False,
        )
        lap("collect")
    calls = sum((snap.meta.get("api_calls") or {}).values())
    say(
        f"Collected over HTTP: {len(snap.repositories)} repositories, {len(snap.images):,} images, "
        f"{len(snap.manifests):,} manifests ({calls:,} API calls)."
    )

    staging = out.with_name(f".{out.name}.inputs-{os.getpid()}")
    try:
        snap_dir = snap.write(staging / "snapshot", force=True)
        traffic = org.write_traffic(staging / "traffic.toml")
        cost = costs(snap, by="repository", traffic=traffic)
        comparison = compare(snap, traffic=traffic)
        lap("costs")
        snap.path = out / "snapshot"  # where the report will say it lives (moved there below)
        rep = report(snap, traffic=traffic)
        rep.save(out, force=True)
        # the snapshot and the traffic profile go beside the report (the notebook reads them)
        snap_dir.rename(out / "snapshot")
        traffic.rename(out / "traffic.toml")
        (out / MARKER).write_text(
            "Written by `ecrcost demo`; a new demo replaces this directory.\n"
        )
        lap("report")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return DemoResult(
        out=out,
        snapshot_dir=out / "snapshot",
        traffic_file=out / "traffic.toml",
        organization=org,
        snapshot=snap,
        costs=cost,
        comparison=comparison,
        endpoint_url=url,
        seconds=seconds,
    )


def summary(result: DemoResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables `ecrcost demo` prints: the cost per account and region (naive vs deduplicated
    bytes, storage, egress, replication, total USD per month: storage + egress + replication =
    total) and each registry's cheapest plan that the workload fits
    (`ecrcost.registries.comparison.cheapest_per_registry`), cheapest *billed* cost first, with
    `unbilled_usd` (published rates not charged today), `confidence` and `upper_bound` beside it.

    ``cheapest.attrs["note"]`` says how the two tables' transfer money relates: the ECR row's
    transfer_usd is egress_usd plus the replication transfer (compare counts replication in
    storage and transfer)."""
    c = result.costs
    keys = ["account_id", "region"]
    sums = [
        "images",
        "untagged_images",
        "naive_bytes",
        "unique_bytes",
        "storage_usd",
        "egress_usd",
        "replication_usd",
        "total_usd",
    ]
    by_registry = c.groupby(keys, as_index=False)[sums].sum(min_count=1)
    total = c[sums].sum(min_count=1).to_frame().T.assign(account_id="total", region="")
    table = pd.concat([by_registry, total[keys + sums]], ignore_index=True)
    for col in ("images", "untagged_images"):
        table[col] = table[col].fillna(0).astype("int64")  # counts of an empty snapshot are 0
    table = table.rename(columns={"untagged_images": "untagged"})
    best = cheapest_per_registry(result.comparison)
    cheapest = best.sort_values("monthly_usd", na_position="last", kind="stable")[
        [*MONEY_COLUMNS, "confidence", "upper_bound"]
    ].reset_index(drop=True)
    cheapest.attrs["note"] = transfer_note(result.comparison, c)
    return table, cheapest


def transfer_note(comparison: pd.DataFrame, costs_df: pd.DataFrame) -> str:
    """One line relating the ECR row of `compare` to `costs`: transfer_usd = egress_usd +
    replication transfer, storage_usd = storage_usd + replica storage; and what unbilled_usd means."""
    ecr = comparison[comparison["registry"] == "ecr"]
    if not len(ecr):
        return ""
    e = ecr.iloc[0]
    egress = costs_df["egress_usd"].sum(min_count=1)
    storage = costs_df["storage_usd"].sum(min_count=1)
    fmt = format_usd
    return (
        f"ECR: transfer_usd {fmt(e['transfer_usd'])} = egress_usd {fmt(egress)} + replication "
        f"transfer {fmt(e['transfer_usd'] - egress)}; storage_usd {fmt(e['storage_usd'])} = "
        f"storage_usd {fmt(storage)} + replica storage {fmt(e['storage_usd'] - storage)}. "
        "Ranked on billed cost; unbilled_usd = published rates not charged today (if billed); "
        "≤ = upper bound."
    )
