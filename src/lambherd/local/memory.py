"""Memory of a child process, read from ``/proc/<pid>/status`` (Linux).

``VmHWM`` is the peak resident set size since the process started: it is what Lambda's
``Max Memory Used`` reports, and the figure the memory limit is enforced against.
"""

from __future__ import annotations


def _status_kb(pid: int, field: bytes) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            data = f.read()
    except OSError:
        return None
    start = data.find(field)
    if start < 0:
        return None
    end = data.find(b"\n", start)
    parts = data[start + len(field) : end].split()
    return int(parts[0]) if parts else None


def peak_rss_mb(pid: int) -> int | None:
    """Peak resident memory (VmHWM) in MB, rounded up; None if the process is gone."""
    kb = _status_kb(pid, b"VmHWM:")
    return None if kb is None else (kb + 1023) // 1024


def exited(pid: int) -> bool:
    """True once the process has died, even before it can be reaped: a multi-threaded runtime
    (Node.js) killed by a signal shows as a zombie while its other threads are torn down."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return True
    state = stat.rsplit(b")", 1)[-1].split()[:1]
    return state in ([b"Z"], [b"X"])
