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
from collections.abc import Callable, Sequence
from typing import Any

import click

from .. import text
from ..errors import EcrcostError, InputError

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
    """--format / --output table|csv|json|markdown (default: ECRCOST_FORMAT, else `default`)."""
    return click.option(
        "--format",
        "--output",
        "fmt",
        type=click.Choice(["table", "csv", "json", "markdown"]),
        default=default,
        show_default=True,
        envvar="ECRCOST_FORMAT",
        show_envvar=True,
        help="Output format (--output is the AWS CLI's word for it).",
    )


def envelope_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--envelope: JSON as {"data": [...], "method": {...}, "units": ...} instead of the bare array."""
    return click.option(
        "--envelope",
        is_flag=True,
        help='With --format json: one object {"data": [...], "method": {...}, "units": {...}} '
        "instead of the bare array (the default contract).",
    )(f)


def columns_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--columns A,B,... and --wide for terminal tables (default: the columns that fit)."""
    f = click.option("--wide", is_flag=True, help="Terminal table: every column, however wide.")(f)
    return click.option(
        "--columns",
        default=None,
        metavar="A,B,...",
        help="Terminal table: exactly these columns (default: names and money first, as many as fit).",
    )(f)


class GroupingParam(click.ParamType):
    """`--by`: one of `fixed` or a chargeback grouping tag:KEY / prefix[:DEPTH] (usage error, exit
    2, for anything else)."""

    name = "grouping"

    def __init__(self, fixed: Sequence[str] = ()) -> None:
        self.fixed = tuple(fixed)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value)
        if text in self.fixed:
            return text
        from ..chargeback import parse_by  # pandas: not imported for --help

        try:
            parse_by(text)
        except InputError as e:
            choices = ", ".join([*self.fixed, "tag:KEY", "prefix[:DEPTH]"])
            self.fail(f"{text!r}: expected one of {choices} ({e})", param, ctx)
        return text


def split_columns(columns: str | None) -> list[str] | None:
    """The --columns list, or None."""
    if not columns:
        return None
    return [c.strip() for c in columns.split(",") if c.strip()]


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
    """Give a command an Examples section, shown as click's epilog (after the options) once
    `apply_epilogs(cli)` has run; the help text itself is left as written."""

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        f.__ecrcost_examples__ = lines  # type: ignore[attr-defined]
        return f

    return deco


def examples_epilog(lines: Sequence[str]) -> str:
    """The epilog text of an Examples section (click keeps a \\b paragraph's line breaks)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def apply_epilogs(group: click.Group) -> None:
    """Turn every `with_examples` of `group`'s commands (recursively) into the command's epilog."""
    for cmd in group.commands.values():
        lines = getattr(cmd.callback, "__ecrcost_examples__", None)
        if lines and not cmd.epilog:
            cmd.epilog = examples_epilog(lines)
        if isinstance(cmd, click.Group):
            apply_epilogs(cmd)


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
