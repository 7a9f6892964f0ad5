"""Application Auto Scaling schedule expressions, as AWS documents them, and when they run.

A scheduled action's ``Schedule`` is one of (PutScheduledAction; the cron grammar is
EventBridge's "Cron expressions reference", which Application Auto Scaling points to):

  at(yyyy-mm-ddThh:mm:ss)     once, at that time of the action's Timezone (default UTC)
  rate(value unit)            every value units: a positive integer and minute|minutes|hour|
                              hours|day|days (singular for 1, plural above: ``rate(1 hour)``,
                              ``rate(5 minutes)``)
  cron(fields)                six fields: Minutes Hours Day-of-month Month Day-of-week Year

  field         values              wildcards
  Minutes       0-59                , - * /
  Hours         0-23                , - * /
  Day-of-month  1-31                , - * ? / L W
  Month         1-12 or JAN-DEC     , - * /
  Day-of-week   1-7 or SUN-SAT      , - * ? L #
  Year          1970-2199           , - * /

Exactly one of Day-of-month and Day-of-week is ``?``. ``L`` is the last day of the month (or,
alone in Day-of-week, of the week: Saturday; ``6L`` the month's last Friday); ``15W`` the
weekday nearest the 15th, ``LW`` the month's last weekday; ``3#2`` its second Tuesday (one ``#``
expression only). Ranges may wrap (``FRI-MON``).

``next_run`` says when an action runs next: cron and at() in the action's time zone (IANA,
through ``zoneinfo``; a local time skipped by a daylight-saving change does not happen), rate()
from its StartTime or creation; a StartTime in the future is itself a run (then the recurrence
follows, as AWS describes); nothing runs after EndTime.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

_MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, 1)}
DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_AT = re.compile(r"^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$")
_RATE = re.compile(r"^rate\(\s*(\S+)\s+(\S+)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
#: The last year a cron expression may name (EventBridge's range).
LAST_YEAR = 2199


class ScheduleError(ValueError):
    """A schedule expression AWS would refuse; the message says what and why."""


def zone(name: str | None) -> Any:
    """The IANA time zone ``name`` (UTC when None); ScheduleError when it is not one."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name is None:
        return UTC
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise ScheduleError(f"time zone {name!r} is not an IANA time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {name!r} (an IANA name such as Asia/Tokyo or Europe/Paris)"
        ) from None


# -- cron fields ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Spec:
    name: str
    low: int
    high: int
    names: dict[str, int] | None
    wildcards: str


_SPECS = (
    _Spec("Minutes", 0, 59, None, ",-*/"),
    _Spec("Hours", 0, 23, None, ",-*/"),
    _Spec("Day-of-month", 1, 31, None, ",-*?/LW"),
    _Spec("Month", 1, 12, MONTHS, ",-*/"),
    _Spec("Day-of-week", 1, 7, DAYS, ",-*?L#"),
    _Spec("Year", 1970, LAST_YEAR, None, ",-*/"),
)


@dataclass(frozen=True)
class CronField:
    """One field: its plain values, and the special day forms it holds."""

    values: frozenset[int]
    question: bool = False
    last: bool = False  # Day-of-month L
    last_weekday: bool = False  # Day-of-month LW
    nearest_weekday: frozenset[int] = frozenset()  # Day-of-month nW
    last_of_month: frozenset[int] = frozenset()  # Day-of-week nL
    nth: tuple[int, int] | None = None  # Day-of-week d#n


def _number(text: str, spec: _Spec, expr: str) -> int:
    upper = text.upper()
    if spec.names and upper in spec.names:
        return spec.names[upper]
    if not text.isdigit():
        raise ScheduleError(f"{expr}: {spec.name} {text!r} is not a number{_named(spec)}")
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise ScheduleError(
            f"{expr}: {spec.name} {value} is outside {spec.low}-{spec.high}{_named(spec)}"
        )
    return value


def _named(spec: _Spec) -> str:
    if spec.names is None:
        return ""
    first, last = next(iter(spec.names)), list(spec.names)[-1]
    return f" (or {first}-{last})"


def _span(a: int, b: int, spec: _Spec) -> list[int]:
    if a <= b:
        return list(range(a, b + 1))
    return [*range(a, spec.high + 1), *range(spec.low, b + 1)]  # a range that wraps


