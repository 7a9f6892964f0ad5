"""EventBridge Scheduler expressions: ``cron(...)``, ``rate(...)``, ``at(...)``, read, checked and
turned into the times they fire at in a time zone.

Source: the EventBridge Scheduler user guide, "Schedule types" (cron, rate and one-time
schedules) and its cron field table, checked on 2026-12-01:

- ``cron(minutes hours day-of-month month day-of-week year)``: minutes 0-59, hours 0-23,
  day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (1 is Sunday), year
  1970-2199. ``,`` lists, ``-`` ranges, ``*`` all, ``/`` steps; ``?`` in exactly one of
  day-of-month and day-of-week (they cannot both be given); ``L`` (last day of the month, or
  ``nL`` the last such weekday), ``W`` (``nW``: the weekday nearest day n) in day-of-month,
  ``n#k`` (the k-th such weekday of the month) in day-of-week.
- ``rate(value unit)``: a positive whole value, unit ``minute|minutes|hour|hours|day|days``
  (the singular for 1, the plural otherwise).
- ``at(yyyy-mm-ddThh:mm:ss)``: once, at that local time.
- Times are in ``ScheduleExpressionTimezone`` (an IANA name, default UTC). Local times that do
  not exist (the hour skipped when clocks go forward) have no occurrence; a local time that
  happens twice (clocks going back) fires once, at its first instant.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
#: How far ahead an occurrence is looked for (cron with a year field may have none).
SEARCH_YEARS = 30


class ExpressionError(ValueError):
    """A schedule expression the Scheduler would refuse (the message says why)."""


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression: the allowed values of each field, and the day rules."""

    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int] | None
    dom: str  # the day-of-month field as written ("?" when days come from day-of-week)
    dow: str


@dataclass(frozen=True)
class Expression:
    """One schedule expression: ``cron``, a ``rate`` (seconds) or an ``at`` (local time)."""

    kind: str
    cron: Cron | None = None
    rate_seconds: int = 0
    at: datetime | None = None  # naive local time


def zone(name: str | None) -> ZoneInfo:
    """The time zone of a schedule (UTC when none is named)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ExpressionError(
            f"unknown time zone {name!r} (an IANA name, e.g. Asia/Tokyo)"
        ) from exc


def parse(text: str) -> Expression:
    """Read an expression; ``ExpressionError`` says what is wrong with it."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be a string")
    text = text.strip()
    m = _RATE.match(text)
    if m:
        value, unit = int(m.group(1)), m.group(2)
        if value < 1:
            raise ExpressionError(f"{text}: the rate must be at least 1")
        if (value == 1) != (not unit.endswith("s")):
            want = unit.rstrip("s") if value == 1 else unit.rstrip("s") + "s"
            raise ExpressionError(f"{text}: write rate({value} {want})")
        return Expression("rate", rate_seconds=value * _UNIT_SECONDS[unit.rstrip("s")])
    m = _AT.match(text)
    if m:
        try:
            at = datetime.fromisoformat(m.group(1))
        except ValueError as exc:
            raise ExpressionError(f"{text}: not a valid date and time") from exc
        return Expression("at", at=at)
    m = _CRON.match(text)
    if m:
        return Expression("cron", cron=_parse_cron(m.group(1), text))
    raise ExpressionError(f"{text!r} is not cron(...), rate(N unit) or at(yyyy-mm-ddThh:mm:ss)")


def _parse_cron(body: str, text: str) -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise ExpressionError(
            f"{text}: cron takes 6 fields (minutes hours day-of-month month day-of-week year), "
            f"got {len(fields)}"
        )
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ExpressionError(f"{text}: exactly one of day-of-month and day-of-week must be ?")
    cron = Cron(
        minutes=_values(minute, 0, 59, {}, text, "minutes"),
        hours=_values(hour, 0, 23, {}, text, "hours"),
        months=_values(month, 1, 12, _MONTHS, text, "month"),
        years=None if year == "*" else _values(year, 1970, 2199, {}, text, "year"),
        dom=dom,
        dow=dow,
    )
    if dom != "?":
        _check_dom(dom, text)
    if dow != "?":
        _check_dow(dow, text)
    return cron


def _number(token: str, names: dict[str, int], text: str, what: str) -> int:
    upper = token.upper()
    if upper in names:
        return names[upper]
    if not token.isdigit():
        raise ExpressionError(f"{text}: {token!r} is not a valid {what} value")
    return int(token)


def _values(
    field: str, low: int, high: int, names: dict[str, int], text: str, what: str
) -> frozenset[int]:
    out: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, _, step_text = part.partition("/")
            if not step_text.isdigit() or int(step_text) < 1:
                raise ExpressionError(f"{text}: {what} step {step_text!r} is not a positive number")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, _, b = part.partition("-")
            start, end = _number(a, names, text, what), _number(b, names, text, what)
        else:
            start = _number(part, names, text, what)
            end = high if step > 1 else start
        for value in (start, end):
            if not low <= value <= high:
                raise ExpressionError(f"{text}: {what} {value} is outside {low}-{high}")
        if start > end:
            raise ExpressionError(f"{text}: {what} range {start}-{end} runs backwards")
        out.update(range(start, end + 1, step))
    return frozenset(out)


