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

# ---- compare -------------------------------------------------------------------------------------
# (owned by the comparison stage)

# ---- report --------------------------------------------------------------------------------------
# (owned by the report stage)

# ---- demo ----------------------------------------------------------------------------------------
# (owned by the demo stage)

