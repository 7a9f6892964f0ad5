"""The AWS Price List Query API (``pricing``: GetProducts, DescribeServices) in the sandbox.

moto has no Pricing backend. This room answers from the price table shipped with lambherd,
in the API's documented shape, so that ``lambherd cost --refresh-prices`` can be run and tested
without an account: JSON 1.1 (``X-Amz-Target: AWSPriceListService.<Action>``), ``FormatVersion
aws_v1``, each ``PriceList`` entry a product document as a JSON *string* with ``product``
(``sku``, ``productFamily``, ``attributes``: ``servicecode``, ``regionCode``, ``location``,
``usagetype`` with Lambda's region prefix such as ``APN1-``, ``group``), ``serviceCode``,
``terms.OnDemand.<sku>.<offer term>.priceDimensions.<rate>`` (``beginRange``, ``endRange``
``Inf`` for the last tier, ``unit``, ``pricePerUnit.USD``) and ``publicationDate``.

Served: services AWSLambda and AmazonCloudWatch (the Lambda log-ingestion items), filters
TERM_MATCH / EQUALS (exact), CONTAINS, ANY_OF and NONE_OF (comma-separated) on ``ServiceCode``,
``sku``, ``productFamily`` or any attribute, ``MaxResults`` (1-100) and ``NextToken``. Items
the shipped table has no usage type for (SnapStart) are not served.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from werkzeug.wrappers import Response

from lambherd.sandbox.wire import error

_TARGET = "AWSPriceListService."
_OFFER_TERM = "JRTCKXETXF"  # the OnDemand offer term code
_RATE = "6YS6EN2CT7"
#: The usage type prefix of a region (us-east-1's Lambda usage types have none).
REGION_PREFIX = {
    "us-east-1": "",
    "us-west-2": "USW2-",
    "eu-west-1": "EU-",
    "eu-central-1": "EUC1-",
    "ap-northeast-1": "APN1-",
    "ap-southeast-1": "APS1-",
}
LOCATION = {
    "us-east-1": "US East (N. Virginia)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-central-1": "EU (Frankfurt)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
}
_GROUPS = {
    "lambda.requests": "AWS-Lambda-Requests",
    "lambda.duration": "AWS-Lambda-Duration",
    "lambda.provisioned": "AWS-Lambda-Provisioned-Concurrency",
    "lambda.provisioned-duration": "AWS-Lambda-Duration-Provisioned",
    "lambda.ephemeral-storage": "AWS-Lambda-Storage-Duration",
    "logs.lambda.standard": "Ingested Logs",
    "logs.lambda.infrequent-access": "Ingested Logs",
}
SERVICES = {
    "AWSLambda": ["group", "location", "productFamily", "regionCode", "servicecode", "usagetype"],
    "AmazonCloudWatch": ["group", "location", "productFamily", "regionCode", "usagetype"],
}


def is_pricing(environ: dict[str, Any]) -> bool:
    """True for a Price List Query API request."""
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(_TARGET)


def serve(environ: dict[str, Any], body: bytes) -> Response:
    """Answer GetProducts or DescribeServices."""
    action = str(environ.get("HTTP_X_AMZ_TARGET", ""))[len(_TARGET) :]
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return error(400, "InvalidParameterException", "the request body is not JSON")
    if not isinstance(doc, dict):
        return error(400, "InvalidParameterException", "the request body is not a JSON object")
    if action == "DescribeServices":
        return _describe_services(doc)
    if action == "GetProducts":
        return _get_products(doc)
    return error(400, "InvalidAction", f"the sandbox's Price List API has no action {action}")


def _ok(doc: dict[str, Any]) -> Response:
    return Response(json.dumps(doc), status=200, content_type="application/x-amz-json-1.1")


def _describe_services(doc: dict[str, Any]) -> Response:
    code = doc.get("ServiceCode")
    if code and code not in SERVICES:
        return error(400, "NotFoundException", f"Service {code} not found")
    codes = [code] if code else sorted(SERVICES)
    return _ok(
        {
            "Services": [{"ServiceCode": c, "AttributeNames": SERVICES[c]} for c in codes],
            "FormatVersion": "aws_v1",
        }
    )


def _get_products(doc: dict[str, Any]) -> Response:
    code = doc.get("ServiceCode")
    if not code:
        return error(400, "InvalidParameterException", "ServiceCode is required")
    if code not in SERVICES:
        return error(400, "NotFoundException", f"Service {code} not found")
    size = doc.get("MaxResults", 100)
    if not isinstance(size, int) or not 1 <= size <= 100:
        return error(400, "InvalidParameterException", "MaxResults must be between 1 and 100")
    try:
        start = int(doc.get("NextToken") or 0)
    except ValueError:
        return error(400, "InvalidNextTokenException", "the NextToken is not valid")
    matching = [p for p in _products(code) if all(_matches(p, f) for f in doc.get("Filters", []))]
    page = matching[start : start + size]
    out: dict[str, Any] = {
        "FormatVersion": "aws_v1",
        "PriceList": [json.dumps(p) for p in page],
    }
    if start + size < len(matching):
        out["NextToken"] = str(start + size)
    return _ok(out)


def _matches(product: dict[str, Any], spec: dict[str, Any]) -> bool:
    field, value, kind = spec.get("Field"), str(spec.get("Value", "")), spec.get("Type")
    info = product["product"]
    have = {
        "ServiceCode": product["serviceCode"],
        "sku": info["sku"],
        "productFamily": info["productFamily"],
        **info["attributes"],
    }.get(str(field))
    if have is None:
        return kind == "NONE_OF"
    if kind == "CONTAINS":
        return value in have
    if kind == "ANY_OF":
        return have in [v.strip() for v in value.split(",")]
    if kind == "NONE_OF":
        return have not in [v.strip() for v in value.split(",")]
    return have == value  # TERM_MATCH, EQUALS


@cache
def _products(service: str) -> list[dict[str, Any]]:
    """Every product of ``service`` the shipped table can state, as Price List documents."""
    from lambherd.cost.pricelist import USAGE_TYPES
    from lambherd.cost.prices import shipped_table

    table = shipped_table()
    usage_of = {(item, arch): usage for usage, (item, arch, _unit) in USAGE_TYPES.items()}
    out: list[dict[str, Any]] = []
    for (region, item, arch), price in sorted(table.entries.items()):
        usage = usage_of.get((item, arch))
        prefix = REGION_PREFIX.get(region)
        wanted = "AmazonCloudWatch" if item.startswith("logs.") else "AWSLambda"
        if usage is None or prefix is None or wanted != service:
            continue
        sku = _sku(price.ref, region, item, arch)
        dimensions = {}
        for i, tier in enumerate(price.tiers):
            rate = f"{sku}.{_OFFER_TERM}.{_RATE if i == 0 else f'RATE{i}'}"
            dimensions[rate] = {
                "rateCode": rate,
                "description": f"{usage} {price.unit} tier {i + 1} ({table.label})",
                "beginRange": _plain(tier.start),
                "endRange": "Inf" if tier.end is None else _plain(tier.end),
                "unit": price.unit,
                "pricePerUnit": {"USD": format(tier.unit_price, "f")},
                "appliesTo": [],
            }
        out.append(
            {
                "product": {
                    "sku": sku,
                    "productFamily": "Serverless" if wanted == "AWSLambda" else "Data Payload",
                    "attributes": {
                        "servicecode": wanted,
                        "regionCode": region,
                        "location": LOCATION[region],
                        "usagetype": prefix + usage,
                        "group": _GROUPS.get(item, item),
                    },
                },
                "serviceCode": wanted,
                "terms": {
                    "OnDemand": {
                        f"{sku}.{_OFFER_TERM}": {
                            "offerTermCode": _OFFER_TERM,
                            "sku": sku,
                            "effectiveDate": f"{table.date}T00:00:00Z",
                            "priceDimensions": dimensions,
                            "termAttributes": {},
                        }
                    }
                },
                "version": table.date.replace("-", ""),
                "publicationDate": f"{table.date}T00:00:00Z",
            }
        )
    return out


def _sku(ref: str, region: str, item: str, arch: str) -> str:
    """The SKU the shipped table names for the figure, else one made from what it is."""
    head = ref.removeprefix("SKU ").split(".")[0].split()[0] if ref else ""
    if len(head) == 16 and head.isalnum() and head.isupper():
        return head
    return hashlib.sha256(f"{region} {item} {arch}".encode()).hexdigest()[:16].upper()


def _plain(value: Any) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
