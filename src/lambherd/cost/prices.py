"""The price table: every figure with its region, architecture, tiers, unit and source.

The table shipped with lambherd is ``prices.json`` beside this module (its ``date`` says when
it was compiled; each entry names a source and the AWS offer-file reference of the figure).
A cache written from the AWS Price List API (``pricelist.py``) has the same shape and, when
used, lies over the shipped table entry by entry.

A price that is not in the table is never guessed: ``PriceTable.price`` returns None and
``PriceTable.missing`` says so in one line ("no price for ap-east-1 SnapStart restore in the
shipped table (2026-12-01)"); no other region's figure is ever used in its place.

Items (``ITEMS``): Lambda requests, on-demand duration (tiered), provisioned concurrency
(allocation) and its duration, ephemeral storage over 512 MB, SnapStart cache and restore,
and ingestion of Lambda logs into CloudWatch Logs (Standard and Infrequent Access classes).
Architecture is ``x86_64`` or ``arm64``; items priced alike for both are stored under ``any``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from lambherd.cost.tiers import Tier, check_tiers
from lambherd.errors import UsageError

ARCHITECTURES = ("x86_64", "arm64")
ANY_ARCH = "any"
#: item key -> what the user reads in a price line
ITEMS: dict[str, str] = {
    "lambda.requests": "requests",
    "lambda.duration": "duration",
    "lambda.provisioned": "provisioned concurrency",
    "lambda.provisioned-duration": "provisioned duration",
    "lambda.ephemeral-storage": "ephemeral storage",
    "lambda.snapstart-cache": "SnapStart cache",
    "lambda.snapstart-restore": "SnapStart restore",
    "logs.lambda.standard": "CloudWatch Logs ingestion (Standard)",
    "logs.lambda.infrequent-access": "CloudWatch Logs ingestion (Infrequent Access)",
}
SHIPPED = "prices.json"


@dataclass(frozen=True)
class Price:
    """One priced item in one region for one architecture (or ``any``)."""

    item: str
    region: str
    arch: str
    unit: str
    tiers: tuple[Tier, ...]
    source: str  # the key of the table's ``sources``
    ref: str = ""  # the offer-file reference: SKU or SKU.OfferTermCode.RateCode
    note: str = ""

    @property
    def flat(self) -> Decimal:
        """The first tier's unit price (the price of one more unit at low volume)."""
        return self.tiers[0].unit_price


@dataclass(frozen=True)
class FreeTier:
    """Lambda's monthly free tier (per account)."""

    requests: Decimal
    gb_seconds: Decimal
    source: str


@dataclass(frozen=True)
class PriceTable:
    """Prices by region, item and architecture, with their sources and the table's date."""

    date: str
    label: str  # "shipped table", "Price List cache"
    sources: Mapping[str, Mapping[str, str]]
    free_tier: FreeTier
    entries: Mapping[tuple[str, str, str], Price] = field(default_factory=dict)

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions with at least one price, sorted."""
        return tuple(sorted({region for region, _, _ in self.entries}))

    def price(self, item: str, region: str, arch: str) -> Price | None:
        """The price of ``item`` in ``region`` for ``arch`` (or for any architecture)."""
        return self.entries.get((region, item, arch)) or self.entries.get((region, item, ANY_ARCH))

    def missing(self, item: str, region: str, arch: str | None = None, detail: str = "") -> str:
        """The one line that says a price is not in the table."""
        what = ITEMS.get(item, item) + (f" {detail}" if detail else "")
        arch_part = f" {arch}" if arch and arch != ANY_ARCH else ""
        return f"no price for {region}{arch_part} {what} in the {self.label} ({self.date})"

    def require_region(self, region: str) -> None:
        """Refuse a region the table knows nothing about (one line, the regions it knows)."""
        if region not in self.regions:
            raise UsageError(
                f"no prices for region {region} in the {self.label} ({self.date}); "
                f"regions with prices: {', '.join(self.regions)}"
            )

    def source_text(self, price: Price) -> str:
        """What a price line names as its source: the source's title, date and the reference."""
        src = self.sources.get(price.source, {})
        title = src.get("title", price.source)
        read = src.get("read")
        parts = [title + (f" (read {read})" if read else "")]
        if price.ref:
            parts.append(price.ref)
        return "; ".join(parts)

    def overlay(self, other: PriceTable) -> PriceTable:
        """This table with every entry of ``other`` put over it (e.g. a Price List cache)."""
        entries = dict(self.entries)
        entries.update(other.entries)
        sources = {**self.sources, **other.sources}
        label = f"{self.label} with the {other.label}"
        return PriceTable(max(self.date, other.date), label, sources, self.free_tier, entries)


def parse_table(doc: Mapping[str, Any], label: str) -> PriceTable:
    """A ``PriceTable`` from the JSON document (shipped table or cache); ValueError when bad."""
    if doc.get("schema") != 1:
        raise ValueError(f"unknown price table schema {doc.get('schema')!r}")
    sources = doc.get("sources") or {}
    free = (doc.get("global") or {}).get("free-tier") or {}
    free_tier = FreeTier(
        Decimal(str(free.get("requests", 0))),
        Decimal(str(free.get("gb_seconds", 0))),
        str(free.get("source", "")),
    )
    entries: dict[tuple[str, str, str], Price] = {}
    for region, items in (doc.get("regions") or {}).items():
        for item, by_arch in items.items():
            if item not in ITEMS:
                raise ValueError(f"{region}: unknown price item {item!r}")
            for arch, raw in by_arch.items():
                if arch not in (*ARCHITECTURES, ANY_ARCH):
                    raise ValueError(f"{region} {item}: unknown architecture {arch!r}")
                tiers = tuple(
                    Tier(
                        Decimal(str(start)),
                        None if end is None else Decimal(str(end)),
                        Decimal(str(price)),
                    )
                    for start, end, price in raw["tiers"]
                )
                check_tiers(tiers)
                if raw.get("source") not in sources:
                    source = raw.get("source")
                    raise ValueError(f"{region} {item} {arch}: source {source!r} unknown")
                entries[(region, item, arch)] = Price(
                    item,
                    region,
                    arch,
                    str(raw["unit"]),
                    tiers,
                    str(raw["source"]),
                    str(raw.get("ref", "")),
                    str(raw.get("note", "")),
                )
    return PriceTable(str(doc.get("date", "")), label, sources, free_tier, entries)


@cache
def shipped_table() -> PriceTable:
    """The table shipped with lambherd (read once)."""
    text = resources.files("lambherd.cost").joinpath(SHIPPED).read_text(encoding="utf-8")
    return parse_table(json.loads(text), "shipped table")
