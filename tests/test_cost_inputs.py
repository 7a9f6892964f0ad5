"""Cost inputs: quantities on the command line, concurrency.json schedules, the shipped price
table (coverage, sources, no fallbacks) and the AWS Price List parser and cache."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from lambherd.cost import units
from lambherd.cost.pricelist import (
    cache_document,
    parse_products,
    read_cache,
    usage_type,
    write_cache,
)
from lambherd.cost.prices import ITEMS, shipped_table
from lambherd.cost.schedule import capacity_hours_per_day, environment_hours
from lambherd.errors import UsageError

REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-northeast-1",
    "ap-southeast-1",
)


@pytest.mark.parametrize(
    ("text", "value"), [("10M", 10**7), ("250k", 250_000), ("1.5B", 1_500_000_000), ("3000", 3000)]
)
def test_counts(text: str, value: int) -> None:
    assert units.parse_count(text, option="--invocations") == value


def test_durations_sizes_and_fractions() -> None:
    assert units.parse_milliseconds("120ms", option="--duration") == 120
    assert units.parse_milliseconds("1.5s", option="--duration") == 1500
    assert units.parse_bytes("1KB", option="--log-bytes") == 1024
    assert units.parse_bytes("2 MiB", option="--log-bytes") == 2 * 1024**2
    assert units.parse_fraction("2%", option="--cold-start-rate") == D("0.02")
    assert units.parse_fraction("0.02", option="--cold-start-rate") == D("0.02")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: units.parse_count("abc", option="--invocations"),
            "--invocations: 'abc' is not a count (use a number with an optional k, M or B: "
            "3000, 250k, 10M, 1.5B)",
        ),
        (
            lambda: units.parse_milliseconds("-1ms", option="--duration"),
            "--duration: '-1ms' is not a duration of zero or more (use a number and ms, s, m "
            "or h: 120ms, 1.5s)",
        ),
        (
            lambda: units.parse_milliseconds("0ms", option="--duration"),
            "--duration: '0ms' must be longer than zero",
        ),
        (
            lambda: units.parse_fraction("150%", option="--cold-start-rate"),
            "--cold-start-rate: '150%' is more than 100%",
        ),
        (
            lambda: units.check_megabytes(20000, option="--memory", field="MemorySize"),
            "--memory: 20000 MB is outside Lambda's MemorySize range 128-10240 MB",
        ),
    ],
)
def test_bad_quantities_are_one_line(call, message: str) -> None:
    with pytest.raises(UsageError) as err:
        call()
    assert err.value.message == message


def test_schedule_from_the_concurrency_issue_shape() -> None:
    doc = {
        "ProvisionedConcurrency": {"current": 2},
        "Autoscaling": {
            "current": {
                "MinCapacity": 2,
                "MaxCapacity": 10,
                "ScheduledActions": [
                    {
                        "Name": "morning",
                        "Schedule": "cron(0 9 * * ? *)",
                        "Timezone": "Asia/Tokyo",
                        "MinCapacity": 10,
                        "MaxCapacity": 10,
                    },
                    {
                        "Name": "evening",
                        "Schedule": "cron(0 18 * * ? *)",
                        "Timezone": "Asia/Tokyo",
                        "MinCapacity": 2,
                    },
                ],
            }
        },
    }
    by_day = capacity_hours_per_day(doc, "current")
    assert by_day == [(D(10), D(9)), (D(2), D(15))]
    assert environment_hours(by_day, 30) == (10 * 9 + 2 * 15) * 30


def test_schedule_weekdays_only_and_without_actions() -> None:
    doc = {
        "Autoscaling": {
            "live": {
                "MinCapacity": 0,
                "ScheduledActions": [
                    {"Name": "up", "Schedule": "cron(0 8 ? * MON-FRI *)", "MinCapacity": 4},
                    {"Name": "down", "Schedule": "cron(0 20 ? * MON-FRI *)", "MinCapacity": 0},
                ],
            }
        }
    }
    # 12 h on 5 days of 7: 60 / 7 hours a day on average
    assert capacity_hours_per_day(doc, "live") == [(D(4), D(60) / 7)]
    assert capacity_hours_per_day({"ProvisionedConcurrency": {"a": 3}}, "a") == [(D(3), D(24))]
    assert capacity_hours_per_day({}, "a") == []


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("rate(1 day)", "cannot turn 'rate(1 day)' into hours a day"),
        ("cron(0 9 1 * ? *)", "runs on some days of the month only"),
        ("cron(*/5 9 * * ? *)", "minutes and hours must be numbers"),
    ],
)
def test_schedules_without_a_daily_pattern_are_refused(schedule: str, message: str) -> None:
    doc = {
        "Autoscaling": {
            "a": {"ScheduledActions": [{"Name": "x", "Schedule": schedule, "MinCapacity": 1}]}
        }
    }
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        capacity_hours_per_day(doc, "a")


def test_an_unknown_time_zone_is_refused() -> None:
    doc = {
        "Autoscaling": {
            "a": {
                "ScheduledActions": [
                    {
                        "Name": "x",
                        "Schedule": "cron(0 9 * * ? *)",
                        "Timezone": "Mars/Base",
                        "MinCapacity": 1,
                    }
                ]
            }
        }
    }
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Base'"):
        capacity_hours_per_day(doc, "a")


# -- the shipped table ------------------------------------------------------------------------
def test_the_shipped_table_covers_the_six_regions_with_sources() -> None:
    table = shipped_table()
    assert set(REGIONS) <= set(table.regions)
    for region in REGIONS:
        for item in ("lambda.requests", "lambda.duration", "lambda.ephemeral-storage"):
            for arch in ("x86_64", "arm64"):
                price = table.price(item, region, arch)
                assert price is not None and price.ref, (region, item, arch)
                assert price.source in table.sources
        for item in ("lambda.provisioned", "lambda.provisioned-duration"):
            assert table.price(item, region, "x86_64") is not None, (region, item)
    # every source says where it was read and when
    for key, source in table.sources.items():
        assert source.get("title") and source.get("read"), key
    assert table.free_tier.requests == 1_000_000 and table.free_tier.gb_seconds == 400_000


def test_the_table_never_falls_back_to_another_region() -> None:
    table = shipped_table()
    assert table.price("lambda.snapstart-restore", "ap-east-1", "x86_64") is None
    assert table.missing("lambda.snapstart-restore", "ap-east-1", "x86_64") == (
        "no price for ap-east-1 x86_64 SnapStart restore in the shipped table (2026-12-01)"
    )
    with pytest.raises(UsageError, match="no prices for region ap-east-1 in the shipped table"):
        table.require_region("ap-east-1")
    assert set(ITEMS) >= {item for _, item, _ in table.entries}


# -- the Price List API ---------------------------------------------------------------------
def _product(sku: str, region: str, usagetype: str, dims: list[tuple[str, str, str]]) -> str:
    dimensions = {
        f"{sku}.JRTCKXETXF.{i}": {
            "unit": "Lambda-GB-Second",
            "beginRange": begin,
            "endRange": end,
            "pricePerUnit": {"USD": usd},
            "description": "",
        }
        for i, (begin, end, usd) in enumerate(dims)
    }
    return json.dumps(
        {
            "product": {
                "sku": sku,
                "productFamily": "Serverless",
                "attributes": {"regionCode": region, "usagetype": usagetype},
            },
            "serviceCode": "AWSLambda",
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "effectiveDate": "2026-11-01T00:00:00Z",
                        "priceDimensions": dimensions,
                    }
                }
            },
        }
    )


def test_getproducts_price_list_is_parsed_into_tiers() -> None:
    price_list = [
        _product(
            "FSYUV9NMNDEXRJ5H",
            "ap-northeast-1",
            "APN1-Lambda-GB-Second",
            [
                ("6000000000", "15000000000", "0.0000150000"),
                ("0", "6000000000", "0.0000166667"),
                ("15000000000", "Inf", "0.0000133334"),
            ],
        ),
        _product("X", "ap-northeast-1", "APN1-Request-ARM", [("0", "Inf", "0.0000002000")]),
        _product("Y", "ap-northeast-1", "APN1-Lambda-Edge-Mystery", [("0", "Inf", "1")]),
    ]
    parsed = parse_products(price_list)
    duration = parsed.regions["ap-northeast-1"]["lambda.duration"]["x86_64"]
    assert duration["tiers"] == [
        [0, 6000000000, "0.0000166667"],
        [6000000000, 15000000000, "0.0000150000"],
        [15000000000, None, "0.0000133334"],
    ]
    assert parsed.regions["ap-northeast-1"]["lambda.requests"]["arm64"]["tiers"] == [
        [0, None, "0.0000002000"]
    ]
    assert parsed.unmapped == ["APN1-Lambda-Edge-Mystery"]
    assert usage_type({"usagetype": "Lambda-GB-Second"}) == "Lambda-GB-Second"  # us-east-1


def test_the_cache_round_trips_and_lies_over_the_shipped_table(tmp_path: Path) -> None:
    parsed = parse_products(
        [
            _product(
                "FSYUV9NMNDEXRJ5H",
                "ap-northeast-1",
                "APN1-Lambda-GB-Second",
                [("0", "6000000000", "0.0000166667"), ("6000000000", "Inf", "0.0000150000")],
            )
        ]
    )
    doc = cache_document(parsed, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    path = write_cache(doc, tmp_path / "prices.json")
    cached = read_cache(path)
    assert cached.label == "Price List cache" and cached.date == "2026-12-01"
    merged = shipped_table().overlay(cached)
    tiers = merged.price("lambda.duration", "ap-northeast-1", "x86_64").tiers
    assert [t.end for t in tiers] == [D(6_000_000_000), None]
    # the rest of the shipped table is still there, and the free tier with it
    assert merged.price("lambda.requests", "us-east-1", "x86_64") is not None
    assert merged.free_tier.requests == 1_000_000
    assert "AWS Price List API GetProducts" in merged.source_text(
        merged.price("lambda.duration", "ap-northeast-1", "x86_64")
    )
