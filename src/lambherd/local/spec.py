"""The local emulator's vocabulary: what to run (FunctionSpec), one request (Invocation), how an
environment's init failed (InitFailure) and how an invocation ended (InvokeResult).

Imported by every module of ``local/`` (and by the sandbox); imports none of them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from lambherd.defaults import DEFAULT_REGION, MEMORY_SIZE, SANDBOX_ACCOUNT_ID, TIMEOUT

if TYPE_CHECKING:
    from lambherd.local.streaming import ResponseStream

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class FunctionSpec:
    """What the emulator needs to run one function version."""

    name: str
    handler: str
    runtime: str = "python3.12"
    code_dir: Path = Path(".")
    memory_mb: int = MEMORY_SIZE
    timeout_s: float = float(TIMEOUT)
    environment: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    version: str = "$LATEST"
    layer_dirs: tuple[Path, ...] = ()
    reserved_concurrency: int | None = None
    provisioned: int = 0
    region: str = DEFAULT_REGION
    account_id: str = SANDBOX_ACCOUNT_ID
    log_group: str | None = None
    architecture: str = "x86_64"
    extra_env: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    @property
    def arn(self) -> str:
        """The unqualified function ARN."""
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"


@dataclass(frozen=True)
class InvokeResult:
    """How one invocation ended, with its CloudWatch-style log."""

    request_id: str
    payload: bytes
    function_error: str | None
    executed_version: str
    log: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None
    status_code: int = 200
    #: Served by a provisioned environment; how many of the version's provisioned environments
    #: were busy then (this one included) and how many it has (Lambda's provisioned metrics).
    provisioned: bool = False
    provisioned_busy: int = 0
    provisioned_total: int = 0


@dataclass(eq=False)
class Invocation:
    """One request handed to an environment, and how it ended."""

    request_id: str
    payload: bytes
    deadline_ms: int
    invoked_arn: str
    trace_id: str
    client_context: str | None = None
    cognito_identity: str | None = None
    log: bytearray = field(default_factory=bytearray)
    #: "response" | "error" | "exit" | "timeout" | "oom" | "shutdown" once done
    #: ("shutdown": the emulator stopped the environment on purpose; ``body`` says why)
    outcome: str | None = None
    body: bytes = b""
    error_type: str | None = None
    exit_status: int | None = None
    #: where a streamed response goes (``InvokeWithResponseStream``, a streaming URL); when the
    #: function streams without one, a buffered stream is made and its bytes become ``body``
    stream: ResponseStream | None = None
    done: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def finish(
        self,
        outcome: str,
        body: bytes = b"",
        error_type: str | None = None,
        exit_status: int | None = None,
    ) -> bool:
        """Record the first outcome only; later ones (e.g. the exit after a kill) are ignored."""
        with self._lock:
            if self.outcome is not None:
                return False
            self.outcome, self.body, self.error_type = outcome, body, error_type
            self.exit_status = exit_status
        self.done.set()
        return True


@dataclass(frozen=True)
class InitFailure:
    """Why an environment did not become ready."""

    error_type: str
    body: bytes | None = None  # the document the runtime posted to /init/error
    message: str | None = None  # our own description (exit status, timeout)
