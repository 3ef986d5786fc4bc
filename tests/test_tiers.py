"""Tier maths: exactly the docstring's worked examples, plus properties (hypothesis)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecrcost.pricing.tiers import check_ladder, describe_ladder, split_tiers

LADDER = [(0, 10240, 0.09), (10240, 51200, 0.085), (51200, 153600, 0.07), (153600, math.inf, 0.05)]


@pytest.mark.parametrize(
    ("quantity", "parts", "cost"),
    [
        (0, (0.0, 0.0, 0.0, 0.0), 0.0),  # zero
        (10240, (10240.0, 0.0, 0.0, 0.0), 921.60),  # exactly on a boundary
        (20480, (10240.0, 10240.0, 0.0, 0.0), 1792.00),  # crossing a boundary
        (204800, (10240.0, 40960.0, 102400.0, 51200.0), 14131.20),  # past the last boundary
    ],
)
def test_docstring_examples(quantity, parts, cost):
    s = split_tiers(quantity, LADDER)
    assert s.quantities == parts
    assert round(s.cost, 2) == cost


def test_docstring_is_a_doctest():
    import doctest

    from ecrcost.pricing import tiers

    assert doctest.testmod(tiers).failed == 0


@pytest.mark.parametrize(
    ("ladder", "message"),
    [
        ([], "at least one"),
        ([(5, 10, 0.1)], "should start at 0"),
        ([(0, 10, 0.1), (11, math.inf, 0.1)], "gap or overlap"),
        ([(0, 10, 0.1), (9, math.inf, 0.1)], "gap or overlap"),
        ([(0, 0, 0.1)], "empty or reversed"),
        ([(0, 10, -0.1)], "negative"),
    ],
)
def test_bad_ladders(ladder, message):
    with pytest.raises(ValueError, match=message):
        check_ladder(ladder)


@pytest.mark.parametrize("q", [-1, float("nan")])
def test_bad_quantities(q):
    with pytest.raises(ValueError, match="non-negative"):
        split_tiers(q, LADDER)


def test_beyond_a_closed_last_tier():
    with pytest.raises(ValueError, match="beyond the last tier"):
        split_tiers(501, [(0, 500, 0.0)])


def test_describe():
    assert describe_ladder([(0, math.inf, 0.1)], "GB-Mo") == "$0.10/GB-Mo"
    assert describe_ladder(LADDER[:2] + [(51200, math.inf, 0.07)]) == (
        "$0.09/GB to 10,240 GB; then $0.085/GB to 51,200 GB; then $0.07/GB"
    )


quantities = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)


@given(quantities, quantities)
def test_monotone(a, b):
    lo, hi = sorted((a, b))
    assert split_tiers(lo, LADDER).cost <= split_tiers(hi, LADDER).cost + 1e-9


@given(quantities)
def test_parts_add_up_and_are_never_negative(q):
    s = split_tiers(q, LADDER)
    assert math.isclose(sum(s.quantities), q, rel_tol=1e-12, abs_tol=1e-9)
    assert all(p >= 0 for p in s.quantities) and all(c >= 0 for c in s.costs)
    assert math.isclose(
        s.cost,
        sum(p * r for p, (_, _, r) in zip(s.quantities, LADDER, strict=True)),
        rel_tol=1e-12,
        abs_tol=1e-9,
    )


@given(quantities, quantities)
def test_additive_across_tiers(a, b):
    # pricing a then b more equals pricing a + b: the marginal cost of b is the ladder from a on
    total = split_tiers(a + b, LADDER).cost
    first = split_tiers(a, LADDER).cost
    shifted = [(max(s - a, 0), e - a, r) for s, e, r in LADDER if e > a]
    assert math.isclose(total, first + split_tiers(b, shifted).cost, rel_tol=1e-9, abs_tol=1e-6)
    assert split_tiers(a, LADDER).cost <= a * 0.09 + 1e-9  # never above the first-tier rate
