"""Prices from the AWS Price List API (GetProducts), and the cache they are kept in.

The AWS Price List Query API answers from its us-east-1 endpoint (also eu-central-1 and
ap-south-1). ``GetProducts(ServiceCode="AWSLambda" | "AmazonCloudWatch", Filters=[regionCode])``
returns ``{"FormatVersion": "aws_v1", "PriceList": [<JSON text>, ...], "NextToken": ...}``;
each PriceList entry is one product as a JSON *string*::

    {"product": {"sku": "TG3M4CAGBA3NYQBH", "productFamily": "Serverless",
                 "attributes": {"regionCode": "us-east-1", "usagetype": "Lambda-GB-Second",
                                "group": "AWS-Lambda-Duration", ...}},
     "serviceCode": "AWSLambda",
     "terms": {"OnDemand": {"TG3M4CAGBA3NYQBH.JRTCKXETXF": {
         "effectiveDate": "2025-10-01T00:00:00Z",
         "priceDimensions": {"TG3M4CAGBA3NYQBH.JRTCKXETXF.CUKFZ388N3": {
             "unit": "Lambda-GB-Second", "beginRange": "0", "endRange": "6000000000",
             "pricePerUnit": {"USD": "0.0000166667"}, "description": "..."}, ...}}}},
     "publicationDate": "..."}

``parse_products`` turns those entries into price-table entries (tiers from the price
dimensions' ranges, ``ref`` = SKU). A usage type it does not know is listed in
``unmapped``, never priced by guess. ``write_cache`` / ``read_cache`` keep the result as a
document of the shipped table's shape (``prices.py``) plus when and from where it was
fetched; ``lambherd cost --refresh-prices`` writes it (``refresh_cache``: one region at a
time, merged into the cache's other regions) and ``cost`` then lays it over the shipped table
(``current_table``). The sandbox serves GetProducts from the shipped table for the tests
(``sandbox/pricing.py``: moto has no Pricing backend).

The usage types (``usagetype`` with its region prefix such as ``APN1-`` removed; us-east-1 has
none): Request(-ARM), Lambda-GB-Second(-ARM), Lambda-Provisioned-Concurrency(-ARM),
Lambda-Provisioned-GB-Second(-ARM), Lambda-Storage-GB-Second(-ARM) (ephemeral storage), and for
CloudWatch's Lambda logs VendedLog-Bytes (Standard) and VendedLogIA-Bytes (Infrequent Access).
SnapStart's usage types are not mapped yet: they have to be read from a real GetProducts answer
first (the shipped table has them by SKU for us-east-1).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from lambherd.cost.prices import ANY_ARCH, PriceTable, parse_table
from lambherd.errors import LambherdError

PRICING_REGION = "us-east-1"
SOURCE_KEY = "pricelist-api"
CACHE_SCHEMA = 1
_PREFIX = re.compile(r"^[A-Z]{2,4}\d?-")
#: usage type (without region prefix) -> (item, architecture, unit)
USAGE_TYPES: dict[str, tuple[str, str, str]] = {
    "Request": ("lambda.requests", "x86_64", "request"),
    "Request-ARM": ("lambda.requests", "arm64", "request"),
    "Lambda-GB-Second": ("lambda.duration", "x86_64", "GB-s"),
    "Lambda-GB-Second-ARM": ("lambda.duration", "arm64", "GB-s"),
    "Lambda-Provisioned-Concurrency": ("lambda.provisioned", "x86_64", "GB-s"),
    "Lambda-Provisioned-Concurrency-ARM": ("lambda.provisioned", "arm64", "GB-s"),
    "Lambda-Provisioned-GB-Second": ("lambda.provisioned-duration", "x86_64", "GB-s"),
    "Lambda-Provisioned-GB-Second-ARM": ("lambda.provisioned-duration", "arm64", "GB-s"),
    "Lambda-Storage-GB-Second": ("lambda.ephemeral-storage", "x86_64", "GB-s"),
    "Lambda-Storage-GB-Second-ARM": ("lambda.ephemeral-storage", "arm64", "GB-s"),
    "VendedLog-Bytes": ("logs.lambda.standard", ANY_ARCH, "GB"),
    "VendedLogIA-Bytes": ("logs.lambda.infrequent-access", ANY_ARCH, "GB"),
}


@dataclass
class ParsedPrices:
    """Entries found in GetProducts answers, by region, item and architecture."""

    regions: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    effective: set[str] = field(default_factory=set)


def usage_type(attributes: Mapping[str, Any]) -> str:
    """The product's usage type without its region prefix (``APN1-Request`` -> ``Request``)."""
    return _PREFIX.sub("", str(attributes.get("usagetype", "")))


