"""Retry AWS calls that failed for a passing reason: throttling and ResourceConflictException
(an update still in progress). Exponential backoff with full jitter.
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


def is_retryable(exc: BaseException) -> bool:
    """True for throttling (any 429) and ResourceConflictException."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in RETRYABLE_CODES or status == 429


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
