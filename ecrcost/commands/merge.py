"""`ecrcost merge SNAPSHOT... --out SNAPSHOT`: the shards of one collection -> one snapshot."""

from __future__ import annotations

import click

from .options import with_examples


@click.command("merge")
@click.argument("snapshots", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="The merged snapshot.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@with_examples(
    "ecrcost merge shard-1 shard-2 shard-3 --out snap",
    "ecrcost collect --org-role ecrcost-reader --all-regions --shard 2/3 --out shard-2",
)
def merge_command(snapshots: tuple[str, ...], out: str, force: bool) -> None:
    """Combine SNAPSHOTS of disjoint account-regions (the shards of `ecrcost collect --shard K/N`)
    into --out, as if collected in one run.

    Refuses snapshots that overlap (an account-region twice), that were collected with different
    settings, or shards of different N.
    """
    from ..merge import merge_snapshots

    snap = merge_snapshots(snapshots)
    snap.write(out, force=force)
    click.echo(
        f"Wrote {out}: {len(snap.meta['targets'])} account-region(s) from {len(snapshots)} "
        f"snapshots, {len(snap.repositories)} repositories, {len(snap.images)} images.",
        err=True,
    )
