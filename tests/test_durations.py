"""Durations and times as the commands take them (``10m``, ``3h``, ISO), on plain data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lambherd.durations import parse_duration, parse_time
from lambherd.errors import UsageError

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10m", NOW - timedelta(minutes=10)),
        ("3h", NOW - timedelta(hours=3)),
        ("2d", NOW - timedelta(days=2)),
        ("30s", NOW - timedelta(seconds=30)),
        ("now", NOW),
        ("2024-04-30T08:15:00Z", datetime(2024, 4, 30, 8, 15, tzinfo=UTC)),
        ("2024-04-30T08:15:00", datetime(2024, 4, 30, 8, 15, tzinfo=UTC)),
        ("2024-04-30T10:15:00+02:00", datetime(2024, 4, 30, 8, 15, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["10x", "", "yesterday", "-3h", "0m"])
def test_parse_time_rejects_nonsense(text: str) -> None:
    with pytest.raises(UsageError, match="--since"):
        parse_time(text, now=NOW, option="--since")


def test_parse_duration() -> None:
    assert parse_duration("1h") == timedelta(hours=1)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    with pytest.raises(UsageError, match="--period: '5 parsecs' is not a duration"):
        parse_duration("5 parsecs", option="--period")
