"""`ecrcost diff OLD NEW`: what changed between two snapshots, with the monthly cost delta."""

from __future__ import annotations

import click

from ..diff import diff
from ..reporting.diff import diff_text
from ..reporting.tables import render

EXAMPLES = """\b
Examples:
  ecrcost diff snapshots/2026-10 snapshots/2026-11
  ecrcost diff snapshots/2026-10 snapshots/2026-11 --by tag:team --traffic traffic.toml
  ecrcost diff old new --format json
"""


@click.command("diff", epilog=EXAMPLES)
@click.argument("old", type=click.Path(file_okay=False))
@click.argument("new", type=click.Path(file_okay=False))
@click.option(
    "--by",
    default="repository",
    show_default=True,
    metavar="repository|account|region|tag:KEY|prefix[:DEPTH]",
    help="Compare rows of this grouping.",
)
@click.option(
    "--scope",
    type=click.Choice(["repository", "registry"]),
    default="repository",
    show_default=True,
    help="Deduplicate layers within each repository or each account+region.",
)
@click.option(
    "--traffic",
    "traffic_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Traffic profile (TOML); without it totals are unknown and storage cost is compared.",
)
@click.option(
    "--prices",
    "prices_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Use this price catalog (CSV) instead of the bundled one.",
)
@click.option("--all", "show_all", is_flag=True, help="Also list unchanged rows (text format).")
@click.option(
    "--format",
    "--output",
    "fmt",
    type=click.Choice(["table", "csv", "json", "markdown"]),
    default="table",
    show_default=True,
    envvar="ECRCOST_FORMAT",
    help="Output format (table: Infracost-style text). Also ECRCOST_FORMAT.",
)
def diff_command(
    old: str,
    new: str,
    by: str,
    scope: str,
    traffic_file: str | None,
    prices_file: str | None,
    show_all: bool,
    fmt: str,
) -> None:
    """Repositories added, removed, grown and shrunk between snapshot OLD and snapshot NEW, each
    with its change in USD per month, then the total change. 1 GB = 2^30 bytes."""
    d = diff(old, new, by=by, traffic=traffic_file, prices=prices_file, scope=scope)
    if fmt == "table":
        click.echo(diff_text(d, unchanged=show_all), nl=False)
        return
    text = render(d, fmt, title=f"Changes from {old} to {new}")
    click.echo(text, nl=not text.endswith("\n"))