def parse_products(price_list: Iterable[str | Mapping[str, Any]]) -> ParsedPrices:
    """Price-table entries from GetProducts ``PriceList`` items (JSON strings, or dicts)."""
    parsed = ParsedPrices()
    for raw in price_list:
        product_doc = json.loads(raw) if isinstance(raw, str) else raw
        product = product_doc.get("product") or {}
        attributes = product.get("attributes") or {}
        region = attributes.get("regionCode")
        kind = usage_type(attributes)
        mapped = USAGE_TYPES.get(kind)
        if not region or mapped is None:
            parsed.unmapped.append(str(attributes.get("usagetype", "?")))
            continue
        item, arch, unit = mapped
        tiers, effective = _on_demand_tiers(product_doc)
        if not tiers:
            parsed.unmapped.append(str(attributes.get("usagetype", "?")))
            continue
        parsed.effective.update(effective)
        parsed.regions.setdefault(region, {}).setdefault(item, {})[arch] = {
            "unit": unit,
            "tiers": tiers,
            "source": SOURCE_KEY,
            "ref": f"SKU {product.get('sku', '?')} ({attributes.get('usagetype')})",
        }
    return parsed


def _on_demand_tiers(product_doc: Mapping[str, Any]) -> tuple[list[list[Any]], set[str]]:
    """[[begin, end|None, price]] from the OnDemand term's price dimensions, sorted."""
    tiers: list[list[Any]] = []
    effective: set[str] = set()
    for term in ((product_doc.get("terms") or {}).get("OnDemand") or {}).values():
        if term.get("effectiveDate"):
            effective.add(str(term["effectiveDate"]))
        for dim in (term.get("priceDimensions") or {}).values():
            usd = (dim.get("pricePerUnit") or {}).get("USD")
            if usd is None:
                continue
            begin = Decimal(str(dim.get("beginRange", "0")))
            end_raw = str(dim.get("endRange", "Inf"))
            end = None if end_raw == "Inf" else Decimal(end_raw)
            tiers.append([begin, end, str(usd)])
    tiers.sort(key=lambda t: t[0])
    return [[_plain(b), None if e is None else _plain(e), p] for b, e, p in tiers], effective


