"""`ecrcost collect`: read the chosen accounts and regions into a snapshot directory (collect stage)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from .. import text
from .options import EXIT_PARTIAL, report_incomplete, with_examples


@click.command("collect")
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="R",
    help="Region to collect (repeatable). Default: the configured region (AWS_REGION / profile).",
)
@click.option(
    "--all-regions", is_flag=True, help="Every region where ECR is available in the partition."
)
@click.option(
    "--profile",
    default=None,
    help="AWS profile for the base credentials (else AWS_PROFILE / the default chain).",
)
@click.option(
    "--role-arn",
    "role_arns",
    multiple=True,
    metavar="ARN",
    help="Assume this role and collect its account (repeatable).",
)
@click.option(
    "--org-role",
    default=None,
    metavar="NAME",
    help="Assume role NAME in every ACTIVE account of the AWS Organization.",
)
@click.option(
    "--endpoint-url",
    default=None,
    metavar="URL",
    help="Send every AWS call to this endpoint (an emulator or ECR-compatible service; also AWS_ENDPOINT_URL).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Concurrent requests across account x region x repository (1: serial).",
)
@click.option(
    "--no-manifests",
    is_flag=True,
    help="Skip BatchGetImage (storage then falls back on imageSizeInBytes).",
)
@click.option(
    "--pull-days",
    type=click.IntRange(0, 455),
    default=30,
    show_default=True,
    help="Days of CloudWatch RepositoryPullCount to collect (0: none).",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Manifest cache directory (default: ECRCOST_CACHE_DIR or the user cache dir).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the manifest cache.")
@click.option(
    "--in-use",
    is_flag=True,
    help="Also read what runs (ECS tasks and services, Lambda image functions, Inspector "
    "in-use counts) so `ecrcost lifecycle` never expires it.",
)
@click.option(
    "--out", required=True, type=click.Path(file_okay=False), help="Snapshot directory to write."
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Exit 0 when no repository is found at all (else: a warning naming each empty "
    "account-region, and exit 3).",
)
@click.option(
    "--shard",
    default=None,
    metavar="K/N",
    help="Collect only shard K of N of the account-regions (a stable hash); combine the N "
    "snapshots with `ecrcost merge`.",
)
@with_examples(
    "ecrcost collect --region us-east-1 --out snap",
    "ecrcost collect --all-regions --org-role OrganizationAccountAccessRole --out snap-2026-11",
    "ecrcost collect --region eu-west-1 --endpoint-url http://127.0.0.1:5000 --out snap --force",
    "ecrcost collect --region us-east-1 --in-use --out snap",
)
def collect_command(
    regions: tuple[str, ...],
    all_regions: bool,
    profile: str | None,
    role_arns: tuple[str, ...],
    org_role: str | None,
    endpoint_url: str | None,
    workers: int,
    no_manifests: bool,
    pull_days: int,
    cache_dir: str | None,
    no_cache: bool,
    in_use: bool,
    out: str,
    force: bool,
    quiet: bool,
    allow_empty: bool,
    shard: str | None,
) -> None:
    """Collect every repository, image, manifest and daily pull count of the chosen accounts and
    regions (read-only) into the snapshot directory --out.

    Exits 3 when some account-region or repository could not be collected (listed on stderr);
    the snapshot is still written and says what is missing. An account-region without any
    repository is warned about (a wrong --region or a forgotten --role-arn looks like that); when
    nothing at all was found the exit code is 3 unless --allow-empty.
    """
    from pathlib import Path

    from ..collectors import collect
    from ..errors import InputError, OutputExistsError
    from ..files import check_writable
    from ..targets import parse_shard

    if Path(out).exists() and not force:
        raise OutputExistsError(f"--out {out} already exists; pass --force to replace it")
    check_writable(out)  # before collecting, not after
    shard_kn = parse_shard(shard) if shard else None
    with _collect_progress(quiet) as progress:
        snap = collect(
            regions=regions or None,
            all_regions=all_regions,
            profile=profile,
            role_arns=role_arns,
            org_role=org_role,
            endpoint_url=endpoint_url,
            workers=workers,
            manifests=not no_manifests,
            pull_days=pull_days,
            cache_dir=cache_dir,
            use_cache=not no_cache,
            progress=progress,
            in_use=in_use,
            shard=shard_kn,
        )
    try:
        snap.write(out, force=force)
    except OSError as e:
        raise InputError(f"--out {out}: cannot write the snapshot ({e})") from None
    if not quiet:
        t = snap.targets
        click.echo(
            f"Wrote {out}: {len(t)} account-region(s), {len(snap.repositories)} repositories, "
            f"{len(snap.images)} images, {len(snap.manifests)} manifests, "
            f"{sum(snap.meta.get('api_calls', {}).values())} API calls.",
            err=True,
        )
        _echo_entries(snap, "notes", "note", "  note: ", "")
    empty = _empty_targets(snap)
    code = report_incomplete(snap)
    if code:
        _echo_entries(snap, "errors", "error", "  ", "(registry)")
        sys.exit(code)
    if empty and len(snap.repositories) == 0 and not allow_empty:
        click.echo(
            "Nothing collected: no repository in any account-region; pass --allow-empty if "
            "that is expected (exit 3).",
            err=True,
        )
        sys.exit(EXIT_PARTIAL)


def _empty_targets(snap: Any) -> list[tuple[str, str]]:
    """Warn (stderr, even with --quiet) about each collected account-region without a repository:
    a wrong --region, a forgotten --role-arn or --profile look exactly like that."""
    have = set(zip(snap.repositories["account_id"], snap.repositories["region"], strict=True))
    empty = [
        (t["account_id"], t["region"])
        for t in snap.meta["targets"]
        if t["status"] == "ok" and (t["account_id"], t["region"]) not in have
    ]
    for account, region in empty:
        click.echo(
            text.terminal(
                f"Warning: no repositories in account {account} region {region} (wrong --region, "
                "or a forgotten --role-arn / --profile?)"
            ),
            err=True,
        )
    return empty


class _collect_progress:
    """A rich progress bar on stderr while collecting, only when stderr is a terminal."""

    def __init__(self, quiet: bool) -> None:
        self.bar: Any = None
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("collecting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> Callable[[int, int, str], None] | None:
        if self.bar is None:
            return None
        self.bar.start()
        task = self.bar.add_task("", total=None)

        def update(done: int, total: int, label: str) -> None:
            self.bar.update(task, completed=done, total=total, description=label)

        return update

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


def _echo_entries(snap: Any, key: str, field: str, lead: str, no_repository: str) -> None:
    """One stderr line per `key` entry ("notes" / "errors", text in `field`) of every target."""
    for target in snap.meta["targets"]:
        for entry in target.get(key, []):
            click.echo(
                text.terminal(
                    f"{lead}{target['account_id']} {target['region']} "
                    f"{entry.get('repository') or no_repository}: {entry[field]}"
                ),
                err=True,
            )
