"""``cost --refresh-prices``: the sandbox serves the Price List Query API (GetProducts,
DescribeServices) from the shipped table in the API's shape; the refresh writes the cache;
``cost`` then prices with the cache and says so, with its date."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lambherd.cost.pricelist import parse_products
from lambherd.cost.prices import shipped_table

pytestmark = pytest.mark.slow
REGION = "ap-northeast-1"


def pricing(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "pricing",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def test_the_sandbox_serves_the_shipped_table_as_price_list_products(
    sandbox: Any, sandbox_endpoint: str
) -> None:
    client = pricing(sandbox_endpoint)
    services = client.describe_services(ServiceCode="AWSLambda")["Services"]
    assert (
        services[0]["ServiceCode"] == "AWSLambda" and "regionCode" in services[0]["AttributeNames"]
    )
    region_filter = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": REGION}]
    everything = client.get_products(ServiceCode="AWSLambda", Filters=region_filter)["PriceList"]
    product = json.loads(everything[0])
    assert product["product"]["attributes"]["usagetype"].startswith("APN1-")
    assert set(product["terms"]["OnDemand"]) and product["serviceCode"] == "AWSLambda"
    # paging (MaxResults 2) gives the same products
    paged: list[str] = []
    for page in client.get_paginator("get_products").paginate(
        ServiceCode="AWSLambda", Filters=region_filter, PaginationConfig={"PageSize": 2}
    ):
        paged += page["PriceList"]
    assert sorted(paged) == sorted(everything) and len(everything) > 2
    # read back through our parser: the shipped figures, every one
    parsed = parse_products(everything)
    table = shipped_table()
    duration = parsed.regions[REGION]["lambda.duration"]["x86_64"]
    shipped = table.price("lambda.duration", REGION, "x86_64")
    assert shipped is not None
    assert duration["tiers"][0][2] == format(shipped.tiers[0].unit_price, "f")
    assert parsed.unmapped == []
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_products(ServiceCode="AmazonNothing")


def test_refresh_writes_the_cache_and_cost_prices_with_it(
    sandbox: Any, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache" / "prices.json"
    monkeypatch.setenv("LAMBHERD_PRICE_CACHE", str(cache))
    got = lh("-C", str(tmp_path), "--region", REGION, "cost", "--refresh-prices")
    assert got.code == 0, got.err
    assert got.out.startswith(f"prices refreshed from the AWS Price List API for {REGION}: ")
    doc = json.loads(cache.read_text())
    assert doc["sources"]["pricelist-api"]["title"].startswith("AWS Price List API GetProducts")
    entry = doc["regions"][REGION]["lambda.duration"]["x86_64"]
    assert entry["source"] == "pricelist-api" and entry["ref"].startswith("SKU ")
    assert doc["regions"][REGION]["logs.lambda.standard"]["any"]["unit"] == "GB"

    # the cache is what cost uses: a figure changed in it shows in the estimate
    entry["tiers"][0][2] = "0.0000200000"
    cache.write_text(json.dumps(doc))
    args = ("--invocations", "1M", "--duration", "100ms", "--memory", "1024", "--no-free-tier")
    got = lh("-C", str(tmp_path), "--region", REGION, "--output", "json", "cost", *args)
    assert got.code == 0, got.err
    report = json.loads(got.out)
    assert report["prices"]["table"] == "shipped table with the Price List cache"
    assert report["prices"]["date"] == doc["date"]
    duration = next(i for i in report["items"] if i["name"].startswith("duration"))
    assert duration["unit_price_usd"] == pytest.approx(0.00002)
    assert duration["usd"] == pytest.approx(1_000_000 * 0.1 * 1.0 * 0.00002)  # 100,000 GB-s
    assert duration["source"].startswith("AWS Price List API GetProducts")
    assert any(
        n.startswith(f"prices: Price List API cache of {doc['date']}") for n in report["notes"]
    )
    text = lh("-C", str(tmp_path), "--region", REGION, "cost", *args)
    assert f"(shipped table with the Price List cache {doc['date']})" in text.out


def test_refresh_against_an_endpoint_without_the_price_list_api_is_one_line(
    aws: str, lh: Any, tmp_path: Path
) -> None:
    got = lh("-C", str(tmp_path), "--region", REGION, "cost", "--refresh-prices")
    assert got.code == 1
    assert got.err.startswith("error: reading the AWS Price List API (GetProducts)")
    assert "Traceback" not in got.err
