"""The metrics window and trend on plain data: periods aligned, a readable number of steps,
sparklines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lambherd.errors import UsageError
from lambherd.services.metrics import sparkline, window


def test_sparkline_scales_from_zero() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([None, 10, 0]) == " █▁"
    assert sparkline([0, 0]) == "▁▁"


def test_window_aligns_to_period() -> None:
    now = datetime(2024, 5, 1, 12, 34, 56, tzinfo=UTC)
    start, end, seconds, count = window(timedelta(hours=3), timedelta(hours=1), now)
    assert start == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    assert (seconds, count, end) == (3600, 4, now)  # the last period is under way: it ends now
    with pytest.raises(UsageError, match="whole number of minutes"):
        window(timedelta(hours=3), timedelta(seconds=90), now)
    with pytest.raises(UsageError, match="too many"):
        window(timedelta(days=30), timedelta(minutes=1), now)


def test_auto_period_gives_a_readable_trend() -> None:
    from lambherd.services.metrics import auto_period

    assert auto_period(timedelta(minutes=10)) == timedelta(minutes=1)
    assert auto_period(timedelta(hours=1)) == timedelta(minutes=5)
    assert auto_period(timedelta(hours=3)) == timedelta(minutes=15)
    assert auto_period(timedelta(hours=24)) == timedelta(hours=1)
    assert auto_period(timedelta(days=2)) == timedelta(hours=3)
    assert auto_period(timedelta(days=7)) == timedelta(days=1)
