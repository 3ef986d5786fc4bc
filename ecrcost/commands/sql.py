"""`ecrcost sql SNAPSHOT "SELECT ..."`: one read-only SQL query over a snapshot (ecrcost.query)."""

from __future__ import annotations

import click

from .options import echo_output, format_option, snapshot_argument, with_examples


@click.command("sql")
@snapshot_argument
@click.argument("query")
@format_option()
@with_examples(
    'ecrcost sql snap "SELECT repository, unique_bytes FROM repository_storage ORDER BY 2 DESC LIMIT 5"',
    'ecrcost sql snap "SELECT count(*) AS never_pulled FROM images WHERE last_pull_at IS NULL" --format json',
)
def sql_command(snapshot: str, query: str, fmt: str) -> None:
    """Run one SELECT over SNAPSHOT's tables and print the result.

    Tables: repositories, images, manifests, blobs, children, pulls (the snapshot, digests as
    strings), repository_storage and costs (the model's outputs: repository scope, bundled
    catalog, no traffic profile). Read-only: a single SELECT, no file or network access.
    Sizes are bytes; 1 GB = 2^30 bytes.
    """
    from ..query import sql
    from ..reporting.tables import render
    from ..snapshot import load_snapshot

    df = sql(load_snapshot(snapshot), query)
    echo_output(render(df, fmt))
