"""`collect()`: every account x region x repository -> one `Snapshot`.

The run fans out over a thread pool: one task per account-region (list repositories), then the
CloudWatch pull counts, one task per registry setting, and per repository one for its images
and one for each of its tags and policies; each 1000 images then have a manifest task (the first
runs next on the worker that listed them: a task's first follow-up does). `workers=1` runs the
same tasks serially. The first region's repository list and registry settings go out while
sts:GetCallerIdentity answers (`Early`), and the run freezes the objects alive before it out of
the cyclic GC's passes (`process.heap_frozen`).

Failures are data: a target (account-region) whose role cannot be assumed or whose repositories
cannot be listed is "failed"; one whose repository, pull-count or registry calls partly failed is
"partial" (each error in `errors`; a manifest that is not JSON, or an image manifest without
digests or sizes, counts as one); a repository deleted during the run is skipped and noted in
the target's `notes`. Only missing credentials or a read-only violation stop the run.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import NoCredentialsError

from ..aws import Aws, describe_error, error_code
from ..errors import AwsError, InputError, ReadOnlyViolation
from ..process import heap_frozen
from ..snapshot import Snapshot, new_meta
from ..targets import Target, resolve_regions, resolve_targets, select_shard
from . import ecr, inuse, metrics, registry
from .cache import ManifestCache, default_cache_dir
from .early import Early
from .manifests import parse_manifest
from .schedule import Progress, Task, schedule
from .spool import ManifestSpool

#: CloudWatch keeps daily (period >= 1 h) datapoints for 455 days
MAX_PULL_DAYS = 455

#: images per manifest task: 10 BatchGetImage calls
MANIFEST_CHUNK = 1000

#: what ECR answers in an opt-in region the account has not enabled
NOT_ENABLED = ("UnrecognizedClientException", "InvalidClientTokenId")

#: unparsed manifests that are not a fault: another artifact type, or one ECR would not return
ACCEPTED_UNPARSED = ("unsupported manifest media type", "BatchGetImage: ")


@heap_frozen()
def collect(
    *,
    regions: Sequence[str] | None = None,
    all_regions: bool = False,
    profile: str | None = None,
    role_arns: Sequence[str] = (),
    org_role: str | None = None,
    endpoint_url: str | None = None,
    workers: int = 8,
    manifests: bool = True,
    pull_days: int = 30,
    cache_dir: str | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    session: Any = None,
    aws: Aws | None = None,
    in_use: bool = False,
    shard: tuple[int, int] | None = None,
) -> Snapshot:
    """Collect the ECR inventory of every target (see `ecrcost.targets`) into a `Snapshot`.

    `regions` / `all_regions` / `role_arns` / `org_role` choose the targets; `profile` or
    `session` (a boto3 Session) the base credentials; `endpoint_url` overrides every service's
    endpoint (also `AWS_ENDPOINT_URL`); `aws`, an `ecrcost.aws.Aws`, is used as it is instead
    (tests and notebooks inject one; `profile`, `session` and `endpoint_url` are then not used).
    `workers` threads share the work. `manifests=False` skips
    BatchGetImage (storage then falls back on imageSizeInBytes). `pull_days` days of CloudWatch
    pull counts (0: none). Fetched manifests are cached under `cache_dir` (default
    `$ECRCOST_CACHE_DIR` or the user cache directory) unless `use_cache` is false. `in_use` also
    reads what runs (ECS, Lambda, Inspector; `ecrcost.collectors.inuse`) into the `in_use` table.

    meta.json gets the targets (status / error / errors / notes), the registries' settings, the
    options as `settings` and `api_calls` (calls made, by "service:Operation").
    `shard=(K, N)` collects only the account-regions of shard K of N (`targets.shard_of`: a
    stable hash), so N jobs split an organization; `ecrcost merge` puts the shards together.
    Raises `TargetError` (bad region / role ARN), `AwsError` (no credentials), `InputError`.
    """
    if workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    if not 0 <= pull_days <= MAX_PULL_DAYS:
        raise InputError(f"--pull-days must be between 0 and {MAX_PULL_DAYS}, not {pull_days}")
    started = datetime.now(UTC)
    if aws is None:
        aws = Aws(profile=profile, session=session, endpoint_url=endpoint_url, workers=workers)
    early = None
    if not role_arns and org_role is None:  # base credentials: what needs no STS answer
        home = resolve_regions(regions, all_regions=all_regions, default=aws.default_region)[0]
        early = Early(aws, home, calls=0 if shard else workers - 1, pulls=pull_days > 0)
        for job in early.jobs():
            aws.at_first_call(job)
    every_target = resolve_targets(
        regions=regions, all_regions=all_regions, role_arns=role_arns, org_role=org_role, aws=aws
    )
    targets = select_shard(every_target, shard)
    aws.check_credentials()
    cache_path = (cache_dir or default_cache_dir()) if (use_cache and manifests) else None
    try:
        cache = ManifestCache(cache_path)
    except (OSError, sqlite3.Error) as e:
        raise InputError(
            f"--cache {cache_path}: cannot use it as the manifest cache ({e})"
        ) from None
    run = _Run(
        aws,
        cache,
        manifests=manifests,
        pull_days=pull_days,
        now=started,
        in_use=in_use,
        early=early,
    )
    try:
        schedule([run.target_task(t) for t in targets], workers, progress)
        tables = run.tables()
    finally:
        cache.close()
        run.parsed.close()
    meta = new_meta(
        collected_at=started.isoformat(timespec="seconds"),
        pull_days=pull_days,
        targets=[run.targets[(t.account_id, t.region)] for t in targets],
        registries=[run.registries[k] for k in sorted(run.registries)],
        settings={
            "regions": sorted({t.region for t in every_target}),
            "all_regions": all_regions,
            "profile": profile,
            "role_arns": list(role_arns),
            "org_role": org_role,
            "endpoint_url": aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"),
            "workers": workers,
            "manifests": manifests,
            "cache": str(cache_path) if cache_path else None,
            "in_use": in_use,
            "shard": f"{shard[0]}/{shard[1]}" if shard else None,
        },
        api_calls=aws.operations(),
    )
    if in_use:
        rows, unresolved = inuse.resolve(
            run.in_use_rows, Snapshot.build(images=tables["images"]).images
        )
        tables["in_use"] = rows
        meta["in_use"] = {
            "collected": True,
            "inspector": dict(sorted(run.inspector.items())),
            "unresolved": unresolved[:100],
        }
    return Snapshot.build(meta, **tables)


# ---- the run's state -----------------------------------------------------------------------------
@dataclass
class _Run:
    aws: Aws
    cache: ManifestCache
    manifests: bool
    pull_days: int
    now: datetime
    in_use: bool = False
    in_use_rows: list[dict[str, Any]] = field(default_factory=list)
    inspector: dict[str, str] = field(default_factory=dict)
    targets: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    registries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    repositories: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    parsed: ManifestSpool = field(default_factory=ManifestSpool)  # spilled to Parquet in batches
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: errors of each repository row, by (account_id, region, repository): (part, message); the
    #: parts run in parallel, the row's `error` lists them in part order (DETAIL_COLUMNS, images,
    #: manifests)
    row_errors: dict[tuple[str, str, str], list[tuple[int, str]]] = field(default_factory=dict)
    gone: set[tuple[str, str, str]] = field(default_factory=set)  # deleted while collected
    early: Early | None = None  # the first region's prefetched reads (see Early)

    def tables(self) -> dict[str, Any]:
        """Row lists for `Snapshot.build`, in a stable order."""
        key = ("account_id", "region", "repository")
        for row in self.repositories:
            errors = sorted(self.row_errors.get(tuple(row[k] for k in key), []))
            row["error"] = "; ".join(message for _, message in errors) or None
        return {
            "repositories": sorted(self.repositories, key=lambda r: tuple(r[k] for k in key)),
            "images": sorted(self.images, key=lambda r: (*(r[k] for k in key), r["digest"])),
            **self.parsed.tables(),
            "pulls": sorted(self.pulls, key=lambda r: (*(r[k] for k in key), r["date"])),
        }

    # -- bookkeeping (called from worker threads) --
    def _problem(self, t: Target, error: str, repository: str | None = None) -> None:
        with self.lock:
            entry = self.targets[(t.account_id, t.region)]
            entry["errors"].append({"repository": repository, "error": error})
            if entry["status"] == "ok":
                entry["status"] = "partial"
                entry["error"] = entry["error"] or error

    def _note(self, t: Target, repository: str | None, note: str) -> None:
        with self.lock:
            self.targets[(t.account_id, t.region)]["notes"].append(
                {"repository": repository, "note": note}
            )

    def _guard(
        self, t: Target, what: str, fn: Callable[[], list[Task]], repository: str | None = None
    ) -> list[Task]:
        """Run `fn`, turning any failure but a fatal one into an error of target `t`."""
        try:
            return fn()
        except (ReadOnlyViolation, AwsError):
            raise
        except NoCredentialsError as e:
            raise AwsError(f"no AWS credentials for {t.account_id} {t.region}: {e}") from None
        except ecr.RepositoryGone:
            if repository is not None and self._drop_repository(t, repository):
                self._note(t, repository, "deleted during collection; skipped")
            return []
        except Exception as e:  # noqa: BLE001 -- failures are data
            self._problem(t, f"{what}: {describe_error(e)}", repository)
            return []

    # -- tasks --
    def target_task(self, t: Target) -> Task:
        self.targets[(t.account_id, t.region)] = {
            "account_id": t.account_id,
            "region": t.region,
            "role_arn": t.role_arn,
            "status": "ok",
            "error": None,
            "errors": [],
            "notes": [],
        }

        def run() -> list[Task]:
            try:
                client = self.aws.client("ecr", t.region, t.role_arn)
                early = self.early.take(t) if self.early else None
                repos = early.repositories.result() if early else ecr.list_repositories(client)
            except (ReadOnlyViolation, AwsError):
                raise
            except Exception as e:  # noqa: BLE001 -- the whole target failed
                with self.lock:
                    entry = self.targets[(t.account_id, t.region)]
                    hint = (
                        " (is this region enabled for the account?)"
                        if error_code(e) in NOT_ENABLED
                        else ""
                    )
                    entry.update(status="failed", error=describe_error(e) + hint)
                    self.registries[(t.account_id, t.region)] = registry.unknown(
                        t.account_id, t.region
                    )
                return []
            rows = [ecr.repository_row(t.account_id, t.region, r) for r in repos]
            with self.lock:
                self.repositories += rows
            # A repository's calls are independent: DescribeImages (its manifests follow on the
            # same worker), then one task per detail call, so no repository holds a worker for
            # 4 round trips; repository by repository, so the image chains (the calls whose
            # answers take parsing) spread over the run instead of all starting at once. The
            # region-wide calls go first: nothing waits on them at the end.
            follow = []
            if self.pull_days > 0 and repos:
                follow.append(self.pulls_task(t, [r["repositoryName"] for r in repos]))
            if self.in_use:
                follow.append(self.in_use_task(t))
            follow += self.registry_tasks(t, client, early.settings if early else None)
            for row, r in zip(rows, repos, strict=True):
                follow.append(self.images_task(t, client, row))
                follow += [self.detail_task(t, client, row, r, c) for c in ecr.DETAIL_COLUMNS]
            return follow

        return Task(f"{t.account_id} {t.region}", run)

    def registry_tasks(
        self, t: Target, client: Any, early: dict[str, Future[tuple[Any, list[str]]]] | None
    ) -> list[Task]:
        """One task per registry setting (`registry.SETTINGS`), each its own call; `early`: the
        settings' prefetched answers (`Early`). A setting that cannot be read stays unknown."""
        key = (t.account_id, t.region)
        self.registries[key] = registry.unknown(*key)

        def task(name: str) -> Task:
            def run() -> list[Task]:
                if early and name in early:
                    value, errors = early[name].result()
                else:
                    probe = self.aws.client(
                        "ecr", t.region, t.role_arn, attempts=registry.PROBE_ATTEMPTS
                    )
                    value, errors = registry.read_setting(name, client, probe)
                with self.lock:
                    self.registries[key][name] = value
                for err in errors:
                    self._problem(t, f"registry: {err}")
                return []

            return Task(
                f"{t.account_id} {t.region} registry {name}",
                lambda: self._guard(t, "registry", run),
            )

        return [task(name) for name in registry.SETTINGS]

    def _row_error(self, t: Target, name: str, part: int, message: str) -> None:
        """Record an error of repository `name` (part: its place in the row's error text)."""
        with self.lock:
            self.row_errors.setdefault((t.account_id, t.region, name), []).append((part, message))
        self._problem(t, message, name)

    def detail_task(
        self, t: Target, client: Any, row: dict[str, Any], repo: dict[str, Any], column: str
    ) -> Task:
        """One of `ecr.DETAIL_COLUMNS` of a repository row (tags, lifecycle or repository policy)."""
        name = row["repository"]

        def run() -> list[Task]:
            try:
                got, errors = ecr.repository_detail(client, repo, column)
            except ecr.RepositoryGone:
                raise
            except Exception as e:  # noqa: BLE001
                got, errors = {}, [describe_error(e)]
            with self.lock:
                row.update(got)
            for err in errors:
                self._row_error(t, name, ecr.DETAIL_COLUMNS.index(column), err)
            return []

        return Task(
            f"{t.account_id} {t.region} {name} {column}",
            lambda: self._guard(t, "repository", run, name),
        )

    def images_task(self, t: Target, client: Any, row: dict[str, Any]) -> Task:
        """A repository's images (DescribeImages), then its manifests."""
        name = row["repository"]
        key = (t.account_id, t.region, name)

        def run() -> list[Task]:
            try:
                images = [
                    ecr.image_row(t.account_id, t.region, d)
                    for d in ecr.describe_images(client, name)
                ]
            except ecr.RepositoryGone:
                raise
            except Exception as e:  # noqa: BLE001
                with self.lock:
                    row["images_complete"] = False
                self._row_error(t, name, len(ecr.DETAIL_COLUMNS), f"images: {describe_error(e)}")
                return []
            with self.lock:
                if key in self.gone:  # found deleted by one of its other calls meanwhile
                    return []
                self.images += images
            if not (images and self.manifests):
                return []
            digests = [i["digest"] for i in images]
            listed = frozenset(digests)
            return [
                self.manifest_task(t, client, row, digests[i : i + MANIFEST_CHUNK], listed)
                for i in range(0, len(digests), MANIFEST_CHUNK)
            ]

        return Task(
            f"{t.account_id} {t.region} {name}", lambda: self._guard(t, "repository", run, name)
        )

    def manifest_task(
        self,
        t: Target,
        client: Any,
        row: dict[str, Any],
        digests: list[str],
        listed: frozenset[str],
    ) -> Task:
        """Manifests of up to MANIFEST_CHUNK images of one repository (so a big repository's
        BatchGetImage calls spread over the workers)."""
        name = row["repository"]

        def run() -> list[Task]:
            try:
                self._manifests(t, client, name, digests, listed)
            except ecr.RepositoryGone:
                raise
            except Exception as e:  # noqa: BLE001
                part = len(ecr.DETAIL_COLUMNS) + 1
                self._row_error(t, name, part, f"manifests: {describe_error(e)}")
            return []

        return Task(
            f"{t.account_id} {t.region} {name} manifests",
            lambda: self._guard(t, "manifests", run, name),
        )

    def _drop_repository(self, t: Target, name: str) -> bool:
        """Forget a repository found deleted after its rows were recorded. True the first time."""
        key = (t.account_id, t.region, name)

        def other(r: dict[str, Any]) -> bool:
            return (r["account_id"], r["region"], r["repository"]) != key

        with self.lock:
            if key in self.gone:
                return False
            self.gone.add(key)
            self.repositories = [r for r in self.repositories if other(r)]
            self.images = [i for i in self.images if other(i)]
            return True

    def pulls_task(self, t: Target, names: list[str]) -> Task:
        def run() -> list[Task]:
            client = self.aws.client("cloudwatch", t.region, t.role_arn)
            rows = metrics.collect_pulls(
                client, t.account_id, t.region, names, self.pull_days, self.now
            )
            with self.lock:
                self.pulls += rows
            return []

        return Task(f"{t.account_id} {t.region} pulls", lambda: self._guard(t, "pulls", run))

    def in_use_task(self, t: Target) -> Task:
        def run() -> list[Task]:
            rows, state, errors = inuse.collect_in_use(
                self.aws.client("ecs", t.region, t.role_arn),
                self.aws.client("lambda", t.region, t.role_arn),
                self.aws.client(
                    "inspector2", t.region, t.role_arn, attempts=registry.PROBE_ATTEMPTS
                ),
                self.now,
            )
            with self.lock:
                self.in_use_rows += rows
                self.inspector[f"{t.account_id} {t.region}"] = state
            for err in errors:
                self._problem(t, err)
            return []

        return Task(f"{t.account_id} {t.region} in use", lambda: self._guard(t, "in-use", run))

    def _manifests(
        self,
        t: Target,
        client: Any,
        repository: str,
        digests: list[str],
        listed: frozenset[str] = frozenset(),
    ) -> None:
        """Parse the manifests of `digests` and of their index children (cache first, then
        BatchGetImage), into `self.parsed`. Children in `listed` (images of the repository,
        fetched by their own task) are left to that task."""
        pending = set(digests)
        for _depth in range(4):  # image -> index -> nested index: never deeper in practice
            pending -= self.parsed.known(pending)
            if not pending:
                return
            docs = self.cache.get_many(pending)
            fetched, failed = ecr.batch_get_manifests(
                client, repository, sorted(pending - docs.keys())
            )
            self.cache.put_many(fetched)
            docs.update(fetched)
            children: set[str] = set()
            results = {}
            for digest, (media_type, text) in docs.items():
                results[digest] = parse_manifest(digest, media_type, text)
                children |= {c["child_digest"] for c in results[digest][2]}
            missing = []
            for digest, why in failed.items():
                if why.startswith("ImageNotFound"):
                    missing.append(digest)
                else:  # e.g. UnsupportedImageType: recorded as an unparsed manifest
                    results[digest] = (
                        {
                            "digest": digest,
                            "media_type": None,
                            "kind": "unparsed",
                            "error": f"BatchGetImage: {why}",
                        },
                        [],
                        [],
                    )
            for digest, (manifest, blobs, kids) in results.items():
                self.parsed.add(digest, manifest, blobs, kids)
            for digest in sorted(results):
                m = results[digest][0]
                if m["kind"] == "unparsed" and not m["error"].startswith(ACCEPTED_UNPARSED):
                    # not JSON, or an image/index without digests or sizes: its storage is unknown
                    self._problem(t, f"manifest {digest} unparsable: {m['error']}", repository)
            if missing:
                self._note(
                    t,
                    repository,
                    f"{len(missing)} manifest(s) not found by BatchGetImage "
                    f"(deleted during collection?): {', '.join(sorted(missing)[:5])}",
                )
            pending = children - listed
