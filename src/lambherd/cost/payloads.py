"""``tune``'s payloads: one document for every invocation, or a weighted list.

The format is aws-lambda-power-tuning's ``payload`` option: a JSON document is sent as it is,
unless it is a non-empty list whose every element is an object with a ``payload`` and a
positive numeric ``weight`` — a *weighted* list. The weights are relative (``5``, ``15``, ``30``
send the payloads on 10 %, 30 % and 60 % of the invocations): each payload gets
``floor(weight x invocations / total)`` invocations and the last one what is left, so there must
be at least as many invocations as payloads and every weight must earn one. A payload that is a
string holding JSON is sent as that JSON (``"{\\"a\\": 1}"`` sends ``{"a": 1}``); any other value
is sent as its JSON text. The invocations are interleaved (a payload's share spread over the
run, not in one block), in a fixed order.
"""

from __future__ import annotations

import json
import math
from typing import Any

from lambherd.errors import UsageError
from lambherd.invocation import check_payload_size


def is_weighted(doc: Any) -> bool:
    """True for a weighted list (``[{"payload": ..., "weight": N}, ...]``)."""
    return (
        isinstance(doc, list)
        and bool(doc)
        and all(
            isinstance(p, dict)
            and "payload" in p
            and isinstance(p.get("weight"), int | float)
            and not isinstance(p.get("weight"), bool)
            for p in doc
        )
    )


def _encoded(value: Any) -> bytes:
    if isinstance(value, str):
        try:
            json.loads(value)
            return value.encode("utf-8")
        except ValueError:
            pass
    return json.dumps(value).encode("utf-8")


def plan_payloads(doc: Any, invocations: int, *, source: str) -> list[bytes]:
    """``invocations`` payloads from the document ``doc`` (see the module docstring)."""
    if not is_weighted(doc):
        payload = json.dumps(doc).encode("utf-8")
        check_payload_size(payload, source=source)
        return [payload] * invocations
    entries: list[dict[str, Any]] = doc
    if any(p["weight"] <= 0 for p in entries):
        raise UsageError(f"{source}: every weight of a weighted payload list must be above 0")
    if invocations < len(entries):
        raise UsageError(
            f"{source}: {len(entries)} weighted payloads and only {invocations} invocations "
            "per memory size: raise --invocations"
        )
    total = sum(p["weight"] for p in entries)
    counts: list[int] = []
    for i, p in enumerate(entries):
        count = math.floor(p["weight"] * invocations / total)
        if i == len(entries) - 1:
            count = invocations - sum(counts)
        if count < 1:
            raise UsageError(
                f"{source}: payload {i + 1} (weight {p['weight']}) gets no invocation of "
                f"{invocations}: raise --invocations or its weight"
            )
        counts.append(count)
    encoded = [_encoded(p["payload"]) for p in entries]
    for i, payload in enumerate(encoded):
        check_payload_size(payload, source=f"{source}: payload {i + 1}")
    # interleave: at each step the payload furthest behind its share goes next
    out: list[bytes] = []
    sent = [0] * len(entries)
    for n in range(1, invocations + 1):
        i = max(range(len(entries)), key=lambda k: (counts[k] * n / invocations - sent[k], -k))
        sent[i] += 1
        out.append(encoded[i])
    return out


def read_payload_document(text: str | bytes, source: str) -> Any:
    """The JSON document of ``--payload`` / ``--payload-file`` (one-line error when not JSON)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{source}:{exc.lineno}:{exc.colno}: payload is not JSON: {exc.msg}"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"{source}: payload is not UTF-8") from None
