"""Provisioned concurrency over a day, from concurrency.json's scheduled actions.

concurrency.json (issue #14's shape)::

    {"ProvisionedConcurrency": {"current": 2},
     "Autoscaling": {"current": {"MinCapacity": 2, "MaxCapacity": 10,
        "ScheduledActions": [{"Name": "morning", "Schedule": "cron(0 9 * * ? *)",
                              "Timezone": "Asia/Tokyo", "MinCapacity": 10, "MaxCapacity": 10},
                             {"Name": "evening", "Schedule": "cron(0 18 * * ? *)",
                              "Timezone": "Asia/Tokyo", "MinCapacity": 2}]}}}

A scheduled action sets the scalable target's minimum, so from its time on the alias keeps at
least ``MinCapacity`` environments until the next action; the capacity before the first action
of the week is the last action's (schedules repeat). Without actions the capacity is
``ProvisionedConcurrency[alias]`` (or the target's ``MinCapacity``) all day. Target tracking can
add environments above the minimum; that is load-driven and not in this figure.

Only ``cron(minutes hours day-of-month month day-of-week [year])`` schedules with fixed minutes
and hours, any day of the month and month, and any day-of-week set can be turned into hours a
day; ``rate(...)`` and ``at(...)`` are refused with the reason. Time zones are applied with the
offset they have today.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lambherd.errors import UsageError

MINUTES_PER_WEEK = 7 * 24 * 60
_DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_CRON = re.compile(r"^cron\((.*)\)$")


def capacity_hours_per_day(
    concurrency: Mapping[str, Any], alias: str, *, where: str = "concurrency.json"
) -> list[tuple[Decimal, Decimal]]:
    """[(environments, hours a day on average over a week)] for ``alias``, largest first."""
    provisioned = (concurrency.get("ProvisionedConcurrency") or {}).get(alias)
    scaling = (concurrency.get("Autoscaling") or {}).get(alias) or {}
    base = provisioned if isinstance(provisioned, int) else scaling.get("MinCapacity", 0)
    if not isinstance(base, int) or base < 0:
        raise UsageError(f"{where}: ProvisionedConcurrency.{alias} must be a whole number >= 0")
    events: list[tuple[int, int]] = []
    for action in scaling.get("ScheduledActions") or []:
        name = action.get("Name", "?")
        capacity = action.get("MinCapacity")
        if not isinstance(capacity, int) or capacity < 0:
            raise UsageError(
                f"{where}: ScheduledActions {name!r} needs a MinCapacity (a whole number >= 0)"
            )
        for minute in _minutes_of_week(str(action.get("Schedule", "")), action, where):
            events.append((minute, capacity))
    if not events:
        return [(Decimal(base), Decimal(24))] if base else []
    events.sort()
    minutes: dict[int, int] = defaultdict(int)
    for (start, capacity), (end, _) in zip(events, [*events[1:], events[0]], strict=True):
        length = (end - start) % MINUTES_PER_WEEK or MINUTES_PER_WEEK
        minutes[capacity] += length
    return sorted(
        ((Decimal(c), Decimal(m) / 60 / 7) for c, m in minutes.items() if c > 0),
        reverse=True,
    )


def environment_hours(by_day: list[tuple[Decimal, Decimal]], days: int) -> Decimal:
    """Environments x hours over ``days`` days."""
    return sum((c * h for c, h in by_day), Decimal(0)) * days


def _minutes_of_week(schedule: str, action: Mapping[str, Any], where: str) -> list[int]:
    name = action.get("Name", "?")
    match = _CRON.match(schedule.strip())
    if not match:
        raise UsageError(
            f"{where}: ScheduledActions {name!r}: cannot turn {schedule!r} into hours a day "
            "(only cron(...) schedules; rate(...) and at(...) have no daily pattern)"
        )
    fields = match.group(1).split()
    if len(fields) not in (5, 6):
        raise UsageError(f"{where}: ScheduledActions {name!r}: {schedule!r} is not a cron")
    minute, hour, day_of_month, month, day_of_week = fields[:5]
    if day_of_month not in ("*", "?") or month not in ("*", "?"):
        raise UsageError(
            f"{where}: ScheduledActions {name!r}: {schedule!r} runs on some days of the month "
            "only; hours a day need a schedule for every month day (use the day-of-week field)"
        )
    offset = _utc_offset_minutes(action.get("Timezone"), where, name)
    out = []
    for day in _days(day_of_week, schedule, where, name):
        for h in _numbers(hour, 0, 23, schedule, where, name):
            for m in _numbers(minute, 0, 59, schedule, where, name):
                out.append((day * 24 * 60 + h * 60 + m - offset) % MINUTES_PER_WEEK)
    return out


def _numbers(text: str, low: int, high: int, schedule: str, where: str, name: str) -> list[int]:
    values = []
    for part in text.split(","):
        if not part.isdigit() or not low <= int(part) <= high:
            raise UsageError(
                f"{where}: ScheduledActions {name!r}: {schedule!r}: minutes and hours must be "
                f"numbers ({low}-{high}), not {part!r}"
            )
        values.append(int(part))
    return values


def _days(text: str, schedule: str, where: str, name: str) -> list[int]:
    if text in ("*", "?"):
        return list(range(7))
    days: set[int] = set()
    for part in text.upper().split(","):
        first, _, last = part.partition("-")
        try:
            a = _day(first)
            b = _day(last) if last else a
        except KeyError:
            raise UsageError(
                f"{where}: ScheduledActions {name!r}: {schedule!r}: unknown day {part!r}"
            ) from None
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return sorted(days)


def _day(text: str) -> int:
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text) - 1  # cron: 1 = Sunday
    return _DAYS[text]


def _utc_offset_minutes(zone: Any, where: str, name: str) -> int:
    if not zone:
        return 0
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        tz = ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"{where}: ScheduledActions {name!r}: unknown time zone {zone!r}"
        ) from None
    delta = datetime.now(UTC).astimezone(tz).utcoffset()
    return int(delta.total_seconds() // 60) if delta else 0
