"""`ecrcost demo`: the whole product on an embedded AWS emulator (ecrcost.demo)."""

from __future__ import annotations

import click

from .options import echo_output, exit_if_incomplete, with_examples


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="reports/demo",
    show_default=True,
    help="Report directory (the snapshot and traffic profile are written beside the report). "
    "An earlier demo there is replaced.",
)
@click.option(
    "--size",
    type=click.Choice(["small", "default"]),
    default="default",
    show_default=True,
    help="Synthetic organization: default (40+ repositories, 3,000+ images) or small.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the synthetic organization."
)
@click.option(
    "--force", is_flag=True, help="Replace --out even if it is not an earlier demo's output."
)
@with_examples("ecrcost demo", "ecrcost demo --size small --out /tmp/ecrcost-demo")
def demo_command(out_dir: str, size: str, seed: int, force: bool) -> None:
    """Run the whole product on an embedded AWS emulator: no AWS account, no network.

    Starts moto's server on 127.0.0.1, seeds a realistic synthetic organization (2 accounts x 2
    regions), collects it over HTTP with the real collector, prices it, compares registries and
    writes the monthly report. Prints a summary and the report's path.
    """
    from ..demo import run_demo, summary
    from ..reporting.tables import render

    click.echo("Starting the embedded AWS emulator (127.0.0.1 only) ...")
    result = run_demo(out=out_dir, size=size, seed=seed, force=force, echo=click.echo)
    by_registry, cheapest = summary(result)
    echo_output(
        render(by_registry, title="Monthly ECR cost by account and region (1 GB = 2^30 bytes)")
    )
    echo_output(
        render(
            cheapest,
            title="The same workload elsewhere: each registry's cheapest plan that fits (USD/month)",
        )
    )
    if cheapest.attrs.get("note"):
        click.echo(cheapest.attrs["note"])
    click.echo(f"Report: {result.index_html}")
    click.echo(f"Snapshot: {result.snapshot_dir}  Traffic profile: {result.traffic_file}")
    click.echo(f"Try: ecrcost costs {result.snapshot_dir} --traffic {result.traffic_file}")
    click.echo(
        f"     ecrcost compare {result.snapshot_dir} --traffic {result.traffic_file}  (plans, notes, sources)"
    )
    exit_if_incomplete(result.snapshot)
