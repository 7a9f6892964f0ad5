"""The local emulator as a ``test`` invoker: (payload, qualifier) -> InvokeOutcome."""

from __future__ import annotations

from lambherd.invocation import InvokeOutcome, Invoker
from lambherd.local.runtime import LocalRuntime


def local_invoker(runtime: LocalRuntime, function_name: str) -> Invoker:
    """Invoke ``function_name`` in ``runtime``; the qualifier is ignored (local code is $LATEST)."""

    def invoke(payload: bytes, qualifier: str | None) -> InvokeOutcome:
        result = runtime.invoke(function_name, payload)
        return InvokeOutcome(
            status_code=result.status_code,
            payload=result.payload,
            function_error=result.function_error,
            executed_version=result.executed_version,
            log_tail=result.log,
            duration_ms=result.duration_ms,
        )

    return invoke
