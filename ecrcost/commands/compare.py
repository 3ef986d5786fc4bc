"""`ecrcost compare SNAPSHOT`: the same workload on other registries (registries stage)."""

from __future__ import annotations

import click

from .. import text
from .options import (
    bill_option,
    echo_output,
    exit_if_incomplete,
    format_option,
    prices_option,
    snapshot_argument,
    traffic_option,
    users_option,
    with_examples,
)


@click.command("compare")
@snapshot_argument
@traffic_option
@bill_option
@users_option
@prices_option
@click.option(
    "--plans",
    "plans_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Use this registry plan file (CSV) instead of the bundled one.",
)
@click.option(
    "--dimensions",
    "show_dimensions",
    is_flag=True,
    help="Show the four-dimension comparison (workflow, auth, availability, pricing) instead.",
)
@format_option()
@with_examples(
    "ecrcost compare snap",
    "ecrcost compare snap --traffic profile.toml --users 12 --format json",
    "ecrcost compare snap --dimensions --format markdown",
)
def compare_command(
    snapshot: str,
    traffic_file: str | None,
    bill_dir: str | None,
    users: int | None,
    prices_file: str | None,
    plans_file: str | None,
    show_dimensions: bool,
    fmt: str,
) -> None:
    """What SNAPSHOT's workload (stored GB, repositories, pulls, egress, seats) would cost on every
    plan of ECR, ECR Public, Docker Hub, GHCR, Google Artifact Registry, Azure ACR, Quay.io, JFrog
    Artifactory and GitLab.com; the cheapest plan that fits each registry is marked.

    Without --traffic, transfer is unknown ("n/a") for every registry that charges for it. The
    workload and the rules used are printed after the table (on stderr for csv/json).
    """
    from ..registries import compare, dimensions
    from ..registries.comparison import MONEY_COLUMNS
    from ..reporting.tables import render
    from ..snapshot import load_snapshot

    snap = load_snapshot(snapshot)
    df = compare(
        snap, traffic=traffic_file, users=users, prices=prices_file, plans=plans_file, bill=bill_dir
    )
    w = df.attrs["workload"]
    lines = {
        "workload": (
            f"stored {w['stored_gb']:,.2f} GB (layers deduplicated per repository), "
            f"{w['stored_gb_global']:,.2f} GB (each distinct blob once); {w['repositories']} private "
            f"repositories; {w['pulls_per_month']:,.0f} pulls/month; "
            + (
                f"{w['pulled_gb']:,.2f} GB pulled/month"
                if w["traffic_given"]
                else "pulled GB unknown (no --traffic)"
            )
            + f"; {w['users']} user(s){'' if w['users_given'] else ' (default)'}"
        ),
        "units": "USD per month; 1 GB = 2^30 bytes; n/a = unknown",
        "ecr_catalog_date": df.attrs["method"].get("catalog_date"),
    }
    if show_dimensions:
        echo_output(render(dimensions(df), fmt, title="Registries compared on four dimensions"))
    elif fmt == "table":  # the wide text columns become numbered notes under the table
        shown = df[[*MONEY_COLUMNS, "fits", "cheapest", "confidence", "upper_bound"]].assign(
            note=[f"[{i}]" for i in range(1, len(df) + 1)]
        )
        echo_output(render(shown, fmt, title="The same workload on other registries"))
        for i, r in enumerate(df.itertuples(index=False), start=1):
            why = f"does not fit: {r.fit_reason}; " if r.fit_reason else ""
            line = f"[{i}] {r.registry} {r.plan}: {why}{r.notes} (prices of {r.price_date})"
            click.echo(text.terminal(line))
        click.echo(
            "monthly_usd is what is billed today (the cheapest plan is chosen on it); unbilled_usd "
            "is what published but uncharged rates would add; ≤ marks an upper bound."
        )
    else:
        echo_output(render(df, fmt, title="The same workload on other registries"))
    footer = [f"{k}: {v}" for k, v in lines.items() if v]
    if fmt == "markdown":
        click.echo("\n" + "\n".join(f"- {line}" for line in footer))
    else:  # after the table; on stderr for csv/json so stdout stays parseable
        click.echo("\n".join(footer), err=fmt in ("csv", "json"))
    exit_if_incomplete(snap)
