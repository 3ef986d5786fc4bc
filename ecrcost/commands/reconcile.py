"""`ecrcost reconcile`: the estimate for one month beside the bill (reconcile stage)."""

from __future__ import annotations

import click

from .. import text
from .options import (
    echo_output,
    exit_if_incomplete,
    format_option,
    prices_option,
    scope_option,
    snapshot_argument,
    traffic_option,
    with_examples,
)


@click.command("reconcile")
@snapshot_argument
@click.option(
    "--bill",
    "bill_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Bill directory from `ecrcost bill fetch|import`.",
)
@click.option("--month", required=True, metavar="YYYY-MM", help="The calendar month to compare.")
@scope_option
@traffic_option
@prices_option
@format_option()
@with_examples(
    "ecrcost reconcile snap --bill bill --month 2026-11",
    "ecrcost reconcile snap --bill bill --month 2026-11 --traffic profile.toml --format json",
)
def reconcile_command(
    snapshot: str,
    bill_dir: str,
    month: str,
    scope: str,
    traffic_file: str | None,
    prices_file: str | None,
    fmt: str,
) -> None:
    """Put the estimate for --month beside what AWS billed, per account x region x category (and
    per repository where the bill has resource IDs), with notes on the known residuals and a
    summary line with the overall storage error in %.

    diff_usd = modelled - billed. Exits 3 when the snapshot has failed or partial account-regions.
    """
    from ..reconcile import reconcile
    from ..reporting.tables import render
    from ..snapshot import load_snapshot

    snap = load_snapshot(snapshot)
    df = reconcile(snap, bill_dir, month, scope=scope, traffic=traffic_file, prices=prices_file)
    echo_output(render(df, fmt, title=f"Estimate vs bill, {month}"))
    lines = [df.attrs["summary"]["line"]] + [f"{k}: {v}" for k, v in df.attrs["method"].items()]
    click.echo("\n".join(text.terminal(line) for line in lines), err=fmt in ("csv", "json"))
    exit_if_incomplete(snap)
