"""`ecrcost diff OLD NEW`: what changed between two snapshots, with the monthly cost delta."""

from __future__ import annotations

import click

from .options import (
    GroupingParam,
    format_option,
    prices_option,
    scope_option,
    traffic_option,
    with_examples,
)


@click.command("diff")
@click.argument("old", type=click.Path(file_okay=False))
@click.argument("new", type=click.Path(file_okay=False))
@click.option(
    "--by",
    type=GroupingParam(["repository", "account", "region"]),
    default="repository",
    show_default=True,
    metavar="repository|account|region|tag:KEY|prefix[:DEPTH]",
    help="Compare rows of this grouping.",
)
@scope_option
@traffic_option
@prices_option
@click.option("--all", "show_all", is_flag=True, help="Also list unchanged rows (text format).")
@format_option()
@with_examples(
    "ecrcost diff snapshots/2026-10 snapshots/2026-11",
    "ecrcost diff snapshots/2026-10 snapshots/2026-11 --by tag:team --traffic traffic.toml",
    "ecrcost diff old new --format json",
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
    from ..reporting.diff_text import diff_text
    from ..reporting.tables import render
    from ..snapshot_diff import diff

    d = diff(old, new, by=by, traffic=traffic_file, prices=prices_file, scope=scope)
    if fmt == "table":
        click.echo(diff_text(d, unchanged=show_all), nl=False)
        return
    text = render(d, fmt, title=f"Changes from {old} to {new}")
    click.echo(text, nl=not text.endswith("\n"))
