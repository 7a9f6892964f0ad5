"""The programmatic facade of the local emulator: register functions, invoke them, close.

Used by ``lambherd local invoke/start`` and by the sandbox (invokes of deployed code)::

    rt = LocalRuntime()
    rt.register(FunctionSpec(name="hello", handler="app.handler", code_dir=Path("src")))
    result = rt.invoke("hello", b'{"x": 1}')
    rt.close()
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from lambherd.errors import (
    LocalRuntimeError,
    NotFoundError,
    PayloadTooLargeError,
    ThrottledError,
)
from lambherd.invoke_limits import INVOCATION_TYPES, payload_limit
from lambherd.local import cpu, logs, results
from lambherd.local.environment import Environment
from lambherd.local.pool import ConcurrencyLimit, Counts, FunctionPool, Started
from lambherd.local.results import CLOSED_REASON
from lambherd.local.runtime_kinds import resolve_runtime
from lambherd.local.spec import FunctionSpec, InitFailure, Invocation, InvokeResult
from lambherd.local.streaming import ResponseStream, error_type_of

__all__ = ["CLOSED_REASON", "REMOVED_REASON", "FunctionSpec", "InvokeResult", "LocalRuntime"]

log = logging.getLogger("lambherd.local")

#: Concurrency when the definition reserves none (Lambda's account pool, scaled to a laptop).
DEFAULT_CONCURRENCY = 10
#: Why an invocation ended early when its function version was removed.
REMOVED_REASON = (
    "the execution environment was stopped (the function version was removed) during the invocation"
)


Listener = Callable[[FunctionSpec, InvokeResult], None]


def _trace_id() -> str:
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


def decode_client_context(value: str | None) -> str | None:
    """The Invoke API's base64 ``ClientContext`` as the JSON text the Runtime API passes on."""
    if not value:
        return None
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
        json.loads(text)
        return text
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    try:
        json.loads(value)
    except ValueError:
        raise LocalRuntimeError("client context must be base64-encoded JSON") from None
    return value