def _parse_field(text: str, spec: _Spec, expr: str) -> CronField:
    if not text:
        raise ScheduleError(f"{expr}: {spec.name} is empty")
    bad = sorted({c for c in text if not (c.isalnum() or c in spec.wildcards)})
    if bad:
        allowed = " ".join(spec.wildcards)
        raise ScheduleError(
            f"{expr}: {spec.name} {text!r} uses {''.join(bad)!r}; its wildcards are {allowed}"
        )
    if "?" in text:
        if text != "?":
            raise ScheduleError(f"{expr}: {spec.name} {text!r}: ? stands alone in its field")
        return CronField(frozenset(range(spec.low, spec.high + 1)), question=True)
    values: set[int] = set()
    out: dict[str, Any] = {}
    parts = text.split(",")
    if "#" in text and len(parts) > 1:
        raise ScheduleError(f"{expr}: {spec.name} {text!r}: a # expression must be the only one")
    for part in parts:
        upper = part.upper()
        if spec.name == "Day-of-month" and upper in ("L", "LW"):
            out["last" if upper == "L" else "last_weekday"] = True
            continue
        if spec.name == "Day-of-month" and upper.endswith("W"):
            out.setdefault("nearest_weekday", set()).add(_number(part[:-1], spec, expr))
            continue
        if spec.name == "Day-of-week" and upper == "L":
            values.add(7)  # the last day of the week
            continue
        if spec.name == "Day-of-week" and upper.endswith("L"):
            out.setdefault("last_of_month", set()).add(_number(part[:-1], spec, expr))
            continue
        if "#" in part:
            day, _, nth = part.partition("#")
            if not nth.isdigit() or not 1 <= int(nth) <= 5:
                raise ScheduleError(f"{expr}: {spec.name} {part!r}: the week after # must be 1-5")
            out["nth"] = (_number(day, spec, expr), int(nth))
            continue
        if "L" in upper.replace("JUL", "").replace("LW", "") or "W" in upper.replace("WED", ""):
            raise ScheduleError(f"{expr}: {spec.name} {part!r} is not a valid use of L or W")
        base, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) < 1):
            raise ScheduleError(f"{expr}: {spec.name} {part!r}: the step after / must be >= 1")
        if base == "*":
            span = list(range(spec.low, spec.high + 1))
        elif "-" in base:
            first, _, last = base.partition("-")
            span = _span(_number(first, spec, expr), _number(last, spec, expr), spec)
        else:
            start = _number(base, spec, expr)
            span = list(range(start, spec.high + 1)) if slash else [start]
        values.update(span[:: int(step)] if slash else span)
    return CronField(
        frozenset(values),
        last=bool(out.get("last")),
        last_weekday=bool(out.get("last_weekday")),
        nearest_weekday=frozenset(out.get("nearest_weekday", ())),
        last_of_month=frozenset(out.get("last_of_month", ())),
        nth=out.get("nth"),
    )


