"""Retry AWS calls that failed for a passing reason, on lambherd's side (past botocore's own
attempts): throttling, ResourceConflictException for an update still in progress, 5xx answers,
and connections dropped mid-request. Exponential backoff with full jitter, bounded by
``RetryPolicy.attempts``.

"Already exists" (a ResourceConflictException on a create) is definitive, never retried: the
caller decides (``already_exists``). A connection that could not be opened at all is not retried
here either: botocore has retried it, nothing was sent, and an unreachable endpoint must fail
fast. A dropped connection or a 5xx may hide a write that *was* applied (a lost response): the
executor then checks whether the write is already in place (``lambherd.apply.executor``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ResourceConflictException",
        "ServiceException",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
    }
)


@dataclass
class RetryPolicy:
    """How often and how long to retry. ``sleep`` and ``rng`` are injectable for tests."""

    attempts: int = 8
    base: float = 0.5
    cap: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        """Full-jitter backoff for the ``attempt``-th retry (0-based)."""
        return self.rng.uniform(0, min(self.cap, self.base * (2**attempt)))


def _error(exc: BaseException) -> tuple[str | None, str, int | None]:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None, "", None
    err = response.get("Error", {}) or {}
    status = (response.get("ResponseMetadata", {}) or {}).get("HTTPStatusCode")
    return err.get("Code"), str(err.get("Message") or ""), status


def already_exists(exc: BaseException) -> bool:
    """True for a create refused because the thing exists (function, alias, statement, URL)."""
    code, message, _ = _error(exc)
    text = message.lower()
    conflict = code in ("ResourceConflictException", "ConflictException")  # moto: the latter
    return conflict and ("already exist" in text or " exists" in text)


def dropped_connection(exc: BaseException) -> bool:
    """True when the connection broke after the request may have been sent (the answer lost)."""
    try:
        from botocore.exceptions import HTTPClientError
    except ImportError:  # pragma: no cover - botocore is a dependency
        return False
    return isinstance(exc, HTTPClientError)


def is_retryable(exc: BaseException) -> bool:
    """True for throttling (any 429), conflicts of an update in progress, 5xx answers and
    dropped connections."""
    if dropped_connection(exc):
        return True
    code, _, status = _error(exc)
    if code is None and status is None:
        return False
    if already_exists(exc):
        return False
    return code in RETRYABLE_CODES or status == 429 or (status is not None and status >= 500)


def call_with_retry(fn: Callable[[], T], policy: RetryPolicy | None = None) -> T:
    """``fn()``, retried on retryable errors; the last error propagates."""
    policy = policy or RetryPolicy()
    for attempt in range(policy.attempts):
        try:
            return fn()
        except Exception as exc:
            if not is_retryable(exc) or attempt == policy.attempts - 1:
                raise
            policy.sleep(policy.delay(attempt))
    raise AssertionError("unreachable")  # pragma: no cover
