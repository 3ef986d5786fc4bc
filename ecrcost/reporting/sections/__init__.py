"""The report's sections, one module each: `build(ctx: Context) -> Section`.

`SECTIONS` is the reading order. To add a section, write `sections/<name>.py` with a
`build(ctx)` function (see `context.Context` for what it can draw on) and add one line below.
"""

from __future__ import annotations

from collections.abc import Callable

from ..document import Section
from . import alternatives, coverage, egress, growth, method, money, savings, summary
from .context import Context

SECTIONS: list[Callable[[Context], Section]] = [
    summary.build,
    money.build,
    growth.build,
    savings.build,
    egress.build,
    alternatives.build,
    coverage.build,
    method.build,
]
