"""One execution environment: a child process running awslambdaric against our Runtime API.

Life: ``start()`` spawns ``python -m awslambdaric <handler>`` and waits for its first ``/next``
(init done), an ``/init/error``, or its exit. ``run()`` hands one invocation to the waiting
``/next`` (a queue hand-off, no polling) and waits for ``/response`` or ``/error``, killing the
process on timeout or when its peak RSS (VmHWM) passes the memory limit. The child's stdout and
stderr share one pipe; lines are attributed to the invocation running when they were written
(the pipe is drained before an invocation's log is closed).
"""

from __future__ import annotations

import os
import queue
import select
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

from lambherd.defaults import INIT_TIMEOUT_S
from lambherd.local import cpu, memory
from lambherd.local.interpreters import Interpreter
from lambherd.local.layers import opt_folder, python_paths
from lambherd.local.logs import log_stream_name
from lambherd.local.runtime_api import serve_runtime_api
from lambherd.local.spec import FunctionSpec, InitFailure, Invocation
from lambherd.local.streaming import ResponseStream

#: errorType of an invocation cut off because the emulator stopped its environment on purpose.
SHUTDOWN_ERROR_TYPE = "Runtime.Shutdown"
#: Lambda gives the init phase 10 seconds.
#: How often a running invocation's memory is checked (off the hot path: the wait returns at once
#: when the response arrives).
MEMORY_POLL_S = 0.01
_PASSTHROUGH = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_F_SETPIPE_SZ = 1031


def child_environment(
    spec: FunctionSpec, runtime_api: str, env_id: str, interpreter: Interpreter, init_type: str
) -> dict[str, str]:
    """The variables Lambda sets, plus the definition's ``Environment.Variables``."""
    from lambherd.build.cache import build_dir

    code_dir = Path(spec.code_dir).resolve()
    paths = [str(code_dir)]
    build = build_dir(code_dir)  # what `lambherd build` installed, as the archive adds it
    if build.is_dir():
        paths.append(str(build))
    # the layers at /opt, in Lambda's order: python/lib/python3.X/site-packages, then python
    paths.extend(python_paths(opt_folder(tuple(spec.layer_dirs)), interpreter.version))
    env = {k: os.environ[k] for k in _PASSTHROUGH if k in os.environ}
    env.update({str(k): str(v) for k, v in spec.environment.items()})
    env.update({str(k): str(v) for k, v in spec.extra_env.items()})
    env.update(
        {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONDONTWRITEBYTECODE": "1",  # the task root is read-only on Lambda
            "PYTHONPATH": os.pathsep.join(paths),
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": spec.handler,
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": init_type,
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group or f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(spec.version, env_id),
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
        }
    )
    return env


def describe_exit(status: int) -> str:
    """A child's exit status as Lambda words it (``signal: killed``, ``exit status 1``)."""
    if status < 0:
        try:
            name = signal.Signals(-status).name[3:].lower()
        except ValueError:
            name = str(-status)
        return f"signal: {name}"
    return f"exit status {status}"