class LocalRuntime:
    """Registered functions, their environment pools and concurrency limits."""

    def __init__(
        self, *, idle_timeout_s: float = 300.0, notify: Callable[[str], None] | None = None
    ) -> None:
        """``notify`` gets progress lines (preparing a runtime environment); default: stderr."""
        self.idle_timeout_s = idle_timeout_s
        self.warnings: list[str] = []
        self._notify = notify
        self._lock = threading.RLock()
        self._specs: dict[tuple[str, str], FunctionSpec] = {}
        self._pools: dict[tuple[str, str], FunctionPool] = {}
        self._limits: dict[str, ConcurrencyLimit] = {}
        self._listeners: list[Listener] = []
        self._background: set[threading.Thread] = set()
        self._closed = threading.Event()
        self._reaper: threading.Thread | None = None

    # -- registration ----------------------------------------------------------------------

    def register(self, spec: FunctionSpec) -> None:
        """Add or replace a function version; replaced code drains the old environments."""
        interpreter = resolve_runtime(spec.runtime, notify=self._notify)
        if interpreter.warning and interpreter.warning not in self.warnings:
            self.warnings.append(interpreter.warning)
            log.debug(interpreter.warning)
        share = cpu.note()  # no CPU share per memory size on this machine: said once
        if share and share not in self.warnings:
            self.warnings.append(share)
        if not Path(spec.code_dir).is_dir():
            raise LocalRuntimeError(f"{spec.name}: code folder {spec.code_dir} does not exist")
        with self._lock:
            if self._closed.is_set():
                raise LocalRuntimeError("the local runtime is closed")
            limit = self._limits.get(spec.name)
            wanted = self._concurrency(spec.reserved_concurrency)
            if limit is None:
                limit = self._limits[spec.name] = ConcurrencyLimit(wanted)
            elif spec.reserved_concurrency is not None:
                limit.set(wanted)
            old = self._pools.get((spec.name, spec.version))
            pool = FunctionPool(spec, interpreter, limit)
            self._specs[(spec.name, spec.version)] = spec
            self._pools[(spec.name, spec.version)] = pool
            self._start_reaper()
        if old is not None:
            old.drain()
        if spec.provisioned:
            self._raise_on_failures(spec, pool.prewarm(spec.provisioned, provisioned=True))

    def unregister(
        self, name: str, version: str | None = None, *, reason: str = REMOVED_REASON
    ) -> None:
        """Remove a function version (or all its versions) and stop its environments;
        invocations still running end with a ``Runtime.Shutdown`` error saying ``reason``."""
        with self._lock:
            keys = [k for k in self._pools if k[0] == name and version in (None, k[1])]
            if not keys:
                raise NotFoundError(
                    f"function {name}{':' + version if version else ''} is not registered"
                )
            pools = [self._pools.pop(k) for k in keys]
            for k in keys:
                self._specs.pop(k, None)
            if not any(k[0] == name for k in self._pools):
                self._limits.pop(name, None)
        for pool in pools:
            pool.close(reason)

    def set_concurrency(
        self, name: str, reserved: int | None, provisioned: Counts = None, started: Started = None
    ) -> None:
        """Change reserved concurrency (None = default) and provisioned environments per version."""
        with self._lock:
            limit = self._limits.get(name)
            if limit is None:
                raise NotFoundError(f"function {name} is not registered")
            limit.set(self._concurrency(reserved))
            pools = {v: self._pool(name, v) for v in (provisioned or {})}
        for version, pool in pools.items():
            self._raise_on_failures(pool.spec, pool.set_provisioned(provisioned[version], started))

    def warm(self, name: str, count: int = 1, *, version: str = "$LATEST") -> list[str]:
        """Start ``count`` on-demand environments ahead of time; returns init failure messages."""
        pool = self._pool(name, version)
        return [self._describe_failure(f) for f in pool.prewarm(count, provisioned=False)]

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(spec, result)`` after every invocation (sync and async)."""
        self._listeners.append(listener)

    def functions(self) -> list[FunctionSpec]:
        """The registered function versions."""
        with self._lock:
            return list(self._specs.values())

    def pids(self, name: str | None = None) -> list[int]:
        """PIDs of the environments' processes (all functions, or one)."""
        with self._lock:
            pools = [p for k, p in self._pools.items() if name in (None, k[0])]
        return [pid for p in pools for pid in p.pids()]

    def pool(self, name: str, version: str = "$LATEST") -> FunctionPool:
        """The environment pool of a function version (NotFoundError if unregistered)."""
        return self._pool(name, version)

    # -- invocation ------------------------------------------------------------------------

    def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        version: str = "$LATEST",
        client_context: str | None = None,
        invocation_type: str = "RequestResponse",
        stream: ResponseStream | None = None,
    ) -> InvokeResult:
        """Invoke a function version; a streaming one's writes go to ``stream`` if given."""
        pool = self._pool(name, version)
        if invocation_type not in INVOCATION_TYPES:
            raise LocalRuntimeError(
                f"invocation type {invocation_type}: expected RequestResponse, Event or DryRun"
            )
        limit = payload_limit(invocation_type)
        if len(payload) > limit:
            raise PayloadTooLargeError(
                f"{name}: request payload of {len(payload)} bytes is over the "
                f"{limit}-byte limit of {invocation_type} invokes"
            )
        context = decode_client_context(client_context)
        request_id = str(uuid.uuid4())
        spec = pool.spec
        if invocation_type == "DryRun":
            return results.empty(spec, request_id, 204)
        if invocation_type == "Event":
            thread = threading.Thread(
                target=self._run_async, args=(pool, request_id, payload, context), daemon=True
            )
            with self._lock:
                self._background.add(thread)
            thread.start()
            return results.empty(spec, request_id, 202)
        limit_ = pool.limit
        if not limit_.try_acquire():
            raise ThrottledError(
                f"{name}: Rate Exceeded: all {limit_.limit} execution environments allowed by "
                "the function's concurrency are busy"
            )
        try:
            return self._execute(pool, request_id, payload, context, stream)
        finally:
            limit_.release()

    def _run_async(
        self, pool: FunctionPool, request_id: str, payload: bytes, context: str | None
    ) -> None:
        try:
            if not pool.limit.acquire(self._closed):
                return
            try:
                self._execute(pool, request_id, payload, context)
            finally:
                pool.limit.release()
        except Exception:
            log.exception("asynchronous invocation %s of %s failed", request_id, pool.spec.name)
        finally:
            with self._lock:
                self._background.discard(threading.current_thread())

    def _execute(
        self,
        pool: FunctionPool,
        request_id: str,
        payload: bytes,
        context: str | None,
        stream: ResponseStream | None = None,
    ) -> InvokeResult:
        if self._closed.is_set():
            raise LocalRuntimeError("the local runtime is closed")
        spec = pool.spec
        env, cold = pool.checkout()
        if cold and not env.start():
            pool.checkin(env)
            result = results.init_failed(spec, env, request_id)
        else:
            result = self._run(spec, env, request_id, payload or b"{}", context, stream)
            pool.checkin(env)
        for listener in list(self._listeners):
            try:
                listener(spec, result)
            except Exception:
                log.exception("invocation listener failed")
        return results.with_provisioned_use(result, env)

    def _run(
        self,
        spec: FunctionSpec,
        env: Environment,
        request_id: str,
        payload: bytes,
        context: str | None,
        stream: ResponseStream | None = None,
    ) -> InvokeResult:
        arn = spec.arn if spec.version == "$LATEST" else f"{spec.arn}:{spec.version}"
        inv = Invocation(
            request_id=request_id,
            payload=payload,
            deadline_ms=int((time.time() + spec.timeout_s) * 1000),
            invoked_arn=arn,
            trace_id=_trace_id(),
            client_context=context,
            stream=stream,
        )
        started = time.perf_counter()
        peak = env.run(inv, spec.timeout_s, spec.memory_mb)
        duration = (time.perf_counter() - started) * 1000.0
        init_ms, text = None, ""
        if not env.init_reported:  # the first invocation reports INIT and carries its log
            env.init_reported, init_ms = True, env.init_duration_ms
            text = results.text(env.init_log)
            env.init_log.clear()
        body, function_error, platform = results.outcome(spec, inv)
        if inv.stream is not None:  # timed out, out of memory, exited: its reader's stream ends
            inv.stream.close(inv.error_type or error_type_of(body), body)
        if inv.outcome == "timeout":
            duration = spec.timeout_s * 1000.0
        billed = logs.billed_ms(duration)
        text += logs.start_line(request_id, spec.version)
        text += results.text(inv.log) + platform
        text += logs.end_line(request_id)
        text += logs.report_line(request_id, duration, billed, spec.memory_mb, peak, init_ms)
        text = results.as_on_lambda(text, spec)
        if function_error:  # a traceback names /var/task, as on Lambda
            body = results.as_on_lambda(body.decode("utf-8", "replace"), spec).encode("utf-8")
        return InvokeResult(
            request_id=request_id,
            payload=body,
            function_error=function_error,
            executed_version=spec.version,
            log=text,
            duration_ms=duration,
            billed_duration_ms=billed,
            memory_size_mb=spec.memory_mb,
            max_memory_used_mb=peak,
            init_duration_ms=init_ms,
        )

    # -- housekeeping ----------------------------------------------------------------------

    def close(self, reason: str = CLOSED_REASON) -> None:
        """Stop every environment of every function (no orphan processes).

        Invocations still running end with a ``Runtime.Shutdown`` error saying ``reason``.
        """
        self._closed.set()
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
            self._specs.clear()
            background = list(self._background)
        for pool in pools:
            pool.close(reason)
        for thread in background:
            thread.join(timeout=5)
        if self._reaper is not None:
            self._reaper.join(timeout=5)

    def __enter__(self) -> LocalRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pool(self, name: str, version: str) -> FunctionPool:
        with self._lock:
            pool = self._pools.get((name, version))
        if pool is None:
            raise NotFoundError(
                f"function {name}:{version} is not registered in the local runtime",
                code="ResourceNotFoundException",
            )
        return pool

    @staticmethod
    def _concurrency(reserved: int | None) -> int:
        if reserved is None:
            return int(os.environ.get("LAMBHERD_LOCAL_CONCURRENCY", DEFAULT_CONCURRENCY))
        if reserved < 0:
            raise LocalRuntimeError(f"reserved concurrency {reserved} must be 0 or more")
        return reserved

    @staticmethod
    def _describe_failure(failure: InitFailure) -> str:
        if failure.body:
            try:
                doc = json.loads(failure.body)
                return f"{doc.get('errorType', failure.error_type)}: {doc.get('errorMessage', '')}"
            except ValueError:
                pass
        return f"{failure.error_type}: {failure.message or ''}"

    def _raise_on_failures(self, spec: FunctionSpec, failures: list[InitFailure]) -> None:
        if failures:
            raise LocalRuntimeError(
                f"{spec.name}:{spec.version}: a provisioned environment failed to initialise: "
                + self._describe_failure(failures[0])
            )

    def _start_reaper(self) -> None:
        if self._reaper is None:
            self._reaper = threading.Thread(
                target=self._reap_loop, name="local-reaper", daemon=True
            )
            self._reaper.start()

    def _reap_loop(self) -> None:
        interval = min(max(self.idle_timeout_s / 4, 0.05), 5.0)
        while not self._closed.wait(interval):
            with self._lock:
                pools = list(self._pools.values())
            for pool in pools:
                pool.reap(self.idle_timeout_s)
