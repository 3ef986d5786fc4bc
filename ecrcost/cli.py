"""The `ecrcost` command: a thin click shell over the public library.

Each command parses its options, calls one public function, renders the result, and turns
library errors (`ecrcost.errors.EcrcostError`) into a one-line message with exit code 1.
Exit codes: 0 success; 1 error (one line, no traceback); 2 usage error (click: unknown option,
bad value); 3 partial (some account-regions failed; listed on stderr; also `collect` finding no
repository at all without --allow-empty); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import click

from . import __version__
from .commands.bill import bill_group
from .commands.collect import collect_command
from .commands.compare import compare_command
from .commands.costs import costs_command
from .commands.demo import demo_command
from .commands.diff import diff_command
from .commands.lifecycle import lifecycle_command
from .commands.merge import merge_command
from .commands.options import EcrcostGroup, apply_epilogs
from .commands.prices import prices_group
from .commands.reconcile import reconcile_command
from .commands.report import report_command
from .commands.sql import sql_command


@click.group(cls=EcrcostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecrcost")
def cli() -> None:
    """What your Amazon ECR registry really costs, where the money goes, and what it would
    cost elsewhere. 1 GB = 2^30 bytes.

    \b
    Examples:
      ecrcost demo
      ecrcost collect --region us-east-1 --out snap
      ecrcost costs snap --format json
    """


def main() -> None:
    """Console-script entry point (the command's process runs without transparent huge pages:
    `ecrcost.process`)."""
    from .process import no_huge_pages

    no_huge_pages()
    cli(prog_name="ecrcost")


# One command (or group) per module in ecrcost/commands/<feature>.py. Each imports the library
# inside its function, so `ecrcost --help` starts without pandas or boto3.
cli.add_command(collect_command)
cli.add_command(costs_command)
cli.add_command(prices_group)
cli.add_command(compare_command)
cli.add_command(report_command)
cli.add_command(demo_command)
cli.add_command(bill_group)
cli.add_command(reconcile_command)
cli.add_command(lifecycle_command)
cli.add_command(sql_command)
cli.add_command(merge_command)
cli.add_command(diff_command)
apply_epilogs(cli)  # every command's examples as click's epilog