def cron_weekday(day: date) -> int:
    """Day-of-week as cron numbers it: 1 Sunday ... 7 Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, wanted: int) -> int:
    last = calendar.monthrange(year, month)[1]
    day = min(wanted, last)
    weekday = date(year, month, day).weekday()  # 5 Saturday, 6 Sunday
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day


def _last_weekday(year: int, month: int) -> int:
    day = calendar.monthrange(year, month)[1]
    while date(year, month, day).weekday() >= 5:
        day -= 1
    return day


# -- the three kinds --------------------------------------------------------------------------
@dataclass(frozen=True)
class Cron:
    """``cron(...)``: when each field matches, in the action's time zone."""

    text: str
    fields: tuple[CronField, ...]

    def _day_matches(self, day: date) -> bool:
        dom, month, dow, year = self.fields[2], self.fields[3], self.fields[4], self.fields[5]
        if day.year not in year.values or day.month not in month.values:
            return False
        if dom.question:
            return self._dow_matches(dow, day)
        return self._dom_matches(dom, day)

    @staticmethod
    def _dom_matches(dom: CronField, day: date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        if day.day in dom.values or (dom.last and day.day == last):
            return True
        if dom.last_weekday and day.day == _last_weekday(day.year, day.month):
            return True
        return any(day.day == _nearest_weekday(day.year, day.month, n) for n in dom.nearest_weekday)

    @staticmethod
    def _dow_matches(dow: CronField, day: date) -> bool:
        weekday = cron_weekday(day)
        if dow.nth is not None:
            wanted, nth = dow.nth
            return weekday == wanted and (day.day - 1) // 7 + 1 == nth
        if weekday in dow.values and not dow.last_of_month:
            return True
        last = calendar.monthrange(day.year, day.month)[1]
        return weekday in dow.last_of_month and day.day + 7 > last

    def next_after(self, after: datetime, tz: Any) -> datetime | None:
        """The first time after ``after`` (aware) the expression matches, in UTC; None: never."""
        local = after.astimezone(tz)
        minutes, hours = sorted(self.fields[0].values), sorted(self.fields[1].values)
        years, months = self.fields[5].values, self.fields[3].values
        day = local.date()
        while day.year <= LAST_YEAR:
            if day.year not in years:
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in months:
                day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
                continue
            if self._day_matches(day):
                for hour in hours:
                    for minute in minutes:
                        naive = datetime.combine(day, time(hour, minute))
                        at = naive.replace(tzinfo=tz)
                        if at.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
                            continue  # skipped by a daylight-saving change
                        if at > after:
                            return at.astimezone(UTC)
            day += timedelta(days=1)
        return None


@dataclass(frozen=True)
class Rate:
    """``rate(N unit)``: every ``seconds`` from the anchor (StartTime, or when it was made)."""

    text: str
    seconds: int

    def next_after(self, after: datetime, anchor: datetime) -> datetime:
        """The first anchor + k x interval (k >= 1) after ``after``."""
        step = timedelta(seconds=self.seconds)
        if after < anchor + step:
            return (anchor + step).astimezone(UTC)
        passed = int((after - anchor) / step)
        return (anchor + step * (passed + 1)).astimezone(UTC)


@dataclass(frozen=True)
class At:
    """``at(...)``: once, at a local time of the action's time zone."""

    text: str
    local: datetime  # naive

    def when(self, tz: Any) -> datetime:
        """The UTC instant it runs at."""
        return self.local.replace(tzinfo=tz).astimezone(UTC)


Schedule = Cron | Rate | At


def parse_schedule(text: Any) -> Schedule:
    """The expression parsed; ScheduleError (one line: what and why) when AWS would refuse it."""
    if not isinstance(text, str) or not text.strip():
        raise ScheduleError(f"schedule {text!r}: expected at(...), rate(...) or cron(...)")
    expr = text.strip()
    if expr.startswith("at("):
        m = _AT.match(expr)
        if not m:
            raise ScheduleError(f"{expr}: expected at(yyyy-mm-ddThh:mm:ss)")
        try:
            return At(expr, datetime(*(int(g) for g in m.groups())))
        except ValueError as exc:
            raise ScheduleError(f"{expr}: not a date and time: {exc}") from None
    if expr.startswith("rate("):
        m = _RATE.match(expr)
        if not m:
            raise ScheduleError(f"{expr}: expected rate(value unit), e.g. rate(5 minutes)")
        value, unit = m.groups()
        if not value.isdigit() or int(value) < 1:
            raise ScheduleError(f"{expr}: the value must be a positive whole number")
        singular = unit.removesuffix("s")
        if singular not in _UNITS:
            raise ScheduleError(f"{expr}: unit {unit!r}: minute|minutes|hour|hours|day|days")
        if int(value) == 1 and unit != singular:
            raise ScheduleError(f"{expr}: a value of 1 takes the singular unit ({singular})")
        if int(value) > 1 and unit == singular:
            raise ScheduleError(f"{expr}: a value above 1 takes the plural unit ({singular}s)")
        return Rate(expr, int(value) * _UNITS[singular])
    m = _CRON.match(expr)
    if not m:
        raise ScheduleError(f"{expr}: expected at(...), rate(...) or cron(...)")
    parts = m.group(1).split()
    if len(parts) != 6:
        raise ScheduleError(
            f"{expr}: {len(parts)} fields; cron takes six: "
            "Minutes Hours Day-of-month Month Day-of-week Year"
        )
    fields = tuple(_parse_field(p, s, expr) for p, s in zip(parts, _SPECS, strict=True))
    dom, dow = fields[2], fields[4]
    if dom.question == dow.question:
        raise ScheduleError(
            f"{expr}: exactly one of Day-of-month and Day-of-week must be ? "
            f"(they are {parts[2]!r} and {parts[4]!r})"
        )
    return Cron(expr, fields)


def next_run(
    schedule: Schedule,
    after: datetime,
    *,
    timezone: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    created: datetime | None = None,
) -> datetime | None:
    """When an action with this schedule runs next after ``after`` (UTC); None: never again."""
    tz = zone(timezone)
    if isinstance(schedule, At):
        when = schedule.when(tz)
        found: datetime | None = when if when > after else None
    else:
        if start is not None and after < start:
            found = start.astimezone(UTC)
        elif isinstance(schedule, Rate):
            found = schedule.next_after(after, start or created or after)
        else:
            found = schedule.next_after(after, tz)
    if found is not None and end is not None and found > end:
        return None
    return found
