"""CloudWatch Logs times that survive a restart: creation and ingestion times of the request.

moto stamps a log group's and stream's ``creationTime`` and each event's ``ingestionTime`` with
the clock, so a journal replay would show the restart instead. After such a write the sandbox
sets them to the request's time (its recorded one on replay).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from lambherd.defaults import SANDBOX_ACCOUNT_ID

#: The Logs writes whose times are stamped.
STAMPED_ACTIONS = frozenset({"CreateLogGroup", "CreateLogStream", "PutLogEvents"})


def stamp_write(action: str | None, body: bytes, region: str, at_ms: int) -> None:
    """Give what a successful ``action`` just made the time ``at_ms`` (epoch milliseconds)."""
    if action not in STAMPED_ACTIONS:
        return
    from moto.logs.models import logs_backends

    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return
    group = logs_backends[SANDBOX_ACCOUNT_ID][region].groups.get(doc.get("logGroupName"))
    if group is None:
        return
    if action == "CreateLogGroup":
        group.creation_time = _like(group.creation_time, at_ms)
        return
    stream: Any = group.streams.get(doc.get("logStreamName"))
    if stream is None:
        return
    if action == "CreateLogStream":
        stream.creation_time = _like(stream.creation_time, at_ms)
        return
    count = len(doc.get("logEvents") or [])
    if count:
        for event in stream.events[-count:]:
            event.ingestion_time = at_ms  # epoch milliseconds in every moto release
        stream.last_ingestion_time = _like(stream.creation_time, at_ms)


def _like(current: Any, at_ms: int) -> Any:
    """``at_ms`` in the type moto keeps this time in: epoch milliseconds (moto <= 5.2.1) or a
    naive UTC datetime (later 5.2 releases)."""
    if isinstance(current, datetime):
        return datetime.fromtimestamp(at_ms / 1000, tz=UTC).replace(tzinfo=None)
    return at_ms
