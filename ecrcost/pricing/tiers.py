"""Tier maths: how much of a quantity falls in each price tier, and what it costs.

A tier ladder is a sequence of ``(start, end, usd_per_unit)`` tuples in the quantity's unit (GB or
GB-month), sorted, contiguous and starting at 0; the last tier may be open (``end = math.inf``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Tier = tuple[float, float, float]  # (start, end, usd per unit); end may be math.inf


@dataclass(frozen=True)
class TierSplit:
    """The result of `split_tiers`: the quantity in each tier and its cost (same order as the ladder)."""

    quantities: tuple[float, ...]
    costs: tuple[float, ...]

    @property
    def cost(self) -> float:
        """Total USD over all tiers."""
        return math.fsum(self.costs)


def split_tiers(quantity: float, tiers: Sequence[Tier]) -> TierSplit:
    """Split `quantity` over the tier ladder `tiers` and price each part.

    Each tier takes ``min(max(quantity - start, 0), end - start)`` units at its own rate.
    Worked examples with the AWS internet egress ladder (GB; 10 TB = 10,240 GB)::

        >>> ladder = [(0, 10240, 0.09), (10240, 51200, 0.085), (51200, 153600, 0.07),
        ...           (153600, math.inf, 0.05)]

    zero: nothing in any tier, $0.00 ::

        >>> split_tiers(0, ladder).quantities
        (0.0, 0.0, 0.0, 0.0)

    exactly on a boundary (10 TB): all in the first tier, 10,240 x 0.09 = $921.60 ::

        >>> s = split_tiers(10240, ladder); s.quantities, round(s.cost, 2)
        ((10240.0, 0.0, 0.0, 0.0), 921.6)

    crossing a boundary (20 TB): 10,240 x 0.09 + 10,240 x 0.085 = $1,792.00 ::

        >>> s = split_tiers(20480, ladder); s.quantities, round(s.cost, 2)
        ((10240.0, 10240.0, 0.0, 0.0), 1792.0)

    past the last boundary (200 TB = 204,800 GB): the open last tier takes the rest,
    921.60 + 40,960 x 0.085 + 102,400 x 0.07 + 51,200 x 0.05 = $14,131.20 ::

        >>> s = split_tiers(204800, ladder); s.quantities, round(s.cost, 2)
        ((10240.0, 40960.0, 102400.0, 51200.0), 14131.2)

    Raises ValueError for a negative or NaN quantity, a ladder that is empty, does not start at
    0, has gaps, overlaps or negative rates, and for a quantity beyond a closed last tier.
    """
    check_ladder(tiers)
    q = float(quantity)
    if math.isnan(q) or q < 0:
        raise ValueError(f"quantity must be a non-negative number, not {quantity!r}")
    last_end = float(tiers[-1][1])
    if q > last_end:
        raise ValueError(f"quantity {q:g} is beyond the last tier, which ends at {last_end:g}")
    parts = tuple(min(max(q - float(s), 0.0), float(e) - float(s)) for s, e, _ in tiers)
    costs = tuple(p * float(rate) for p, (_, _, rate) in zip(parts, tiers, strict=True))
    return TierSplit(parts, costs)


def check_ladder(tiers: Sequence[Tier]) -> None:
    """Raise ValueError unless `tiers` is a valid ladder (see the module docstring)."""
    if len(tiers) == 0:
        raise ValueError("a tier ladder needs at least one tier")
    expected = 0.0
    for start, end, rate in tiers:
        if float(start) != expected:
            raise ValueError(
                f"tier starting at {start:g} should start at {expected:g} (gap or overlap)"
            )
        if not float(end) > float(start):
            raise ValueError(f"tier {start:g}-{end:g} is empty or reversed")
        if not float(rate) >= 0:
            raise ValueError(f"tier {start:g}-{end:g} has a negative or missing rate {rate!r}")
        expected = float(end)


def describe_ladder(tiers: Sequence[Tier], unit: str = "GB") -> str:
    """A short text of a ladder: "$0.09/GB to 10,240 GB; then $0.085/GB" (flat: "$0.10/GB")."""
    if len(tiers) == 1 and math.isinf(tiers[0][1]):
        return f"{usd_text(tiers[0][2])}/{unit}"
    parts = []
    for i, (_start, end, rate) in enumerate(tiers):
        prefix = "" if i == 0 else "then "
        upto = "" if math.isinf(end) else f" to {end:,g} {unit}"
        parts.append(f"{prefix}{usd_text(rate)}/{unit}{upto}")
    return "; ".join(parts)


def usd_text(rate: float) -> str:
    """$0.10, $0.085, $0.0001 (at least two decimals, no trailing zeros beyond)."""
    text = f"{rate:.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"
