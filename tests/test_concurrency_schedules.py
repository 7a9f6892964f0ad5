"""Application Auto Scaling schedule expressions: the grammar AWS documents (EventBridge's cron
reference, PutScheduledAction's at()/rate()) and when each runs, in IANA time zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lambherd.concurrency.schedules import (
    Cron,
    ScheduleError,
    next_run,
    parse_schedule,
    zone,
)

T = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # a Saturday; New York is UTC-5 until March 8


@pytest.mark.parametrize(
    ("expr", "tz", "expected"),
    [
        ("cron(0 9 * * ? *)", "Asia/Tokyo", datetime(2026, 3, 8, 0, 0, tzinfo=UTC)),
        ("cron(0 18 ? * MON-FRI *)", "America/New_York", datetime(2026, 3, 9, 22, tzinfo=UTC)),
        ("cron(0 8 1 * ? *)", None, datetime(2026, 4, 1, 8, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", None, datetime(2026, 3, 7, 12, 15, tzinfo=UTC)),
        ("cron(0 10 ? * 6L 2027)", None, datetime(2027, 1, 29, 10, tzinfo=UTC)),  # last Friday
        ("cron(0 10 15W * ? *)", None, datetime(2026, 3, 16, 10, tzinfo=UTC)),  # 15th: a Sunday
        ("cron(0 10 LW * ? *)", None, datetime(2026, 3, 31, 10, tzinfo=UTC)),
        ("cron(0 10 L * ? *)", None, datetime(2026, 3, 31, 10, tzinfo=UTC)),
        ("cron(0 10 ? * 3#2 *)", None, datetime(2026, 3, 10, 10, tzinfo=UTC)),  # 2nd Tuesday
        ("cron(0 10 ? * FRI-MON *)", None, datetime(2026, 3, 8, 10, tzinfo=UTC)),  # wraps
        ("cron(0 12 ? * L *)", None, datetime(2026, 3, 14, 12, tzinfo=UTC)),  # Saturday after
        ("cron(0 0 29 FEB ? *)", None, datetime(2028, 2, 29, 0, tzinfo=UTC)),
        ("at(2026-12-24T09:00:00)", "Asia/Tokyo", datetime(2026, 12, 24, 0, tzinfo=UTC)),
    ],
)
def test_next_run_of_each_form(expr: str, tz: str | None, expected: datetime) -> None:
    assert next_run(parse_schedule(expr), T, timezone=tz) == expected


def test_a_local_time_skipped_by_daylight_saving_does_not_happen() -> None:
    expr = parse_schedule("cron(30 2 * * ? *)")
    # 2026-03-08 02:30 does not exist in New York (clocks jump from 02:00 to 03:00)
    assert next_run(expr, datetime(2026, 3, 8, 6, tzinfo=UTC), timezone="America/New_York") == (
        datetime(2026, 3, 9, 6, 30, tzinfo=UTC)
    )


def test_rate_counts_from_its_start_or_creation_and_start_and_end_bound_every_form() -> None:
    rate = parse_schedule("rate(5 minutes)")
    created = datetime(2026, 3, 7, 11, 58, tzinfo=UTC)
    assert next_run(rate, T, created=created) == datetime(2026, 3, 7, 12, 3, tzinfo=UTC)
    start = datetime(2026, 4, 1, tzinfo=UTC)
    cron = parse_schedule("cron(0 9 * * ? *)")
    # a StartTime in the future is a run itself (then the recurrence follows)
    assert next_run(cron, T, start=start) == start
    assert next_run(cron, start, start=start) == datetime(2026, 4, 1, 9, tzinfo=UTC)
    assert next_run(cron, T, end=datetime(2026, 3, 7, 13, tzinfo=UTC)) is None
    assert next_run(parse_schedule("at(2026-01-01T00:00:00)"), T) is None  # passed


def test_a_cron_that_never_matches_has_no_next_run() -> None:
    assert next_run(parse_schedule("cron(0 0 31 FEB ? *)"), T) is None


@pytest.mark.parametrize(
    ("expr", "says"),
    [
        ("cron(0 9 * * * *)", "exactly one of Day-of-month and Day-of-week must be ?"),
        ("cron(0 9 ? * ? *)", "exactly one of Day-of-month and Day-of-week must be ?"),
        ("cron(0 9 * * ?)", "5 fields; cron takes six"),
        ("cron(60 9 * * ? *)", "Minutes 60 is outside 0-59"),
        ("cron(0 24 * * ? *)", "Hours 24 is outside 0-23"),
        ("cron(0 9 32 * ? *)", "Day-of-month 32 is outside 1-31"),
        ("cron(0 9 * 13 ? *)", "Month 13 is outside 1-12 (or JAN-DEC)"),
        ("cron(0 9 ? * 8 *)", "Day-of-week 8 is outside 1-7 (or SUN-SAT)"),
        ("cron(0 9 ? * MOX *)", "Day-of-week 'MOX' is not a number (or SUN-SAT)"),
        ("cron(0 9 1 * ? 2300)", "Year 2300 is outside 1970-2199"),
        ("cron(0 9 1 * ? 1969)", "Year 1969 is outside 1970-2199"),
        ("cron(0 9 L-3 * ? *)", "is not a valid use of L or W"),
        ("cron(0 9 ? * 2#1,3#2 *)", "a # expression must be the only one"),
        ("cron(0 9 ? * MON#6 *)", "the week after # must be 1-5"),
        ("cron(0/0 9 * * ? *)", "the step after / must be >= 1"),
        ("cron(0 9#2 * * ? *)", "uses '#'; its wildcards are , - * /"),
        ("cron(0 9 ?,1 * ? *)", "? stands alone in its field"),
        ("rate(1 minutes)", "a value of 1 takes the singular unit (minute)"),
        ("rate(5 minute)", "a value above 1 takes the plural unit (minutes)"),
        ("rate(0 minutes)", "the value must be a positive whole number"),
        ("rate(5 weeks)", "minute|minutes|hour|hours|day|days"),
        ("rate(5)", "expected rate(value unit)"),
        ("at(2026-12-24 09:00:00)", "expected at(yyyy-mm-ddThh:mm:ss)"),
        ("at(2026-02-30T09:00:00)", "not a date and time"),
        ("every day at nine", "expected at(...), rate(...) or cron(...)"),
        ("", "expected at(...), rate(...) or cron(...)"),
    ],
)
def test_what_aws_refuses_is_refused_with_the_reason(expr: str, says: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(expr)
    assert says in str(caught.value)


def test_names_and_lists_read_as_numbers() -> None:
    cron = parse_schedule("cron(5,35 8-10 ? JAN,JUL MON-FRI 2026-2030)")
    assert isinstance(cron, Cron)
    minutes, hours, _, months, days, years = (f.values for f in cron.fields)
    assert minutes == {5, 35} and hours == {8, 9, 10} and months == {1, 7}
    assert days == {2, 3, 4, 5, 6} and years == set(range(2026, 2031))


def test_time_zones_are_iana_names() -> None:
    assert str(zone("Asia/Tokyo")) == "Asia/Tokyo"
    for bad in ("Asia/Tokio", "JST+9", " Asia/Tokyo", ""):
        with pytest.raises(ScheduleError, match="time zone"):
            zone(bad)
