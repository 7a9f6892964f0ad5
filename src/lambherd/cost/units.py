"""Quantities typed on the command line: ``10M`` invocations, ``120ms``, ``1KB``, ``2%``.

Every parser raises a one-line ``UsageError`` naming the option and the value it refused.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from lambherd.definition.limits import RANGES
from lambherd.errors import UsageError

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_COUNT = re.compile(rf"^\s*{_NUMBER}\s*([kKmMbB]?)\s*$")
_COUNT_SCALE = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9}
_TIME = re.compile(rf"^\s*{_NUMBER}\s*(ms|s|m|h)\s*$", re.IGNORECASE)
_TIME_MS = {"ms": Decimal(1), "s": Decimal(1000), "m": Decimal(60_000), "h": Decimal(3_600_000)}
_SIZE = re.compile(rf"^\s*{_NUMBER}\s*(B|KB|MB|GB|KIB|MIB|GIB)?\s*$", re.IGNORECASE)
_SIZE_BYTES = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_FRACTION = re.compile(rf"^\s*{_NUMBER}\s*(%?)\s*$")


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the patterns only let numbers through
        raise ValueError(text) from None


def parse_count(value: str, *, option: str) -> Decimal:
    """A count such as ``10M``, ``1.5B``, ``250k`` or ``3000`` (k = 10^3, M = 10^6, B = 10^9)."""
    match = _COUNT.match(value or "")
    if not match:
        raise UsageError(
            f"{option}: {value!r} is not a count (use a number with an optional k, M or B: "
            "3000, 250k, 10M, 1.5B)"
        )
    return _decimal(match.group(1)) * _COUNT_SCALE[match.group(2).lower()]


def parse_milliseconds(value: str, *, option: str, allow_zero: bool = False) -> Decimal:
    """A duration such as ``120ms``, ``1.5s``, ``2m`` in milliseconds (must be above zero)."""
    match = _TIME.match(value or "")
    if not match:
        raise UsageError(
            f"{option}: {value!r} is not a duration of zero or more (use a number and ms, s, m "
            "or h: 120ms, 1.5s)"
        )
    millis = _decimal(match.group(1)) * _TIME_MS[match.group(2).lower()]
    if millis <= 0 and not allow_zero:
        raise UsageError(f"{option}: {value!r} must be longer than zero")
    return millis


def parse_bytes(value: str, *, option: str) -> Decimal:
    """A size such as ``1KB``, ``512B``, ``2MB`` in bytes (KB = 1024 bytes)."""
    match = _SIZE.match(value or "")
    if not match:
        raise UsageError(f"{option}: {value!r} is not a size (use a number and B, KB, MB or GB)")
    unit = (match.group(2) or "b").lower().replace("i", "")
    return _decimal(match.group(1)) * _SIZE_BYTES[unit]


def parse_fraction(value: str, *, option: str) -> Decimal:
    """A share such as ``0.02`` or ``2%``, between 0 and 1."""
    match = _FRACTION.match(value or "")
    if not match:
        raise UsageError(f"{option}: {value!r} is not a fraction (use 0.02 or 2%)")
    share = _decimal(match.group(1)) / (100 if match.group(2) else 1)
    if share > 1:
        raise UsageError(f"{option}: {value!r} is more than 100%")
    return share


def check_megabytes(value: int, *, option: str, field: str) -> int:
    """``value`` (MB) if Lambda accepts it for ``field`` (MemorySize, EphemeralStorage.Size)."""
    low, high = RANGES[field]
    if not low <= value <= high:
        raise UsageError(f"{option}: {value} MB is outside Lambda's {field} range {low}-{high} MB")
    return value
