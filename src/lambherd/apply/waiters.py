"""Wait for a function to settle after a create or update (``State`` / ``LastUpdateStatus``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lambherd.errors import DeployError


def wait_until_ready(
    read: Callable[[], dict[str, Any]],
    name: str,
    *,
    timeout: float = 900.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Poll ``read()`` (GetFunctionConfiguration) until the function is Active and its last
    update finished; return that configuration. A Failed state or update raises DeployError
    with Lambda's reason.
    """
    deadline = clock() + timeout
    delay = 0.1
    while True:
        config = read()
        state = config.get("State") or "Active"
        status = config.get("LastUpdateStatus") or "Successful"
        if state == "Failed":
            reason = config.get("StateReason") or "no reason given"
            raise DeployError(f"{name}: function is in state Failed: {reason}")
        if status == "Failed":
            reason = config.get("LastUpdateStatusReason") or "no reason given"
            raise DeployError(f"{name}: update failed: {reason}")
        if state in ("Active", "Inactive") and status == "Successful":
            return config
        if clock() >= deadline:
            raise DeployError(
                f"{name}: still {state}/{status} after {timeout:.0f}s",
                hint="check the function in the console, then run again",
            )
        sleep(delay)
        delay = min(delay * 2, 2.0)
