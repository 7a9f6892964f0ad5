"""Lambda's ``REPORT`` lines: parse them (text or JSON log format) and summarise them.

Text format (fields separated by tabs, read by name, never by position)::

    REPORT RequestId: 1f..\tDuration: 12.30 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\t
    Max Memory Used: 41 MB\tInit Duration: 150.02 ms

JSON format: ``{"type": "platform.report", "record": {"requestId": ..., "metrics": {...}}}``
with metrics ``durationMs``, ``billedDurationMs``, ``memorySizeMB``, ``maxMemoryUsedMB`` and
``initDurationMs`` (present on cold starts only).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

#: Text field name -> ReportRecord attribute.
_TEXT_FIELDS = {
    "RequestId": "request_id",
    "Duration": "duration_ms",
    "Billed Duration": "billed_duration_ms",
    "Memory Size": "memory_size_mb",
    "Max Memory Used": "max_memory_used_mb",
    "Init Duration": "init_duration_ms",
}
#: JSON metrics key -> ReportRecord attribute.
_JSON_FIELDS = {
    "durationMs": "duration_ms",
    "billedDurationMs": "billed_duration_ms",
    "memorySizeMB": "memory_size_mb",
    "maxMemoryUsedMB": "max_memory_used_mb",
    "initDurationMs": "init_duration_ms",
}


@dataclass(frozen=True)
class ReportRecord:
    """The figures of one invocation's REPORT line."""

    request_id: str | None = None
    duration_ms: float | None = None
    billed_duration_ms: float | None = None
    memory_size_mb: float | None = None
    max_memory_used_mb: float | None = None
    init_duration_ms: float | None = None

    @property
    def cold_start(self) -> bool:
        """True when the invocation paid for an init phase."""
        return self.init_duration_ms is not None


def parse_report(message: str) -> ReportRecord | None:
    """The REPORT figures in one log message, or None when it is not a REPORT line."""
    text = message.strip()
    if text.startswith("REPORT "):
        return _parse_text(text[len("REPORT ") :])
    if text.startswith("{") and "platform.report" in text:
        return _parse_json(text)
    return None


def _parse_text(body: str) -> ReportRecord | None:
    values: dict[str, Any] = {}
    for part in body.split("\t"):
        key, sep, raw = part.partition(":")
        attr = _TEXT_FIELDS.get(key.strip())
        if not sep or attr is None:
            continue
        raw = raw.strip()
        if attr == "request_id":
            values[attr] = raw
            continue
        number = _leading_number(raw)
        if number is not None:
            values[attr] = number
    if "duration_ms" not in values:
        return None
    return ReportRecord(**values)


def _leading_number(raw: str) -> float | None:
    head = raw.split()[0] if raw.split() else ""
    try:
        return float(head)
    except ValueError:
        return None


def _parse_json(text: str) -> ReportRecord | None:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or doc.get("type") != "platform.report":
        return None
    record = doc.get("record") or {}
    metrics = record.get("metrics") or {}
    values: dict[str, Any] = {}
    for key, attr in _JSON_FIELDS.items():
        value = metrics.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            values[attr] = float(value)
    if "duration_ms" not in values:
        return None
    return ReportRecord(request_id=record.get("requestId"), **values)


@dataclass(frozen=True)
class ReportStats:
    """A summary of many REPORT lines (``logs --stats``)."""

    invocations: int
    cold_starts: int
    duration_p50_ms: float | None
    duration_p90_ms: float | None
    duration_p99_ms: float | None
    duration_max_ms: float | None
    billed_duration_total_ms: float
    init_duration_max_ms: float | None
    max_memory_used_mb: float | None
    memory_size_mb: float | None

    @property
    def memory_used_ratio(self) -> float | None:
        """Peak memory used as a fraction of the configured memory size."""
        if not self.max_memory_used_mb or not self.memory_size_mb:
            return None
        return self.max_memory_used_mb / self.memory_size_mb

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (with the memory ratio)."""
        out = asdict(self)
        out["memory_used_ratio"] = self.memory_used_ratio
        return out


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(records: Iterable[ReportRecord]) -> ReportStats:
    """Invocations, cold starts, duration percentiles, billed total and peak memory."""
    items = list(records)
    durations = sorted(r.duration_ms for r in items if r.duration_ms is not None)
    inits = [r.init_duration_ms for r in items if r.init_duration_ms is not None]
    used = [r.max_memory_used_mb for r in items if r.max_memory_used_mb is not None]
    sizes = [r.memory_size_mb for r in items if r.memory_size_mb is not None]
    return ReportStats(
        invocations=len(items),
        cold_starts=len(inits),
        duration_p50_ms=percentile(durations, 50),
        duration_p90_ms=percentile(durations, 90),
        duration_p99_ms=percentile(durations, 99),
        duration_max_ms=durations[-1] if durations else None,
        billed_duration_total_ms=sum(r.billed_duration_ms or 0.0 for r in items),
        init_duration_max_ms=max(inits) if inits else None,
        max_memory_used_mb=max(used) if used else None,
        memory_size_mb=max(sizes) if sizes else None,
    )
