"""Flags: warnings and notes carried as data in the frames' ``flags`` columns.

A `Flag` is a typed record -- `code` (what it is, stable, for code to test), `severity`
("warning": a figure rests on a guess or is unknown; "info": a rule that was applied), `params`
(the values it is about) -- whose text is its `message`. It is a `str` subclass whose value is the
message, so renderers (terminal notes, CSV, JSON, Markdown, HTML) print it as they print any text,
while other stages read `flag.code` and `flag.params` instead of parsing the sentence back.

    >>> f = Flag("fallback-price", "fallback price: no sourced storage price for me-south-1",
    ...          region="me-south-1", what="storage")
    >>> f.code, f.params["region"], str(f)
    ('fallback-price', 'me-south-1', 'fallback price: no sourced storage price for me-south-1')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SEVERITIES = ("info", "warning")

#: every flag code ecrcost emits -> its severity
CODES: dict[str, str] = {
    "fallback-price": "warning",  # a region without its own price used the "*" fallback row
    "low-confidence-price": "warning",  # the price row's confidence is low
    "egress-unknown": "warning",  # no traffic profile: egress cost unknown (params: region, rate)
    "egress-calibrated": "info",  # egress GB from the bill's transfer out (`usage.calibrate_egress`)
    "replication-unknown": "warning",  # the registry's replication rules could not be read
    "free-tier-storage": "info",  # the legacy storage free tier was deducted (params: gb)
    "free-tier-egress": "info",  # the internet egress free tier was deducted (params: gb)
    "cross-region-as-internet": "info",  # cross-region pulls priced on the internet ladder
    "replica-in-snapshot": "info",  # a replica collected itself: its storage is counted there
}


class Flag(str):
    """A flag: the message as a string, plus `code`, `severity` and `params`."""

    code: str
    severity: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, message: str, **params: Any) -> Flag:
        if code not in CODES:
            raise ValueError(f"unknown flag code {code!r}: add it to ecrcost.flags.CODES")
        self = super().__new__(cls, message)
        self.code = code
        self.severity = CODES[code]
        self.params = dict(params)
        return self

    @property
    def message(self) -> str:
        """The flag as a plain string (what renderers show)."""
        return str.__str__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.code, self.message, dict(self.params)))

    def __repr__(self) -> str:
        return f"Flag({self.code!r}, {self.message!r})"


def _rebuild(code: str, message: str, params: dict[str, Any]) -> Flag:
    return Flag(code, message, **params)


def with_code(flags: Iterable[Any], code: str) -> list[Flag]:
    """The flags of `flags` (a flags cell: strings and Flags) whose code is `code`."""
    return [f for f in flags if isinstance(f, Flag) and f.code == code]


def merge(cells: Iterable[Iterable[Any]]) -> list[Any]:
    """The distinct flags of several flags cells, sorted by their text."""
    return sorted({f for cell in cells for f in cell})
