"""Tier maths: monotonic, continuous at every tier edge, additive over offsets; every shipped
tier table has the same properties (checked on seeded random quantities and at each edge)."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal as D

import pytest

from lambherd.cost.prices import shipped_table
from lambherd.cost.tiers import Tier, check_tiers, cost, split

X86 = (
    Tier(D(0), D(6_000_000_000), D("0.0000166667")),
    Tier(D(6_000_000_000), D(15_000_000_000), D("0.000015")),
    Tier(D(15_000_000_000), None, D("0.0000133334")),
)
ARM = (
    Tier(D(0), D(7_500_000_000), D("0.0000133334")),
    Tier(D(7_500_000_000), D(18_750_000_000), D("0.0000120001")),
    Tier(D(18_750_000_000), None, D("0.0000106667")),
)
ALL_TIERED = [price.tiers for price in shipped_table().entries.values() if len(price.tiers) > 1] + [
    X86,
    ARM,
]
EPSILON = D("0.000001")


def _quantities(tiers, rng: random.Random, count: int = 200) -> list[D]:
    edges = [t.start for t in tiers] + [t.end for t in tiers if t.end is not None]
    top = max(edges) * 2 or D(10**12)
    sample = [D(rng.randrange(0, int(top))) for _ in range(count)]
    return sorted(sample + edges + [e - 1 for e in edges if e > 0] + [e + 1 for e in edges])


@pytest.mark.parametrize("tiers", ALL_TIERED)
def test_cost_is_monotonic(tiers) -> None:
    rng = random.Random(16)
    points = _quantities(tiers, rng)
    costs = [cost(q, tiers) for q in points]
    assert all(a <= b for a, b in itertools.pairwise(costs))


@pytest.mark.parametrize("tiers", ALL_TIERED)
def test_cost_is_continuous_at_every_tier_edge(tiers) -> None:
    for tier in tiers[1:]:
        edge = tier.start
        below, at, above = (
            cost(edge - EPSILON, tiers),
            cost(edge, tiers),
            cost(edge + EPSILON, tiers),
        )
        # one step of EPSILON costs at most EPSILON x the dearest price: no jump at the edge
        dearest = max(t.unit_price for t in tiers)
        assert at - below <= EPSILON * dearest
        assert above - at <= EPSILON * dearest
        assert below <= at <= above


@pytest.mark.parametrize("tiers", ALL_TIERED)
def test_splitting_a_quantity_anywhere_costs_the_same(tiers) -> None:
    rng = random.Random(7)
    for total in _quantities(tiers, rng, 50):
        first = D(rng.randrange(0, int(total) + 1))
        assert cost(first, tiers) + cost(total - first, tiers, offset=first) == cost(total, tiers)


def test_split_parts_by_hand() -> None:
    parts = split(D(16_000_000_000), X86)
    assert [(p.index, p.quantity) for p in parts.parts] == [
        (0, D(6_000_000_000)),
        (1, D(9_000_000_000)),
        (2, D(1_000_000_000)),
    ]
    # 6 B x 0.0000166667 + 9 B x 0.000015 + 1 B x 0.0000133334 = 100,000.2 + 135,000 + 13,333.4
    assert parts.usd == D("248333.6")
    assert parts.uncovered == 0


def test_a_table_that_stops_reports_what_it_cannot_price() -> None:
    first_only = (Tier(D(0), D(6_000_000_000), D("0.0000166667")),)
    parts = split(D(2_000_000_000), first_only, offset=D(5_000_000_000))
    assert [p.quantity for p in parts.parts] == [D(1_000_000_000)]
    assert parts.uncovered == D(1_000_000_000)
    assert split(D(5), first_only, offset=D(7_000_000_000)).uncovered == D(5)


def test_bad_tiers_are_refused() -> None:
    with pytest.raises(ValueError, match="start at 0"):
        check_tiers([Tier(D(1), None, D(1))])
    with pytest.raises(ValueError, match="contiguous"):
        check_tiers([Tier(D(0), D(5), D(1)), Tier(D(6), None, D(1))])
    with pytest.raises(ValueError, match="never negative"):
        split(D(-1), X86)
