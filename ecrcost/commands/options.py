"""Shared CLI pieces: option decorators (format, prices, traffic, users, scope, snapshot argument,
examples in the help) and the error/exit helpers (clean one-line errors, exit 3 when partial).

Every command uses these, so an option is spelled, defaulted and validated in one place:

    @cli.command("mine")
    @snapshot_argument
    @traffic_option
    @users_option
    @format_option()
    @with_examples("ecrcost mine snap")
    def mine(snapshot, traffic_file, users, fmt): ...
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from .. import text
from ..errors import EcrcostError

EXIT_PARTIAL = 3


class EcrcostGroup(click.Group):
    """A click group whose commands turn expected errors into clean messages (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EcrcostError as e:
            # messages quote user input and AWS error text: one terminal-safe line
            raise click.ClickException(text.terminal(e)) from None
        except OSError as e:
            # a safety net: a file that cannot be read or written (permissions, disk full) is one
            # line naming it (exit 1), not a traceback
            where = f"{e.filename}: " if e.filename else ""
            raise click.ClickException(text.terminal(f"{where}{e.strerror or e}")) from None
        except Exception as e:
            # a safety net: an AWS error no library function anticipated is still a one-line
            # message (exit 1), not a traceback
            if type(e).__module__.startswith(("botocore.", "boto3.")):
                raise click.ClickException(text.terminal(f"AWS: {e}")) from None
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)


def format_option(default: str = "table") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--format table|csv|json|markdown."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json", "markdown"]),
        default=default,
        show_default=True,
        help="Output format.",
    )


def prices_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--prices FILE: a price catalog of the user's own instead of the bundled one."""
    return click.option(
        "--prices",
        "prices_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Use this price catalog (CSV) instead of the bundled one.",
    )(f)


def traffic_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--traffic FILE: the traffic profile (TOML) saying where pulls go."""
    return click.option(
        "--traffic",
        "traffic_file",
        type=click.Path(dir_okay=False),
        default=None,
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
        line = f"  {t.account_id} {t.region}: {t.status}: {t.error or ''}".rstrip()
        click.echo(text.terminal(line), err=True)
    return EXIT_PARTIAL


def exit_if_incomplete(snapshot: Any) -> None:
    """After a command's output: list the snapshot's failed/partial targets and exit 3, if any."""
    code = report_incomplete(snapshot)
    if code:
        sys.exit(code)


def with_examples(*lines: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Append an Examples section to a command's help."""

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        example = "\n\n\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
        f.__doc__ = (f.__doc__ or "").rstrip() + example
        return f

    return deco


def users_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--users N: seats for per-user plans, a whole number of at least 1 (default: 1)."""
    return click.option(
        "--users",
        type=click.IntRange(min=1),
        default=None,
        help="Seats for per-user plans (Docker Hub, GitHub, GitLab).  [default: 1]",
    )(f)


def scope_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--scope repository|registry: the layer deduplication scope."""
    return click.option(
        "--scope",
        type=click.Choice(["repository", "registry"]),
        default="repository",
        show_default=True,
        help="Deduplicate layers within each repository or each account+region.",
    )(f)


def bill_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--bill BILLDIR: egress calibrated from what AWS billed (`ecrcost bill fetch|import`)."""
    return click.option(
        "--bill",
        "bill_dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Bill directory (`ecrcost bill fetch|import`): its billed transfer-out GB per "
        "account x region replace the traffic profile's guess there.",
    )(f)
