"""CloudWatch Logs times that survive a restart: creation and ingestion times of the request.

moto stamps a log group's and stream's ``creationTime`` and each event's ``ingestionTime`` with
the clock, so a journal replay would show the restart instead. After such a write the sandbox
sets them to the request's time (its recorded one on replay).
"""

from __future__ import annotations

import json

from lambherd.sandbox.moto_facade import MotoFacade

#: The Logs writes whose times are stamped.
STAMPED_ACTIONS = frozenset({"CreateLogGroup", "CreateLogStream", "PutLogEvents"})


def stamp_write(
    facade: MotoFacade, action: str | None, body: bytes, account: str, region: str, at_ms: int
) -> None:
    """Give what a successful ``action`` just made the time ``at_ms`` (epoch milliseconds)."""
    if action not in STAMPED_ACTIONS:
        return
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return
    group = doc.get("logGroupName")
    if not isinstance(group, str):
        return
    if action == "CreateLogGroup":
        facade.stamp_log_write(account, region, group, None, 0, at_ms)
        return
    stream = doc.get("logStreamName")
    if not isinstance(stream, str):
        return
    events = len(doc.get("logEvents") or []) if action == "PutLogEvents" else 0
    if action == "PutLogEvents" and not events:
        return
    facade.stamp_log_write(account, region, group, stream, events, at_ms)
