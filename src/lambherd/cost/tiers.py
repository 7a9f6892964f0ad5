"""Graduated (tiered) prices: how a monthly quantity splits over volume tiers.

AWS prices some items by monthly volume: Lambda on-demand duration (x86: first 6 B GB-s, next
9 B, over 15 B; arm64: 7.5 B / 11.25 B / 18.75 B), CloudWatch Logs ingestion of Lambda logs
(first 10 TB, next 20 TB, next 20 TB, over 50 TB). A tier covers ``[start, end)`` of the
month's cumulative quantity; ``end`` None is open-ended.

``split(quantity, tiers, offset)`` places ``quantity`` after ``offset`` already used this month
(another function of the same project, the invoke phase before the INIT phase) and returns the
part in each tier plus the part no tier covers (a table that stops at its first tier). The cost
is then ``sum(part * price)``: continuous in the quantity (no jump at a tier edge) and
non-decreasing, because each extra unit costs the price of the tier it lands in.

All arithmetic is ``Decimal``: figures match a hand calculation to the last digit.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Tier:
    """One volume tier: ``unit_price`` for the cumulative monthly quantity in [start, end)."""

    start: Decimal
    end: Decimal | None
    unit_price: Decimal

    def covers(self, point: Decimal) -> bool:
        """True when ``point`` (a cumulative quantity) falls in this tier."""
        return self.start <= point and (self.end is None or point < self.end)


@dataclass(frozen=True)
class TierPart:
    """The part of a quantity that falls in one tier, and what it costs."""

    tier: Tier
    index: int  # 0 for the first tier
    quantity: Decimal

    @property
    def usd(self) -> Decimal:
        """The part's cost."""
        return self.quantity * self.tier.unit_price


@dataclass(frozen=True)
class Split:
    """A quantity spread over tiers; ``uncovered`` is what lies beyond the last known tier."""

    parts: tuple[TierPart, ...]
    uncovered: Decimal

    @property
    def usd(self) -> Decimal:
        """The cost of the covered parts (``uncovered`` has no price)."""
        return sum((p.usd for p in self.parts), Decimal(0))


def check_tiers(tiers: Sequence[Tier]) -> None:
    """Raise ValueError unless the tiers start at 0, are contiguous and have prices >= 0."""
    if not tiers:
        raise ValueError("no tiers")
    if tiers[0].start != 0:
        raise ValueError("the first tier must start at 0")
    for before, after in itertools.pairwise(tiers):
        if before.end is None or before.end != after.start:
            raise ValueError(f"tiers are not contiguous at {before.end}")
    for tier in tiers:
        if tier.unit_price < 0 or (tier.end is not None and tier.end <= tier.start):
            raise ValueError(f"bad tier {tier}")


def split(quantity: Decimal, tiers: Sequence[Tier], offset: Decimal = Decimal(0)) -> Split:
    """``quantity`` placed after ``offset`` already used this month, spread over ``tiers``."""
    if quantity < 0 or offset < 0:
        raise ValueError("quantities are never negative")
    low, high = offset, offset + quantity
    parts: list[TierPart] = []
    covered_to = Decimal(0)
    for index, tier in enumerate(tiers):
        top = high if tier.end is None else min(high, tier.end)
        bottom = max(low, tier.start)
        if top > bottom:
            parts.append(TierPart(tier, index, top - bottom))
        covered_to = tier.end if tier.end is not None else high
        if tier.end is None or tier.end >= high:
            break
    uncovered = max(Decimal(0), high - max(covered_to, low))
    return Split(tuple(parts), uncovered)


def cost(quantity: Decimal, tiers: Sequence[Tier], offset: Decimal = Decimal(0)) -> Decimal:
    """What ``quantity`` costs after ``offset`` (covered parts only)."""
    return split(quantity, tiers, offset).usd
