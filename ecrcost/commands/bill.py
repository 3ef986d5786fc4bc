"""`ecrcost bill fetch|import`: read what AWS billed for ECR into a BILLDIR (billing stage)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from .. import text
from .options import with_examples

if TYPE_CHECKING:
    import pandas as pd


def aws_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--profile and --endpoint-url, as in `ecrcost collect`."""
    f = click.option(
        "--endpoint-url",
        default=None,
        metavar="URL",
        help="Send every AWS call to this endpoint (an emulator; also AWS_ENDPOINT_URL).",
    )(f)
    return click.option(
        "--profile", default=None, help="AWS profile (else AWS_PROFILE / the default chain)."
    )(f)


def out_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--force", is_flag=True, help="Replace --out if it exists.")(f)
    return click.option(
        "--out",
        required=True,
        type=click.Path(file_okay=False),
        help="Bill directory to write (bill.parquet + meta.json).",
    )(f)


@click.group("bill")
def bill_group() -> None:
    """What AWS billed for ECR: from Cost Explorer (`fetch`) or Cost and Usage Report files
    (`import`), saved as a bill directory that `ecrcost reconcile` and `--bill` read."""


@bill_group.command("fetch")
@click.option(
    "--months",
    required=True,
    metavar="A..B",
    help="Calendar months, e.g. 2026-09..2026-11 (or one month, 2026-11).",
)
@aws_options
@out_options
@with_examples(
    "ecrcost bill fetch --months 2026-09..2026-11 --out bill",
    "ecrcost bill fetch --months 2026-11 --profile payer --out bill-2026-11 --force",
)
def fetch_command(
    months: str, profile: str | None, endpoint_url: str | None, out: str, force: bool
) -> None:
    """Read ECR cost and usage per linked account and usage type from Cost Explorer
    (ce:GetCostAndUsage; run it as the payer account to see every linked account).

    The whole range is one request plus its NextPageToken pages. AWS charges $0.01 per request:
    the number made and their cost are printed.
    """
    from pathlib import Path

    from ..billing import fetch_bill, parse_months, write_bill
    from ..errors import OutputExistsError

    month_list = parse_months(months)
    if Path(out).exists() and not force:  # refuse before spending money on requests
        raise OutputExistsError(f"--out {out} already exists; pass --force to replace it")
    bill = fetch_bill(month_list, profile=profile, endpoint_url=endpoint_url)
    meta = bill.attrs["meta"]
    write_bill(bill, out, force=force)
    click.echo(text.terminal(_wrote(out, bill)))
    click.echo(
        f"Cost Explorer: {meta['requests']} request(s) made, ${meta['request_usd']:.2f} "
        f"(AWS charges $0.01 per request)."
    )
    _notes(meta)


@bill_group.command("import")
@click.argument("sources", nargs=-1, required=True, metavar="FILE_OR_DIR_OR_S3_URL...")
@aws_options
@out_options
@with_examples(
    "ecrcost bill import cur/ecr-2026-11.parquet --out bill",
    "ecrcost bill import s3://my-cur-bucket/cur2/data/ --out bill --force",
    "ecrcost bill import legacy-cur-00001.csv.gz legacy-cur-00002.csv.gz --out bill",
)
def import_command(
    sources: tuple[str, ...], profile: str | None, endpoint_url: str | None, out: str, force: bool
) -> None:
    """Import Cost and Usage Report files: CUR 2.0 / Data Exports Parquet or legacy CUR CSV(.gz),
    local files, directories of monthly partitions, or s3://bucket/prefix (read-only).

    Only ECR rows (product code AmazonECR) are kept. A CUR without resource IDs imports at
    account x region grain and says so.
    """
    from pathlib import Path

    from ..billing import import_bill, write_bill
    from ..errors import OutputExistsError

    if Path(out).exists() and not force:
        raise OutputExistsError(f"--out {out} already exists; pass --force to replace it")
    bill = import_bill(list(sources), profile=profile, endpoint_url=endpoint_url)
    write_bill(bill, out, force=force)
    meta = bill.attrs["meta"]
    click.echo(
        text.terminal(
            _wrote(out, bill)
            + f" from {len(meta['inputs'])} file(s), {meta['rows_read']:,} ECR line items."
        )
    )
    _notes(meta)


def _wrote(out: str, bill: pd.DataFrame) -> str:
    months = sorted(set(bill["month"]))
    span = f"{months[0]}..{months[-1]}" if months else "no months"
    return (
        f"Wrote {out}: {len(bill)} rows, {span}, {bill['account_id'].nunique()} account(s), "
        f"${bill['unblended_usd'].sum():,.2f} billed"
    )


def _notes(meta: dict[str, Any]) -> None:
    for note in meta.get("notes", []):
        click.echo(f"  note: {text.terminal(note)}", err=True)  # names from the CUR, sanitised
