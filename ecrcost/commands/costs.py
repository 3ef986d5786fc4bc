"""`ecrcost costs SNAPSHOT`: the monthly cost of a snapshot's repositories (pricing stage)."""

from __future__ import annotations

from typing import Any

import click

from .options import (
    GroupingParam,
    bill_option,
    columns_options,
    echo_output,
    envelope_option,
    exit_if_incomplete,
    format_option,
    prices_option,
    scope_option,
    snapshot_argument,
    split_columns,
    traffic_option,
    with_examples,
)


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
    from ..reporting.notes import render_with_notes
    from ..reporting.tables import to_json_envelope

    if fmt == "json" and envelope:
        echo_output(to_json_envelope(df, title=title))
        return
    table, footer, to_stderr = render_with_notes(df, fmt, title, columns=columns, wide=wide)
    echo_output(table)
    click.echo(footer, err=to_stderr)


@click.command("costs")
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
    from ..pricing.summary import costs
    from ..snapshot import load_snapshot

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