def _plain(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


def cache_document(parsed: ParsedPrices, fetched_at: datetime | None = None) -> dict[str, Any]:
    """The cache document: the shipped table's shape, dated, with the API as its source."""
    when = (fetched_at or datetime.now(UTC)).astimezone(UTC)
    return {
        "schema": CACHE_SCHEMA,
        "date": when.date().isoformat(),
        "fetched_at": when.isoformat(timespec="seconds"),
        "currency": "USD",
        "sources": {
            SOURCE_KEY: {
                "title": f"AWS Price List API GetProducts ({PRICING_REGION} endpoint)",
                "where": "effective " + (", ".join(sorted(parsed.effective)) or "?"),
                "read": when.date().isoformat(),
            }
        },
        "regions": parsed.regions,
        "unmapped": sorted(set(parsed.unmapped)),
    }


def default_cache_path() -> Path:
    """``$LAMBHERD_PRICE_CACHE`` (a file), else ``$LAMBHERD_CACHE_DIR/prices.json``, else
    ``$XDG_CACHE_HOME`` or ``~/.cache``/lambherd/prices.json."""
    path = os.environ.get("LAMBHERD_PRICE_CACHE")
    if path:
        return Path(path)
    env = os.environ.get("LAMBHERD_CACHE_DIR")
    if env:
        return Path(env) / "prices.json"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lambherd" / "prices.json"


def write_cache(doc: Mapping[str, Any], path: Path | None = None) -> Path:
    """Write the cache document atomically (a temporary file renamed over the old one)."""
    target = path or default_cache_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    tmp.replace(target)
    return target


def read_cache(path: Path | None = None) -> PriceTable:
    """The cached prices as a ``PriceTable`` to lay over the shipped one with ``overlay``
    (which keeps the shipped free tier). ValueError when unreadable or of another schema."""
    target = path or default_cache_path()
    doc = json.loads(target.read_text(encoding="utf-8"))
    return parse_table(doc, "Price List cache")


def current_table(path: Path | None = None) -> tuple[PriceTable, str | None]:
    """The shipped table with the Price List cache laid over it when there is one.

    Returns the table and a note saying which cache was used (its date, when it was fetched)
    or why an unreadable one was not; None when there is no cache.
    """
    from lambherd.cost.prices import shipped_table

    target = path or default_cache_path()
    shipped = shipped_table()
    if not target.is_file():
        return shipped, None
    try:
        doc = json.loads(target.read_text(encoding="utf-8"))
        cache = parse_table(doc, "Price List cache")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return shipped, f"prices: the Price List cache {target} was not used: {exc}"
    fetched = doc.get("fetched_at") or cache.date
    regions = ", ".join(sorted(doc.get("regions") or {})) or "no region"
    return shipped.overlay(cache), (
        f"prices: Price List API cache of {cache.date} (fetched {fetched}, {regions}) over "
        f"the shipped table ({shipped.date}); {target}"
    )


#: The Price List service codes read, and whether their unknown usage types are worth listing
#: (CloudWatch has hundreds of products per region; only the Lambda log items are read).
SERVICE_CODES = (("AWSLambda", True), ("AmazonCloudWatch", False))


@dataclass(frozen=True)
class Refresh:
    """What ``--refresh-prices`` read and wrote."""

    region: str
    path: Path
    date: str
    products: int
    entries: int
    unmapped: tuple[str, ...]

    def describe(self) -> str:
        """One line for the terminal."""
        left = f"; not priced (unknown usage types): {len(self.unmapped)}" if self.unmapped else ""
        return (
            f"prices refreshed from the AWS Price List API for {self.region}: {self.entries} "
            f"price(s) from {self.products} product(s), cache of {self.date} at {self.path}{left}"
        )


def fetch_products(client: Any, service_code: str, region: str) -> list[str]:
    """Every GetProducts ``PriceList`` entry of ``service_code`` in ``region`` (all pages)."""
    entries: list[str] = []
    kwargs: dict[str, Any] = {
        "ServiceCode": service_code,
        "FormatVersion": "aws_v1",
        "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
        "MaxResults": 100,
    }
    while True:
        page = client.get_products(**kwargs)
        entries += page.get("PriceList") or []
        token = page.get("NextToken")
        if not token:
            return entries
        kwargs["NextToken"] = token


def refresh_cache(client: Any, region: str, path: Path | None = None) -> Refresh:
    """Read ``region``'s Lambda and CloudWatch prices into the cache (other regions kept)."""
    merged = ParsedPrices()
    products = 0
    for code, list_unknown in SERVICE_CODES:
        entries = fetch_products(client, code, region)
        products += len(entries)
        parsed = parse_products(entries)
        for found_region, items in parsed.regions.items():
            for item, by_arch in items.items():
                merged.regions.setdefault(found_region, {}).setdefault(item, {}).update(by_arch)
        merged.effective |= parsed.effective
        if list_unknown:
            merged.unmapped += parsed.unmapped
    if not any(merged.regions.get(region, {}).values()):
        raise LambherdError(
            f"the AWS Price List API answered no Lambda price for {region}: cache not written"
        )
    doc = cache_document(merged)
    target = path or default_cache_path()
    try:
        old = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
    except (OSError, ValueError):
        old = {}
    if old.get("schema") == CACHE_SCHEMA:
        doc["regions"] = {**(old.get("regions") or {}), **doc["regions"]}
        doc["unmapped"] = sorted(set(old.get("unmapped") or []) | set(doc["unmapped"]))
    write_cache(doc, target)
    entries_written = sum(len(by_arch) for by_arch in merged.regions.get(region, {}).values())
    return Refresh(
        region, target, doc["date"], products, entries_written, tuple(sorted(set(merged.unmapped)))
    )
