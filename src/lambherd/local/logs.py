"""CloudWatch-style invocation log lines: START, END, REPORT, timeouts, and the 4 KB tail."""

from __future__ import annotations

import base64
import math
import time

#: ``X-Amz-Log-Result`` carries at most the last 4 KB of the invocation's log.
TAIL_BYTES = 4096


def start_line(request_id: str, version: str) -> str:
    """``START RequestId: ... Version: ...``."""
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    """``END RequestId: ...``."""
    return f"END RequestId: {request_id}\n"


def billed_ms(duration_ms: float) -> int:
    """Lambda bills in 1 ms steps, rounding up, at least 1 ms."""
    return max(1, math.ceil(duration_ms))


def report_line(
    request_id: str,
    duration_ms: float,
    billed_duration_ms: int,
    memory_size_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None = None,
) -> str:
    """The tab-separated ``REPORT`` line; ``Init Duration`` only after a cold start."""
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_duration_ms} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    return "\t".join(fields) + "\t\n"


def timestamp() -> str:
    """UTC time as Lambda prints it in platform lines."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def timeout_line(request_id: str, timeout_s: float) -> str:
    """The platform line written when an invocation runs out of time."""
    return f"{timestamp()} {request_id} Task timed out after {timeout_s:.2f} seconds\n"


def error_line(request_id: str, message: str) -> str:
    """A platform error line (runtime exit, out of memory)."""
    return f"RequestId: {request_id} Error: {message}\n"


def log_stream_name(version: str, env_id: str) -> str:
    """``YYYY/MM/DD/[VERSION]<environment id>`` as Lambda names streams."""
    return time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]{env_id}"


def tail_base64(log: str, limit: int = TAIL_BYTES) -> str:
    """The last ``limit`` bytes of ``log``, base64-encoded (``X-Amz-Log-Result``)."""
    return base64.b64encode(log.encode("utf-8")[-limit:]).decode("ascii")
