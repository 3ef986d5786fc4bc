"""`ecrcost prices show|refresh`: the dated price catalog (pricing stage)."""

from __future__ import annotations

import click

from .. import text
from .options import EcrcostGroup, echo_output, format_option, prices_option, with_examples


@click.group("prices", cls=EcrcostGroup)
def prices_group() -> None:
    """The dated price catalog: show it, or refresh it from the AWS Price List API."""


@prices_group.command("show")
@prices_option
@format_option()
@with_examples("ecrcost prices show", "ecrcost prices show --prices my-prices.csv --format csv")
def prices_show(prices_file: str | None, fmt: str) -> None:
    """List the price catalog in use: every price with its source URL, source date, read date and
    confidence. Region "*" rows are the documented fallbacks."""
    from ..pricing.catalog import load_catalog
    from ..reporting.tables import render

    catalog = load_catalog(prices_file)
    df = catalog.show(compact=fmt in ("table", "markdown"))
    echo_output(render(df, fmt, title=f"Price catalog {catalog.label} ({catalog.date})"))
    line = f"catalog: {catalog.label}; catalog_date: {catalog.date}; 1 GB = 2^30 bytes"
    click.echo(line, err=fmt in ("csv", "json"))


@prices_group.command("refresh")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write the new catalog  [default: ./aws-<today>.csv]",
)
@click.option(
    "--region",
    "region",
    type=click.Choice(["us-east-1", "eu-central-1", "ap-south-1"]),
    default="us-east-1",
    show_default=True,
    help="Price List API endpoint region.",
)
@click.option("--profile", default=None, help="AWS profile (else AWS_PROFILE / the default chain).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@prices_option
@with_examples("ecrcost prices refresh --out prices.csv", "ecrcost costs snap --prices prices.csv")
def prices_refresh(
    out: str | None, region: str, profile: str | None, force: bool, prices_file: str | None
) -> None:
    """Read AmazonECR and AWSDataTransfer prices from the AWS Price List API (pricing:GetProducts)
    and write a new dated catalog: the current catalog (or --prices) with the AWS rows replaced."""
    from datetime import UTC, datetime

    from ..aws import Aws
    from ..pricing.catalog import load_catalog
    from ..pricing.refresh import refresh

    today = datetime.now(UTC).date().isoformat()
    aws = Aws(profile=profile)
    aws.check_credentials()
    path, result = refresh(
        aws.client("pricing", region),
        out or f"aws-{today}.csv",
        base=load_catalog(prices_file),
        region=region,
        force=force,
        today=today,
    )
    click.echo(
        f"Wrote {path}: {result.used} of {result.products} products used, "
        f"{len(result.rows)} AWS rows refreshed ({result.calls} GetProducts calls)."
    )
    for problem in result.problems:
        click.echo(text.terminal(f"  skipped: {problem}"), err=True)
