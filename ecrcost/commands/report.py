"""`ecrcost report SNAPSHOT`: write the monthly report (report stage)."""

from __future__ import annotations

import sys

import click

from .options import (
    GroupingParam,
    bill_option,
    prices_option,
    report_incomplete,
    scope_option,
    snapshot_argument,
    traffic_option,
    users_option,
    with_examples,
)


@click.command("report")
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

    from ..errors import OutputExistsError
    from ..files import check_writable
    from ..history import find_snapshots, report_month
    from ..reporting.monthly import report
    from ..reporting.pdf import print_pdf
    from ..snapshot import load_snapshot
    from ..usage import check_month

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
