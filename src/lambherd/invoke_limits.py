"""What Lambda's Invoke API accepts: invocation types and request payload limits.

Shared by ``ops.invoke`` (the ``invoke`` command), the local emulator and the sandbox.
"""

from __future__ import annotations

SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 1 * 1024 * 1024
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


def payload_limit(invocation_type: str) -> int:
    """The request size limit for an invocation type."""
    return ASYNC_PAYLOAD_LIMIT if invocation_type == "Event" else SYNC_PAYLOAD_LIMIT