def _check_dom(field: str, text: str) -> None:
    if field in ("L", "*") or re.fullmatch(r"\d{1,2}W", field) or field == "LW":
        if field.endswith("W") and field != "LW" and not 1 <= int(field[:-1]) <= 31:
            raise ExpressionError(f"{text}: day-of-month {field} is outside 1-31")
        return
    _values(field, 1, 31, {}, text, "day-of-month")


def _check_dow(field: str, text: str) -> None:
    m = re.fullmatch(r"(\w+)#(\d)", field)
    if m:
        _number(m.group(1), _DAYS, text, "day-of-week")
        if not 1 <= int(m.group(2)) <= 5:
            raise ExpressionError(f"{text}: {field}: the week number is 1-5")
        return
    if field == "L" or re.fullmatch(r"\w+L", field):
        if field != "L":
            _number(field[:-1], _DAYS, text, "day-of-week")
        return
    _values(field, 1, 7, _DAYS, text, "day-of-week")


def problems(expression: str, timezone: str | None = None) -> list[str]:
    """What the Scheduler would refuse in an expression and its time zone ([] when valid)."""
    out = []
    try:
        parse(expression)
    except ExpressionError as exc:
        out.append(str(exc))
    try:
        zone(timezone)
    except ExpressionError as exc:
        out.append(str(exc))
    return out


# -- occurrences --------------------------------------------------------------------------------
def next_after(
    expression: Expression,
    after: datetime,
    timezone: str | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> datetime | None:
    """The first time strictly after ``after`` the expression fires (aware, UTC), or None.

    ``start``/``end`` are the schedule's StartDate/EndDate; a rate counts its intervals from
    ``start`` (the Scheduler counts from the schedule's creation when there is none: pass it).
    """
    tz = zone(timezone)
    after = after.astimezone(UTC)
    if start is not None and after < start:
        after = start - timedelta(microseconds=1)
    found: datetime | None
    if expression.kind == "at":
        assert expression.at is not None
        found = _local(expression.at, tz)
        found = found if found is not None and found > after else None
    elif expression.kind == "rate":
        origin = (start or after).astimezone(UTC)
        step = expression.rate_seconds
        elapsed = (after - origin).total_seconds()
        count = int(elapsed // step) + 1 if elapsed >= 0 else 1
        found = origin + timedelta(seconds=count * step)
    else:
        assert expression.cron is not None
        found = _next_cron(expression.cron, after, tz)
    if found is not None and end is not None and found > end:
        return None
    return found


def _local(naive: datetime, tz: ZoneInfo) -> datetime | None:
    """The instant of a local wall time; None when that time does not exist (a DST gap)."""
    aware = naive.replace(tzinfo=tz, fold=0)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive:
        return None
    return aware.astimezone(UTC)


def _next_cron(cron: Cron, after: datetime, tz: ZoneInfo) -> datetime | None:
    local_after = after.astimezone(tz)
    day = local_after.date()
    last = date(min(day.year + SEARCH_YEARS, 2199), 12, 31)
    hours = sorted(cron.hours)
    minutes = sorted(cron.minutes)
    while day <= last:
        if _day_matches(cron, day):
            for hour in hours:
                for minute in minutes:
                    when = _local(datetime(day.year, day.month, day.day, hour, minute), tz)
                    if when is not None and when > after:
                        return when
        day += timedelta(days=1)
    return None


def _day_matches(cron: Cron, day: date) -> bool:
    if day.month not in cron.months:
        return False
    if cron.years is not None and day.year not in cron.years:
        return False
    if cron.dom != "?":
        return _dom_matches(cron.dom, day)
    return _dow_matches(cron.dow, day)


def _dom_matches(field: str, day: date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    if field == "*":
        return True
    if field == "L":
        return day.day == last
    if field == "LW":
        return day == _nearest_weekday(date(day.year, day.month, last))
    if field.endswith("W"):
        target = min(int(field[:-1]), last)
        return day == _nearest_weekday(date(day.year, day.month, target))
    return day.day in _values(field, 1, 31, {}, field, "day-of-month")


def _nearest_weekday(target: date) -> date:
    """The weekday nearest ``target`` within its month (Saturday -> Friday, Sunday -> Monday)."""
    last = calendar.monthrange(target.year, target.month)[1]
    if target.weekday() == 5:
        return target - timedelta(days=1) if target.day > 1 else target + timedelta(days=2)
    if target.weekday() == 6:
        return target + timedelta(days=1) if target.day < last else target - timedelta(days=2)
    return target


def _weekday(day: date) -> int:
    """Cron's day-of-week number: 1 Sunday ... 7 Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _dow_matches(field: str, day: date) -> bool:
    m = re.fullmatch(r"(\w+)#(\d)", field)
    if m:
        wanted = _number(m.group(1), _DAYS, field, "day-of-week")
        return _weekday(day) == wanted and (day.day - 1) // 7 + 1 == int(m.group(2))
    if field == "L":
        return _weekday(day) == 7
    if field.endswith("L"):
        wanted = _number(field[:-1], _DAYS, field, "day-of-week")
        last = calendar.monthrange(day.year, day.month)[1]
        return _weekday(day) == wanted and day.day + 7 > last
    return _weekday(day) in _values(field, 1, 7, _DAYS, field, "day-of-week")
