"""`ecrcost lifecycle`: what a lifecycle policy would remove or archive, what it saves, and
whether it would touch anything in use (a thin shell over `ecrcost.lifecycle`)."""

from __future__ import annotations

import json

import click

from ..errors import LifecyclePolicyError
from .options import (
    echo_output,
    exit_if_incomplete,
    format_option,
    prices_option,
    snapshot_argument,
    with_examples,
)


@click.command("lifecycle")
@snapshot_argument
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="A what-if lifecycle policy (JSON) applied to the selected repositories. "
    "Default: each repository's own policy from the snapshot.",
)
@click.option("--repository", default=None, metavar="GLOB", help="Only repositories matching GLOB.")
@click.option(
    "--at",
    default=None,
    metavar="ISO",
    help="Evaluate at this time (ISO-8601; default: the snapshot's collection time).",
)
@click.option(
    "--archive-after",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Archive economics: archive images not pulled for this many days.",
)
@click.option(
    "--expire-after",
    type=click.IntRange(min=1),
    default=180,
    show_default=True,
    help="Archive economics: expire archived images this many days after archiving.",
)
@click.option(
    "--restore-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Expected fraction of archived bytes restored within 12 months (restore fee per GB).",
)
@click.option(
    "--write-policies",
    "policies_dir",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="Write each recommended policy (JSON, for aws ecr put-lifecycle-policy) under DIR.",
)
@click.option("--force", is_flag=True, help="Replace --write-policies DIR if it exists.")
@prices_option
@format_option()
@with_examples(
    "ecrcost lifecycle snap",
    "ecrcost lifecycle snap --policy what-if.json --repository 'team-a/*' --format json",
    "ecrcost lifecycle snap --archive-after 60 --expire-after 180 --write-policies policies/",
)
def lifecycle_command(
    snapshot: str,
    policy_file: str | None,
    repository: str | None,
    at: str | None,
    archive_after: int,
    expire_after: int,
    restore_rate: float,
    policies_dir: str | None,
    force: bool,
    prices_file: str | None,
    fmt: str,
) -> None:
    """Plan a cleanup of SNAPSHOT offline: evaluate lifecycle policies exactly as ECR does, per
    image (expire / transition / keep, and why), with bytes freed (computed jointly), storage
    $/month saved, archive one-time charges, the 12-month net, and per repository the archive
    economics (keep vs archive-then-expire vs expire now). Images in use (collect --in-use) are
    never expired or archived; the rules that would have are listed. ecrcost applies nothing.
    1 GB = 2^30 bytes. --format csv prints one row per image; json prints everything.
    """
    # the library is imported here so that `ecrcost --help` stays fast (as in cli.py)
    from ..lifecycle.economics import archive_economics, economics_json, write_policies
    from ..lifecycle.plan import PLAN_IMAGE_COLUMNS, cleanup_plan
    from ..pricing.catalog import load_catalog
    from ..reporting.tables import records, render
    from ..snapshot import load_snapshot

    snap = load_snapshot(snapshot)
    policy = _read_policy(policy_file) if policy_file else None
    catalog = load_catalog(prices_file)
    plan = cleanup_plan(
        snap, policy, at=at, repository=repository, catalog=catalog, restore_rate=restore_rate
    )
    econ = archive_economics(
        snap,
        archive_after_days=archive_after,
        expire_after_days=expire_after,
        restore_rate=restore_rate,
        at=at,
        repository=repository,
        catalog=catalog,
    )
    written = write_policies(econ, policies_dir, force) if policies_dir else []
    notes = [
        f"evaluated at {plan.at.isoformat()} (AWS acts within 24 hours of an image meeting a rule)",
        f"catalog: {catalog.label} ({catalog.date}); " + "; ".join(plan.prices),
        "1 GB = 2^30 bytes; a month = 365.25/12 days",
    ]
    if fmt == "json":
        doc = {
            "evaluated_at": plan.at.isoformat(),
            "images": records(plan.images[PLAN_IMAGE_COLUMNS]),
            "by_rule": records(plan.by_rule),
            "by_repository": records(plan.by_repository),
            "archive_economics": economics_json(econ),
            "warnings": plan.warnings,
            "notes": notes,
            "policies_written": [str(p) for p in written],
        }
        click.echo(json.dumps(doc, indent=2, default=str))
    elif fmt == "csv":
        echo_output(render(plan.images[PLAN_IMAGE_COLUMNS], "csv"))
    else:
        acted = plan.images[
            (plan.images["action"] != "keep") | plan.images["blocked_rule_priority"].notna()
        ]
        shown = acted[
            ["repository", "image_digest", "tags", "action", "rule_priority", "in_use", "reason"]
        ]
        shown = shown.assign(image_digest=shown["image_digest"].str.slice(0, 19))
        parts = [
            render(plan.by_repository, fmt, title="Lifecycle plan by repository"),
            render(plan.by_rule, fmt, title="By rule"),
            render(
                shown.head(200),
                fmt,
                title=f"Images acted on or protected ({len(acted)}; first 200; --format csv for all)",
            ),
            render(
                econ.drop(columns=["policy_json"]),
                fmt,
                title=f"Archive economics over 12 months (archive after {archive_after} days "
                f"unpulled, expire {expire_after} days later; restore rate {restore_rate:g})",
            ),
        ]
        for p in parts:
            click.echo(p.rstrip("\n") + "\n")
    err = fmt in ("csv", "json")
    for w in plan.warnings:
        click.echo(f"warning: {w}", err=True)
    if fmt != "json":
        for n in notes:
            click.echo(n, err=err)
        for path in written:
            click.echo(f"wrote {path}", err=err)
    exit_if_incomplete(snap)


def _read_policy(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise LifecyclePolicyError(f"--policy {path}: cannot read it ({e})") from None
