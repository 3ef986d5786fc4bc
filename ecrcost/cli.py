"""The `ecrcost` command: a thin click shell over the public library.

Each command parses its options, calls one public function, renders the result, and turns
library errors (`ecrcost.errors.EcrcostError`) into a one-line message with exit code 1.
Exit codes: 0 success; 1 error (one line, no traceback); 2 usage error (click: unknown option,
bad value); 3 partial (some account-regions failed; listed on stderr; also `collect` finding no
repository at all without --allow-empty); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__, text
from .commands.bill import bill_group
from .commands.diff import diff_command
from .commands.lifecycle import lifecycle_command
from .commands.merge import merge_command
from .commands.options import (
    EXIT_PARTIAL,
    EcrcostGroup,
    GroupingParam,
    apply_epilogs,
    bill_option,
    columns_options,
    echo_output,
    envelope_option,
    exit_if_incomplete,
    format_option,
    prices_option,
    report_incomplete,
    scope_option,
    snapshot_argument,
    split_columns,
    traffic_option,
    users_option,
    with_examples,
)
from .commands.reconcile import reconcile_command
from .commands.sql import sql_command


@click.group(cls=EcrcostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecrcost")
def cli() -> None:
    """What your Amazon ECR registry really costs, where the money goes, and what it would
    cost elsewhere. 1 GB = 2^30 bytes.

    \b
    Examples:
      ecrcost demo
      ecrcost collect --region us-east-1 --out snap
      ecrcost costs snap --format json
    """


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ecrcost")


# The commands, one section per stage (new commands go in ecrcost/commands/<feature>.py). Each
# imports the library inside its function, so `ecrcost --help` starts without pandas or boto3.


# ---- collect -------------------------------------------------------------------------------------
@cli.command("collect")
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

    from .collectors import collect
    from .errors import InputError, OutputExistsError
    from .files import check_writable
    from .targets import parse_shard

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
        for target in snap.meta["targets"]:
            for n in target.get("notes", []):
                click.echo(
                    text.terminal(
                        f"  note: {target['account_id']} {target['region']} "
                        f"{n.get('repository') or ''}: {n['note']}"
                    ),
                    err=True,
                )
    empty = _empty_targets(snap)
    code = report_incomplete(snap)
    if code:
        for target in snap.meta["targets"]:
            for err in target.get("errors", []):
                click.echo(
                    text.terminal(
                        f"  {target['account_id']} {target['region']} "
                        f"{err.get('repository') or '(registry)'}: {err['error']}"
                    ),
                    err=True,
                )
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


# ---- costs and prices ----------------------------------------------------------------------------
def _emit_with_method(
    df: Any,
    fmt: str,
    title: str,
    *,
    envelope: bool = False,
    columns: list[str] | None = None,
    wide: bool = False,
) -> None:
    """Print `df` and, under it (or on stderr for csv/json), its notes and rules; with
    `envelope`, JSON is one object carrying the rows, the method and the units. Terminal tables
    show the columns that fit (or `columns`, or with `wide` all of them)."""
    from .reporting.notes import render_with_notes
    from .reporting.tables import to_json_envelope

    if fmt == "json" and envelope:
        echo_output(to_json_envelope(df, title=title))
        return
    table, footer, to_stderr = render_with_notes(df, fmt, title, columns=columns, wide=wide)
    echo_output(table)
    click.echo(footer, err=to_stderr)


@cli.command("costs")
@snapshot_argument
@click.option(
    "--by",
    type=GroupingParam(["repository", "account", "region", "total"]),
    default="repository",
    show_default=True,
    metavar="repository|account|region|total|tag:KEY|prefix[:DEPTH]",
    help="One row per repository, account, region, one total, or per chargeback group: a resource "
    'tag (tag:team; "untagged" for repositories without it) or a name prefix (prefix:1).',
)
@scope_option
@click.option(
    "--month",
    default=None,
    metavar="YYYY-MM",
    help="Estimate that calendar month, pro-rated by the hours each blob was stored.",
)
@click.option(
    "--free-tier",
    is_flag=True,
    help="Subtract free allowances (100 GB internet egress, "
    "legacy 500 MB ECR storage). Off by default.",
)
@traffic_option
@bill_option
@prices_option
@format_option()
@envelope_option
@columns_options
@with_examples(
    "ecrcost costs snap",
    "ecrcost costs snap --traffic profile.toml --format json",
    "ecrcost costs snap --by account --scope registry --month 2026-10",
    "ecrcost costs snap --traffic profile.toml --bill bill --month 2026-11",
    "ecrcost costs snap --by tag:team --traffic profile.toml --output csv",
)
def costs_command(
    snapshot: str,
    by: str,
    scope: str,
    month: str | None,
    free_tier: bool,
    traffic_file: str | None,
    bill_dir: str | None,
    prices_file: str | None,
    fmt: str,
    envelope: bool,
    columns: str | None,
    wide: bool,
) -> None:
    """Monthly cost of SNAPSHOT's repositories: deduplicated storage, egress and replication.

    Without --traffic, egress GB is shown but its cost is unknown ("n/a"), never $0. The rules
    used (catalog date, period, egress rule, free tier) are printed after the table (on stderr
    for csv/json). With --bill, the billed transfer-out GB of each account x region the bill
    covers (of --month, else the bill's latest month) replace the traffic profile's guess there,
    allocated to repositories by their pulled GB. 1 GB = 2^30 bytes.
    """
    from .pricing.summary import costs
    from .snapshot import load_snapshot

    snap = load_snapshot(snapshot)
    df = costs(
        snap,
        by=by,
        scope=scope,
        traffic=traffic_file,
        prices=prices_file,
        month=month,
        free_tier=free_tier,
        bill=bill_dir,
    )
    _emit_with_method(
        df,
        fmt,
        title=f"ECR costs by {by}",
        envelope=envelope,
        columns=split_columns(columns),
        wide=wide,
    )
    exit_if_incomplete(snap)


@cli.group("prices", cls=EcrcostGroup)
def prices_group() -> None:
    """The dated price catalog: show it, or refresh it from the AWS Price List API."""


@prices_group.command("show")
@prices_option
@format_option()
@with_examples("ecrcost prices show", "ecrcost prices show --prices my-prices.csv --format csv")
def prices_show(prices_file: str | None, fmt: str) -> None:
    """List the price catalog in use: every price with its source URL, source date, read date and
    confidence. Region "*" rows are the documented fallbacks."""
    from .pricing.catalog import load_catalog
    from .reporting.tables import render

    catalog = load_catalog(prices_file)
    df = catalog.show(compact=fmt in ("table", "markdown"))
    echo_output(render(df, fmt, title=f"Price catalog {catalog.label} ({catalog.date})"))
    line = f"catalog: {catalog.label}; catalog_date: {catalog.date}; 1 GB = 2^30 bytes"
    click.echo(line, err=fmt in ("csv", "json"))


@prices_group.command("refresh")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write the new catalog  [default: ./aws-<today>.csv]",
)
@click.option(
    "--region",
    "region",
    type=click.Choice(["us-east-1", "eu-central-1", "ap-south-1"]),
    default="us-east-1",
    show_default=True,
    help="Price List API endpoint region.",
)
@click.option("--profile", default=None, help="AWS profile (else AWS_PROFILE / the default chain).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@prices_option
@with_examples("ecrcost prices refresh --out prices.csv", "ecrcost costs snap --prices prices.csv")
def prices_refresh(
    out: str | None, region: str, profile: str | None, force: bool, prices_file: str | None
) -> None:
    """Read AmazonECR and AWSDataTransfer prices from the AWS Price List API (pricing:GetProducts)
    and write a new dated catalog: the current catalog (or --prices) with the AWS rows replaced."""
    from datetime import UTC, datetime

    from .aws import Aws
    from .pricing.catalog import load_catalog
    from .pricing.refresh import refresh

    today = datetime.now(UTC).date().isoformat()
    aws = Aws(profile=profile)
    aws.check_credentials()
    path, result = refresh(
        aws.client("pricing", region),
        out or f"aws-{today}.csv",
        base=load_catalog(prices_file),
        region=region,
        force=force,
        today=today,
    )
    click.echo(
        f"Wrote {path}: {result.used} of {result.products} products used, "
        f"{len(result.rows)} AWS rows refreshed ({result.calls} GetProducts calls)."
    )
    for problem in result.problems:
        click.echo(text.terminal(f"  skipped: {problem}"), err=True)


# ---- compare -------------------------------------------------------------------------------------
@cli.command("compare")
@snapshot_argument
@traffic_option
@bill_option
@users_option
@prices_option
@click.option(
    "--plans",
    "plans_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Use this registry plan file (CSV) instead of the bundled one.",
)
@click.option(
    "--dimensions",
    "show_dimensions",
    is_flag=True,
    help="Show the four-dimension comparison (workflow, auth, availability, pricing) instead.",
)
@format_option()
@with_examples(
    "ecrcost compare snap",
    "ecrcost compare snap --traffic profile.toml --users 12 --format json",
    "ecrcost compare snap --dimensions --format markdown",
)
def compare_command(
    snapshot: str,
    traffic_file: str | None,
    bill_dir: str | None,
    users: int | None,
    prices_file: str | None,
    plans_file: str | None,
    show_dimensions: bool,
    fmt: str,
) -> None:
    """What SNAPSHOT's workload (stored GB, repositories, pulls, egress, seats) would cost on every
    plan of ECR, ECR Public, Docker Hub, GHCR, Google Artifact Registry, Azure ACR, Quay.io, JFrog
    Artifactory and GitLab.com; the cheapest plan that fits each registry is marked.

    Without --traffic, transfer is unknown ("n/a") for every registry that charges for it. The
    workload and the rules used are printed after the table (on stderr for csv/json).
    """
    from .registries import compare, dimensions
    from .registries.comparison import MONEY_COLUMNS
    from .reporting.tables import render
    from .snapshot import load_snapshot

    snap = load_snapshot(snapshot)
    df = compare(
        snap, traffic=traffic_file, users=users, prices=prices_file, plans=plans_file, bill=bill_dir
    )
    w = df.attrs["workload"]
    lines = {
        "workload": (
            f"stored {w['stored_gb']:,.2f} GB (layers deduplicated per repository), "
            f"{w['stored_gb_global']:,.2f} GB (each distinct blob once); {w['repositories']} private "
            f"repositories; {w['pulls_per_month']:,.0f} pulls/month; "
            + (
                f"{w['pulled_gb']:,.2f} GB pulled/month"
                if w["traffic_given"]
                else "pulled GB unknown (no --traffic)"
            )
            + f"; {w['users']} user(s){'' if w['users_given'] else ' (default)'}"
        ),
        "units": "USD per month; 1 GB = 2^30 bytes; n/a = unknown",
        "ecr_catalog_date": df.attrs["method"].get("catalog_date"),
    }
    if show_dimensions:
        echo_output(render(dimensions(df), fmt, title="Registries compared on four dimensions"))
    elif fmt == "table":  # the wide text columns become numbered notes under the table
        shown = df[[*MONEY_COLUMNS, "fits", "cheapest", "confidence", "upper_bound"]].assign(
            note=[f"[{i}]" for i in range(1, len(df) + 1)]
        )
        echo_output(render(shown, fmt, title="The same workload on other registries"))
        for i, r in enumerate(df.itertuples(index=False), start=1):
            why = f"does not fit: {r.fit_reason}; " if r.fit_reason else ""
            line = f"[{i}] {r.registry} {r.plan}: {why}{r.notes} (prices of {r.price_date})"
            click.echo(text.terminal(line))
        click.echo(
            "monthly_usd is what is billed today (the cheapest plan is chosen on it); unbilled_usd "
            "is what published but uncharged rates would add; ≤ marks an upper bound."
        )
    else:
        echo_output(render(df, fmt, title="The same workload on other registries"))
    footer = [f"{k}: {v}" for k, v in lines.items() if v]
    if fmt == "markdown":
        click.echo("\n" + "\n".join(f"- {line}" for line in footer))
    else:  # after the table; on stderr for csv/json so stdout stays parseable
        click.echo("\n".join(footer), err=fmt in ("csv", "json"))
    exit_if_incomplete(snap)


# ---- report --------------------------------------------------------------------------------------
@cli.command("report")
@snapshot_argument
@click.option(
    "--baseline",
    default=None,
    metavar="SNAPSHOT|auto",
    help="An older snapshot for month over month, or auto: the newest snapshot of the previous "
    "month found in --history (none found: the report says no baseline).",
)
@click.option(
    "--history",
    "history_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory of earlier snapshots for the trend, forecast and --baseline auto  "
    "[default: the snapshot's parent directory]",
)
@click.option(
    "--month",
    default=None,
    metavar="YYYY-MM",
    help="The month the figures describe  [default: the collection month; a snapshot of the "
    "first 5 days of a month reports the month before]",
)
@click.option(
    "--by",
    type=GroupingParam(),
    default=None,
    metavar="tag:KEY|prefix[:DEPTH]",
    help="Chargeback grouping  [default: tag:team when repositories carry it, else prefix:1]",
)
@traffic_option
@bill_option
@prices_option
@scope_option
@click.option(
    "--free-tier", is_flag=True, help="Subtract free allowances, as `ecrcost costs --free-tier`."
)
@users_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Output directory  [default: reports/<YYYY-MM> of the month reported]",
)
@click.option("--force", is_flag=True, help="Replace the output directory if it exists.")
@click.option(
    "--pdf", is_flag=True, help="Also print report.pdf with headless Chromium (found on PATH)."
)
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Exit 0 when some account-regions failed or were partial (the report, written either "
    "way, carries the coverage warning); without it such a report exits 3.",
)
@with_examples(
    "ecrcost report snap",
    "ecrcost report snapshots/2026-12-01 --history snapshots --baseline auto --traffic traffic.toml",
    "ecrcost report snap --baseline snap-2026-10 --month 2026-11 --by tag:team --pdf --force",
)
def report_command(
    snapshot: str,
    baseline: str | None,
    history_dir: str | None,
    month: str | None,
    by: str | None,
    traffic_file: str | None,
    bill_dir: str | None,
    prices_file: str | None,
    scope: str,
    free_tier: bool,
    users: int | None,
    out_dir: str | None,
    force: bool,
    pdf: bool,
    allow_partial: bool,
) -> None:
    """Write the monthly report of SNAPSHOT: index.html (self-contained), report.md, a CSV per table
    and charts/*.png (and report.pdf with --pdf).

    It opens with the month's answers (total and change, biggest movers, savings available now,
    the cheapest billed alternative, coverage), then summary, where the money goes, chargeback,
    growth (month over month with a baseline), trend and forecast (from --history), savings,
    egress, alternatives, coverage and method. A first report without a baseline succeeds and
    says so. Exits 3 (report still written) when some account-regions failed or were partial,
    unless --allow-partial.
    """
    from pathlib import Path

    from .errors import OutputExistsError
    from .files import check_writable
    from .history import check_month, find_snapshots, report_month
    from .reporting.monthly import report
    from .reporting.pdf import print_pdf
    from .snapshot import load_snapshot

    snap = load_snapshot(snapshot)
    period = check_month(month) if month else report_month(snap.collected_at)
    out = Path(out_dir) if out_dir else Path("reports") / period
    if out.exists() and not force:  # refuse before the work, not after
        raise OutputExistsError(f"{out} already exists; pass --force to replace it")
    check_writable(out)  # an unwritable --out fails now, not after computing the whole report
    if history_dir is not None:
        found = find_snapshots(history_dir)
    else:  # the snapshot's siblings (snapshots/2026-11-01, snapshots/2026-12-01, ...)
        found = find_snapshots(Path(snapshot).resolve().parent, depth=1)
    for skipped in found.attrs.get("skipped", []):
        click.echo(f"  history: skipped {skipped}", err=True)
    rep = report(
        snap,
        baseline=baseline,
        traffic=traffic_file,
        bill=bill_dir,
        prices=prices_file,
        scope=scope,
        free_tier=free_tier,
        users=users,
        month=period,
        history=found,
        by=by,
    )
    path = rep.save(out, force=force)
    click.echo(
        f"Wrote {path / 'index.html'}, {path / 'report.md'}, {len(rep.tables)} CSV tables and "
        f"{len(rep.charts)} charts in {path}/ ({rep.title}; "
        + ("no baseline" if rep.baseline is None else f"baseline {rep.baseline}")
        + ")"
    )
    if pdf:
        click.echo(f"Wrote {print_pdf(path / 'index.html', path / 'report.pdf')}")
    code = report_incomplete(snap)
    if code and not allow_partial:
        sys.exit(code)


# ---- demo ----------------------------------------------------------------------------------------


@cli.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="reports/demo",
    show_default=True,
    help="Report directory (the snapshot and traffic profile are written beside the report). "
    "An earlier demo there is replaced.",
)
@click.option(
    "--size",
    type=click.Choice(["small", "default"]),
    default="default",
    show_default=True,
    help="Synthetic organization: default (40+ repositories, 3,000+ images) or small.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the synthetic organization."
)
@click.option(
    "--force", is_flag=True, help="Replace --out even if it is not an earlier demo's output."
)
@with_examples("ecrcost demo", "ecrcost demo --size small --out /tmp/ecrcost-demo")
def demo_command(out_dir: str, size: str, seed: int, force: bool) -> None:
    """Run the whole product on an embedded AWS emulator: no AWS account, no network.

    Starts moto's server on 127.0.0.1, seeds a realistic synthetic organization (2 accounts x 2
    regions), collects it over HTTP with the real collector, prices it, compares registries and
    writes the monthly report. Prints a summary and the report's path.
    """
    from .demo import run_demo, summary
    from .reporting.tables import render

    click.echo("Starting the embedded AWS emulator (127.0.0.1 only) ...")
    result = run_demo(out=out_dir, size=size, seed=seed, force=force, echo=click.echo)
    by_registry, cheapest = summary(result)
    echo_output(
        render(by_registry, title="Monthly ECR cost by account and region (1 GB = 2^30 bytes)")
    )
    echo_output(
        render(
            cheapest,
            title="The same workload elsewhere: each registry's cheapest plan that fits (USD/month)",
        )
    )
    if cheapest.attrs.get("note"):
        click.echo(cheapest.attrs["note"])
    click.echo(f"Report: {result.index_html}")
    click.echo(f"Snapshot: {result.snapshot_dir}  Traffic profile: {result.traffic_file}")
    click.echo(f"Try: ecrcost costs {result.snapshot_dir} --traffic {result.traffic_file}")
    click.echo(
        f"     ecrcost compare {result.snapshot_dir} --traffic {result.traffic_file}  (plans, notes, sources)"
    )
    exit_if_incomplete(result.snapshot)


cli.add_command(bill_group)
cli.add_command(reconcile_command)
cli.add_command(lifecycle_command)
cli.add_command(sql_command)
cli.add_command(merge_command)
cli.add_command(diff_command)
apply_epilogs(cli)  # every command's examples as click's epilog
