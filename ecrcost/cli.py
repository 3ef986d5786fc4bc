"""The `ecrcost` command: a thin click shell over the public library.

Each command parses its options, calls one public function, renders the result, and turns
library errors (`ecrcost.errors.EcrcostError`) into a one-line message with exit code 1.
Exit codes: 0 success; 1 error; 3 partial (some account-regions failed; listed on stderr).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .errors import EcrcostError

EXIT_PARTIAL = 3


class EcrcostGroup(click.Group):
    """A click group whose commands turn expected errors into clean messages (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EcrcostError as e:
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)


# ---- shared options ------------------------------------------------------------------------------
def format_option(default: str = "table") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--format table|csv|json|markdown."""
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "csv", "json", "markdown"]), default=default,
        show_default=True, help="Output format.",
    )


def prices_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--prices FILE: a price catalog of the user's own instead of the bundled one."""
    return click.option(
        "--prices", "prices_file", type=click.Path(dir_okay=False), default=None,
        help="Use this price catalog (CSV) instead of the bundled one.",
    )(f)


def traffic_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--traffic FILE: the traffic profile (TOML) saying where pulls go."""
    return click.option(
        "--traffic", "traffic_file", type=click.Path(dir_okay=False), default=None,
        help="Traffic profile (TOML): shares of pulled bytes by destination. Without it egress cost is unknown.",
    )(f)


def snapshot_argument(f: Callable[..., Any]) -> Callable[..., Any]:
    """SNAPSHOT: a directory written by `ecrcost collect`."""
    return click.argument("snapshot", type=click.Path(file_okay=False))(f)


def echo_output(text: str) -> None:
    """Write rendered output to stdout without an extra newline."""
    click.echo(text, nl=not text.endswith("\n"))


def report_incomplete(snapshot: Any) -> int:
    """Print the snapshot's failed/partial account-regions to stderr; return the exit code."""
    bad = snapshot.incomplete_targets
    if len(bad) == 0:
        return 0
    click.echo(f"Incomplete: {len(bad)} account-region(s) failed or were partial:", err=True)
    for t in bad.itertuples(index=False):
        click.echo(f"  {t.account_id} {t.region}: {t.status}: {t.error or ''}".rstrip(), err=True)
    return EXIT_PARTIAL


def with_examples(*lines: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Append an Examples section to a command's help."""

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        example = "\n\n\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
        f.__doc__ = (f.__doc__ or "").rstrip() + example
        return f

    return deco


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


# Commands are defined in the sections below, one per issue/stage. Each is a thin shell.

# ---- collect -------------------------------------------------------------------------------------
# (owned by the collector stage)

# ---- costs and prices ----------------------------------------------------------------------------
# (owned by the pricing stage)
def _method_lines(method: dict[str, Any]) -> list[str]:
    return [f"{k}: {v}" for k, v in method.items() if v is not None and v != ""]


def _emit_with_method(text: str, method: dict[str, Any], fmt: str) -> None:
    """Print `text`, then the rules used: after a table/Markdown, on stderr for CSV/JSON."""
    echo_output(text)
    lines = _method_lines(method)
    if fmt == "markdown":
        click.echo("\n" + "\n".join(f"- {line}" for line in lines))
    elif fmt == "table":
        click.echo("\n".join(lines))
    else:
        click.echo("\n".join(lines), err=True)


@cli.command("costs")
@snapshot_argument
@click.option("--by", type=click.Choice(["repository", "account", "region", "total"]),
              default="repository", show_default=True, help="One row per ...")
@click.option("--scope", type=click.Choice(["repository", "registry"]), default="repository",
              show_default=True, help="Deduplicate layers within each repository or each account+region.")
@click.option("--month", default=None, metavar="YYYY-MM",
              help="Estimate that calendar month, pro-rated by the hours each blob was stored.")
@click.option("--free-tier", is_flag=True, help="Subtract free allowances (100 GB internet egress, "
              "legacy 500 MB ECR storage). Off by default.")
@traffic_option
@prices_option
@format_option()
@with_examples(
    "ecrcost costs snap",
    "ecrcost costs snap --traffic profile.toml --format json",
    "ecrcost costs snap --by account --scope registry --month 2026-10",
)
def costs_command(snapshot: str, by: str, scope: str, month: str | None, free_tier: bool,
                  traffic_file: str | None, prices_file: str | None, fmt: str) -> None:
    """Monthly cost of SNAPSHOT's repositories: deduplicated storage, egress and replication.

    Without --traffic, egress GB is shown but its cost is unknown ("n/a"), never $0. Rules used
    (catalog date, egress rule, free tier) are printed after the table (on stderr for csv/json).
    """
    from .pricing.model import costs
    from .reporting.tables import render
    from .snapshot import load_snapshot

    snap = load_snapshot(snapshot)
    df = costs(snap, by=by, scope=scope, traffic=traffic_file, prices=prices_file, month=month,
               free_tier=free_tier)
    _emit_with_method(render(df, fmt, title=f"ECR costs by {by}"), df.attrs["method"], fmt)
    code = report_incomplete(snap)
    if code:
        sys.exit(code)

# ---- compare -------------------------------------------------------------------------------------
# (owned by the comparison stage)

# ---- report --------------------------------------------------------------------------------------
# (owned by the report stage)
@cli.command("report")
@snapshot_argument
@click.option("--baseline", type=click.Path(file_okay=False), default=None,
              help="An older snapshot (e.g. last month's) for the month-over-month section.")
@traffic_option
@prices_option
@click.option("--scope", type=click.Choice(["repository", "registry"]), default="repository",
              show_default=True, help="Deduplicate layers within each repository or each account+region.")
@click.option("--free-tier", is_flag=True, help="Subtract free allowances, as `ecrcost costs --free-tier`.")
@click.option("--users", type=int, default=None, help="Seats for the registry comparison (per-user plans).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output directory  [default: reports/<YYYY-MM> of the snapshot's collection time]")
@click.option("--force", is_flag=True, help="Replace the output directory if it exists.")
@with_examples(
    "ecrcost report snap",
    "ecrcost report snap --baseline snap-2026-10 --traffic profile.toml --out reports/2026-11 --force",
)
def report_command(snapshot: str, baseline: str | None, traffic_file: str | None, prices_file: str | None,
                   scope: str, free_tier: bool, users: int | None, out_dir: str | None, force: bool) -> None:
    """Write the monthly report of SNAPSHOT: index.html (self-contained), report.md, a CSV per table
    and charts/*.png.

    Sections: summary, where the money goes, growth (and month over month with --baseline),
    savings candidates, egress, alternatives, coverage, method. Exits 3 (report still written) when
    some account-regions of the snapshot failed or were partial.
    """
    from pathlib import Path

    from .errors import OutputExistsError
    from .reporting.monthly import report
    from .snapshot import load_snapshot

    snap = load_snapshot(snapshot)
    out = Path(out_dir) if out_dir else Path("reports") / snap.collected_at.strftime("%Y-%m")
    if out.exists() and not force:  # refuse before the work, not after
        raise OutputExistsError(f"{out} already exists; pass --force to replace it")
    rep = report(snap, baseline=baseline, traffic=traffic_file, prices=prices_file, scope=scope,
                 free_tier=free_tier, users=users)
    path = rep.save(out, force=force)
    click.echo(f"Wrote {path / 'index.html'}, {path / 'report.md'}, {len(rep.tables)} CSV tables and "
               f"{len(rep.charts)} charts in {path}/")
    code = report_incomplete(snap)
    if code:
        sys.exit(code)


# ---- demo ----------------------------------------------------------------------------------------
# (owned by the demo stage)