class Environment:
    """A child process plus its Runtime API server; runs one invocation at a time."""

    def __init__(self, spec: FunctionSpec, interpreter: Interpreter, *, provisioned: bool = False):
        self.spec = spec
        self.interpreter = interpreter
        self.provisioned = provisioned
        self.id = uuid.uuid4().hex
        self.init_duration_ms: float | None = None
        self.init_failure: InitFailure | None = None
        self.init_log = bytearray()
        self.init_reported = provisioned  # provisioned inits are not billed to an invocation
        #: (busy, total) provisioned environments of its version when it was last checked out
        self.provisioned_use = (0, 0)
        self.last_used = time.monotonic()
        self.invocations = 0
        self.peak_mb = 0
        self._inbox: queue.SimpleQueue[Invocation | None] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._ready_at = 0.0
        self._current: Invocation | None = None
        self._io_lock = threading.Lock()
        self._sink = self.init_log
        self._stray = bytearray()
        self._proc: subprocess.Popen[bytes] | None = None
        self._server = None
        self._fd = -1
        self._exit_status: int | None = None
        self._stopped = False
        self._stop_reason: str | None = None

    # -- process ---------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The child's PID once started."""
        return self._proc.pid if self._proc else None

    @property
    def alive(self) -> bool:
        """True while the child runs and has not been stopped."""
        return (
            not self._stopped
            and self._proc is not None
            and self._exit_status is None
            and self._proc.poll() is None
            and not memory.exited(self._proc.pid)
        )

    def start(self, init_timeout_s: float = INIT_TIMEOUT_S) -> bool:
        """Spawn the child and wait for init; False (with ``init_failure``) if it failed."""
        self._server = serve_runtime_api(self)
        init_type = "provisioned-concurrency" if self.provisioned else "on-demand"
        env = child_environment(
            self.spec, self._server.address, self.id, self.interpreter, init_type
        )
        env = self.interpreter.adapt_environment(env, self.spec)  # Node: NODE_PATH...
        started = time.perf_counter()
        self._proc = subprocess.Popen(
            self.interpreter.command(self.spec.handler, self.spec.memory_mb),
            cwd=str(Path(self.spec.code_dir).resolve()),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            bufsize=0,
        )
        assert self._proc.stdout is not None
        self._fd = self._proc.stdout.fileno()
        os.set_blocking(self._fd, False)
        try:
            import fcntl

            fcntl.fcntl(self._fd, _F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        threading.Thread(
            target=self._read_output, name=f"env-{self.id[:8]}-out", daemon=True
        ).start()
        if not self._ready.wait(init_timeout_s) and self._stop_reason is None:
            self.init_failure = InitFailure(
                "Sandbox.Timedout", message=f"Init timed out after {init_timeout_s:.2f} seconds"
            )
        if self._stop_reason is not None:  # stopped on purpose while it started
            self.init_failure = InitFailure(SHUTDOWN_ERROR_TYPE, message=self._stop_reason)
        elif self.init_failure is None and self._exit_status is not None:
            self.init_failure = InitFailure(
                "Runtime.ExitError",
                message=f"Runtime exited with error: {describe_exit(self._exit_status)}",
            )
        end = self._ready_at if self.init_failure is None else time.perf_counter()
        self.init_duration_ms = (end - started) * 1000.0
        self._drain()
        with self._io_lock:
            self._sink = self._stray
        if self.init_failure is not None:
            self.stop()
            return False
        self.peak_mb = memory.peak_rss_mb(self._proc.pid) or 0
        cpu.place(self._proc.pid, self.spec.memory_mb)  # Lambda's CPU share, from the first invoke
        return True

    def stop(self, reason: str | None = None) -> None:
        """Kill the child (and anything it spawned) and close the Runtime API (idempotent).

        ``reason`` is given when the emulator stops the environment on purpose (closed, function
        removed): an invocation still running ends with outcome ``shutdown`` and that reason,
        not as a crash of the runtime.
        """
        if reason is not None:
            self._stop_reason = self._stop_reason or reason
            inv = self._current
            if inv is not None:
                inv.finish("shutdown", reason.encode("utf-8"))
            self._ready.set()  # a start() still waiting for init gives up now
        self._stopped = True
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        if proc is not None and proc.poll() is not None:
            cpu.release(proc.pid)
        self._inbox.put(None)
        if self._server is not None:
            self._server.close()

    # -- output ----------------------------------------------------------------------------

    def _read_output(self) -> None:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            try:
                poller.poll()
            except OSError:
                return
            if self._drain():
                break
        proc = self._proc
        assert proc is not None
        try:
            status = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return
        self._on_exit(status)

    def _drain(self) -> bool:
        """Move everything the child wrote so far into the current sink; True on EOF."""
        with self._io_lock:
            while True:
                try:
                    chunk = os.read(self._fd, 1 << 16)
                except BlockingIOError:
                    return False
                except OSError:
                    return True
                if not chunk:
                    return True
                self._sink += chunk

    def _on_exit(self, status: int) -> None:
        self._exit_status = status
        self._ready.set()
        inv = self._current
        if inv is not None:
            inv.finish("exit", exit_status=status)
        self._inbox.put(None)

    # -- Runtime API backend ---------------------------------------------------------------

    def next_invocation(self) -> Invocation | None:
        """Called by ``GET /next``: mark init complete and wait for the next invocation."""
        if not self._ready.is_set():
            self._ready_at = time.perf_counter()
            self._ready.set()
        if self._stopped:
            return None
        return self._inbox.get()

    def post_result(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        """Called by ``POST /response`` and ``/error``."""
        inv = self._current
        if inv is None or inv.request_id != request_id:
            return False
        inv.finish("error" if error_type else "response", body, error_type)
        return True

    def post_init_error(self, body: bytes, error_type: str | None) -> None:
        """Called by ``POST /init/error``."""
        self.init_failure = InitFailure(error_type or "Runtime.Unknown", body=body)
        self._ready.set()

    def open_stream(self, request_id: str, content_type: str | None) -> ResponseStream | None:
        """Called when a streamed ``/response`` starts: the stream its chunks go to."""
        inv = self._current
        if inv is None or inv.request_id != request_id or inv.outcome is not None:
            return None
        if inv.stream is None:  # a plain Invoke of a streaming function: kept for the result
            inv.stream = ResponseStream(buffered=True)
        inv.stream.open(content_type)
        return inv.stream

    def close_stream(self, request_id: str, error_type: str | None, error_body: bytes) -> None:
        """Called when a streamed ``/response`` ends (with the trailers' error, if any)."""
        inv = self._current
        if inv is None or inv.request_id != request_id or inv.stream is None:
            return
        stream = inv.stream
        stream.close(error_type, error_body)  # kept as it is when the stream ended itself
        if stream.error_type:
            inv.finish("error", stream.error_body or b"", stream.error_type)
        else:
            inv.finish("response", bytes(stream.body))

    # -- invocation ------------------------------------------------------------------------

    def run(self, inv: Invocation, timeout_s: float, memory_mb: int) -> int:
        """Run ``inv`` to its end (sets ``inv.outcome``); returns the peak memory in MB."""
        proc = self._proc
        assert proc is not None
        with self._io_lock:
            if self._stray:
                inv.log += self._stray
                self._stray.clear()
            self._sink = inv.log
        self._current = inv
        self.invocations += 1
        if self._stop_reason is not None:  # stopped on purpose between checkout and now
            inv.finish("shutdown", self._stop_reason.encode("utf-8"))
        self._inbox.put(inv)
        deadline = time.monotonic() + timeout_s
        peak = self.peak_mb
        while not inv.done.wait(min(MEMORY_POLL_S, max(0.0, deadline - time.monotonic()))):
            if self._exit_status is not None:  # died before it could take the invocation
                if self._stop_reason is not None:
                    inv.finish("shutdown", self._stop_reason.encode("utf-8"))
                else:
                    inv.finish("exit", exit_status=self._exit_status)
                break
            peak = memory.peak_rss_mb(proc.pid) or peak
            if peak > memory_mb:
                if inv.finish("oom"):
                    self.stop()
                break
            if time.monotonic() >= deadline:
                if inv.finish("timeout"):
                    self.stop()
                break
        if inv.outcome in ("response", "error"):
            peak = memory.peak_rss_mb(proc.pid) or peak
            if peak > memory_mb:  # passed the limit between two checks
                inv.outcome, inv.body, inv.error_type = "oom", b"", None
                self.stop()
        self._drain()
        with self._io_lock:
            self._sink = self._stray
        self._current = None
        self.last_used = time.monotonic()
        if inv.outcome == "exit" and inv.exit_status is None:
            inv.exit_status = self._exit_status
        self.peak_mb = peak
        return peak
