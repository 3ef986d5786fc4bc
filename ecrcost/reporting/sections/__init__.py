"""The report's sections, one module each: `build(ctx: Context) -> Section`
(or None: the section does not apply, e.g. "Estimate vs bill" without a bill).

`SECTIONS` is the reading order. To add a section, write `sections/<name>.py` with a
`build(ctx)` function (see `context.Context` for what it can draw on) and add one line below.
"""

from __future__ import annotations

from collections.abc import Callable

from ..document import Section
from . import (
    alternatives,
    bill,
    chargeback,
    coverage,
    egress,
    growth,
    method,
    money,
    overview,
    savings,
    summary,
    trend,
)
from .context import Context

SECTIONS: list[Callable[[Context], Section | None]] = [
    overview.build,
    summary.build,
    money.build,
    chargeback.build,
    growth.build,
    trend.build,
    savings.build,
    egress.build,
    bill.build,  # only with a bill (None otherwise)
    alternatives.build,
    coverage.build,
    method.build,
]
