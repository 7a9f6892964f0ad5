"""Time options of ``logs``/``metrics``: ``30s``, ``10m``, ``3h``, ``2d``, ``1w`` or ISO 8601."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from lambherd.errors import UsageError

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_duration(value: str, *, option: str = "duration") -> timedelta:
    """A length of time such as ``10m``, ``3h``, ``2d`` (units s, m, h, d, w)."""
    match = _RELATIVE.match(value or "")
    if not match:
        raise UsageError(
            f"{option}: {value!r} is not a duration (use a number and a unit: 30s, 10m, 3h, 2d, 1w)"
        )
    amount = float(match.group(1))
    delta = timedelta(**{_UNITS[match.group(2).lower()]: amount})
    if delta <= timedelta(0):
        raise UsageError(f"{option}: {value!r} must be longer than zero")
    return delta


def parse_time(value: str, *, now: datetime | None = None, option: str = "time") -> datetime:
    """A point in time: ``now``, a duration ago (``10m``) or an ISO 8601 time (naive = UTC)."""
    now = now or datetime.now(UTC)
    text = (value or "").strip()
    if text.lower() == "now":
        return now
    if _RELATIVE.match(text):
        return now - parse_duration(text, option=option)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{option}: {value!r} is neither a duration (10m, 3h, 2d) nor an ISO 8601 time"
            " (2024-05-01T12:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def to_millis(moment: datetime) -> int:
    """Milliseconds since the epoch (CloudWatch Logs' time unit)."""
    return int(moment.timestamp() * 1000)


def from_millis(millis: int) -> datetime:
    """A UTC datetime from milliseconds since the epoch."""
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
