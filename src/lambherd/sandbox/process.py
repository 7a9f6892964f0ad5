"""Starting, finding and stopping the sandbox's server process (its files: ``locations``)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lambherd.errors import AwsError, UsageError
from lambherd.sandbox.locations import (
    CLOCK_FILE,
    LOCK_FILE,
    LOG_FILE,
    PID_FILE,
    SNAPSHOT_WRITING_FILE,
    STOPPING_FILE,
    default_port,
    default_state_dir,
    health,
    port_in_use,
    prepare_state_dir,
    read_pid_file,
    sandbox_endpoint,
)
from lambherd.sandbox.statefiles import open_private

log = logging.getLogger("lambherd.sandbox")

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
#: The longest a stop waits for a server that is writing its snapshot.
SNAPSHOT_STOP_TIMEOUT_S = 120.0
#: What a stopped sandbox's reset deletes (see ``state_store``), besides the clock.
SAVED_STATE_FILES = ("snapshot.bin", "journal.jsonl", "telemetry.jsonl")
SAVED_STATE_DIRS = ("blobs", "code")


@dataclass(frozen=True)
class SandboxStatus:
    """What ``sandbox status`` reports."""

    running: bool
    endpoint: str
    state_dir: Path
    pid: int | None = None
    functions: int | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {
            "running": self.running,
            "endpoint": self.endpoint,
            "state_dir": str(self.state_dir),
            "pid": self.pid,
            "functions": self.functions,
            "warnings": list(self.warnings),
        }


def server_command(
    port: int, state_dir: Path, host: str = "127.0.0.1", account_concurrency: int | None = None
) -> list[str]:
    """The command line of the server process."""
    extra = (
        [] if account_concurrency is None else ["--account-concurrency", str(account_concurrency)]
    )
    return [
        sys.executable,
        "-m",
        "lambherd.sandbox.server",
        "--host",
        host,
        "--port",
        str(port),
        "--state-dir",
        str(state_dir),
        *extra,
    ]


@contextlib.contextmanager
def _start_lock(state_dir: Path) -> Iterator[None]:
    import fcntl

    prepare_state_dir(state_dir)
    try:
        fh = os.fdopen(os.open(state_dir / LOCK_FILE, os.O_WRONLY | os.O_CREAT, 0o600), "w")
    except OSError as exc:
        raise UsageError(
            f"sandbox state folder {state_dir}: cannot write {LOCK_FILE} ({exc.strerror})",
            hint="choose another folder with --state-dir or LAMBHERD_SANDBOX_DIR",
        ) from exc
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _same_dir(a: object, b: Path) -> bool:
    try:
        return Path(str(a)).resolve() == b.resolve()
    except OSError:
        return False


def owner(state_dir: Path) -> SandboxStatus | None:
    """The sandbox that runs on ``state_dir`` right now (from its pid file and health), if any."""
    doc = read_pid_file(state_dir) or {}
    port = doc.get("port")
    if not isinstance(port, int):
        return None
    endpoint = sandbox_endpoint(port)
    info = health(endpoint)
    if not info or not _same_dir(info.get("state_dir"), state_dir):
        return None
    pid = info.get("pid")
    return SandboxStatus(True, endpoint, state_dir, pid=pid if isinstance(pid, int) else None)


def _starting_here(port: int, state_dir: Path) -> bool:
    """Whether this state folder's own server holds ``port`` but does not answer yet."""
    doc = read_pid_file(state_dir) or {}
    pid = doc.get("pid")
    return doc.get("port") == port and isinstance(pid, int) and _is_sandbox_process(pid)


def _wait_for_health(endpoint: str, timeout: float) -> dict[str, object] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = health(endpoint, timeout=1.0)
        if info:
            return info
        time.sleep(0.1)
    return None


def check_can_start(port: int, state_dir: Path, *, running_ok: bool = False) -> str | None:
    """Refuse a start that would clash; the endpoint when this very sandbox already runs.

    Clashes: the port serves another state folder's sandbox, this state folder is served on
    another port, or the port is taken by some other program.
    """
    endpoint = sandbox_endpoint(port)
    taken = port_in_use(port)  # cheap; only then ask what answers there (a mute one costs 2 s)
    info = health(endpoint) if taken else None
    if taken and not info and _starting_here(port, state_dir):
        info = _wait_for_health(endpoint, START_TIMEOUT_S)  # replaying its journal
        if not info:
            raise AwsError(
                f"the sandbox of {state_dir} holds port {port} but does not answer",
                hint=f"see {state_dir / LOG_FILE}; `lambherd sandbox stop` stops it",
            )
    if info:
        if _same_dir(info.get("state_dir"), state_dir) or running_ok:
            return endpoint
        raise UsageError(
            f"port {port} already serves the sandbox of {info.get('state_dir')} "
            f"(pid {info.get('pid')}), not {state_dir}",
            hint=f"stop it with `lambherd sandbox stop --port {port}`, or choose another --port",
        )
    other = owner(state_dir)
    if other is not None:
        raise UsageError(
            f"the sandbox of {state_dir} already runs at {other.endpoint} (pid {other.pid})",
            hint=f"use that port (LAMBHERD_SANDBOX_PORT={other.endpoint.rsplit(':', 1)[1]}) "
            f"or stop it with `lambherd sandbox stop --state-dir {state_dir}`",
        )
    if taken:
        raise UsageError(
            f"port {port} on 127.0.0.1 is in use by another program (not a lambherd sandbox)",
            hint="choose another port with --port or LAMBHERD_SANDBOX_PORT",
        )
    return None


def start_background(
    port: int | None = None,
    state_dir: Path | None = None,
    *,
    timeout: float = START_TIMEOUT_S,
    account_concurrency: int | None = None,
    any_state_dir: bool = False,
) -> str:
    """Start the server as a detached child unless it already answers; returns its endpoint.

    With ``any_state_dir`` a sandbox already answering on ``port`` is used whatever its state
    folder (what ``--sandbox`` wants); otherwise a different state folder there is an error.
    """
    port = port or default_port()
    state_dir = (state_dir or default_state_dir()).resolve()
    endpoint = sandbox_endpoint(port)
    running = check_can_start(port, state_dir, running_ok=any_state_dir)
    if running:
        return running
    with _start_lock(state_dir):
        # another process may have started it (or taken the port) while we waited for the lock
        running = check_can_start(port, state_dir, running_ok=any_state_dir)
        if running:
            return running
        log_path = state_dir / LOG_FILE
        with open_private(log_path, "ab") as log_fh:
            proc = subprocess.Popen(
                server_command(port, state_dir, account_concurrency=account_concurrency),
                stdin=subprocess.DEVNULL,
                stdout=log_fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if health(endpoint, timeout=1.0):
                return endpoint
            if proc.poll() is not None:
                raise AwsError(
                    f"the sandbox exited while starting on port {port}: {_log_error(log_path)}",
                    hint=f"see {log_path}",
                )
            time.sleep(0.1)
        _terminate(proc.pid)
        raise AwsError(
            f"the sandbox did not answer on {endpoint} within {timeout:.0f}s",
            hint=f"see {log_path}",
        )


def _log_error(path: Path) -> str:
    """The server's own ``error:`` line from its log, else the log's last lines."""
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    for line in reversed(lines[-20:]):
        if line.startswith("error: "):
            return line[len("error: ") :]
    return " | ".join(lines[-3:]) or "no log"


def stop(
    state_dir: Path | None = None, *, port: int | None = None, timeout: float = STOP_TIMEOUT_S
) -> bool:
    """Stop the server that owns ``state_dir`` (or answers on ``port``); False when none ran.

    A stale pid file (the server was killed, the pid reused) is removed without signalling.
    """
    if port is not None:
        info = health(sandbox_endpoint(port))
        if not info:
            return False
        state_dir = Path(str(info.get("state_dir")))
    state_dir = (state_dir or default_state_dir()).resolve()
    doc = read_pid_file(state_dir)
    if not doc or not isinstance(doc.get("pid"), int):
        return False
    pid = int(doc["pid"])  # type: ignore[arg-type]
    stopped = _is_sandbox_process(pid) and _terminate(
        pid, timeout=timeout, busy=lambda: _writing_snapshot(state_dir, pid)
    )
    (state_dir / PID_FILE).unlink(missing_ok=True)
    return stopped


def _is_sandbox_process(pid: int) -> bool:
    """Whether ``pid`` is a sandbox server (never signal a process that reused a stale pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False  # no such process
    except OSError:
        return _alive(pid)  # no /proc: trust the pid file
    return b"lambherd.sandbox.server" in cmdline


def _terminate(
    pid: int, timeout: float = STOP_TIMEOUT_S, *, busy: Callable[[], bool] = lambda: False
) -> bool:
    """SIGTERM, wait, then SIGKILL; True when a process was there to stop.

    While ``busy()`` (the server is writing its snapshot) the wait goes on, up to
    ``SNAPSHOT_STOP_TIMEOUT_S``: a snapshot cut short loses nothing (the old one and the journal
    are intact until the new one is complete), but the next start would replay the journal.
    """
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    started = time.monotonic()
    while _alive(pid):
        waited = time.monotonic() - started
        if waited >= SNAPSHOT_STOP_TIMEOUT_S or (waited >= timeout and not busy()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return True
        time.sleep(0.05)
    return True


def _writing_snapshot(state_dir: Path, pid: int) -> bool:
    """Whether the server ``pid`` is writing a snapshot or going through its stop."""
    for name in (SNAPSHOT_WRITING_FILE, STOPPING_FILE):
        try:
            if (state_dir / name).read_text().strip() == str(pid):
                return True
        except OSError:
            continue
    return False


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reap it if it is our own child
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def status(port: int | None = None, state_dir: Path | None = None) -> SandboxStatus:
    """Whether the sandbox answers on its port, and what it holds."""
    state_dir = (state_dir or default_state_dir()).resolve()
    if port is None:
        doc = read_pid_file(state_dir) or {}
        port = int(doc["port"]) if isinstance(doc.get("port"), int) else default_port()  # type: ignore[arg-type]
    endpoint = sandbox_endpoint(port)
    info = health(endpoint)
    if not info:
        return SandboxStatus(False, endpoint, state_dir)
    return SandboxStatus(
        True,
        endpoint,
        Path(str(info.get("state_dir", state_dir))),
        pid=info.get("pid") if isinstance(info.get("pid"), int) else None,  # type: ignore[arg-type]
        functions=info.get("functions") if isinstance(info.get("functions"), int) else None,  # type: ignore[arg-type]
        warnings=tuple(str(w) for w in info.get("warnings") or ()),  # type: ignore[union-attr]
    )


def reset(port: int | None = None, state_dir: Path | None = None) -> bool:
    """Empty the sandbox (functions, logs, metrics, journal, code cache; its clock goes back).

    A running sandbox (on ``port``) is emptied in place; when none runs, the journal and code
    cache of ``state_dir`` are deleted. True when a running sandbox was reset.
    """
    endpoint = sandbox_endpoint(port or default_port())
    if health(endpoint):
        req = urllib.request.Request(f"{endpoint}/_lambherd/reset", method="POST", data=b"")
        try:
            urllib.request.urlopen(req, timeout=60).read()
        except (urllib.error.URLError, OSError) as exc:
            raise AwsError(f"the sandbox at {endpoint} could not reset: {exc}") from exc
        return True
    state_dir = (state_dir or default_state_dir()).resolve()
    if owner(state_dir) is not None:  # it runs on another port: reset it there
        other = read_pid_file(state_dir) or {}
        return reset(int(other["port"]), state_dir)  # type: ignore[arg-type]
    import shutil

    try:
        for name in (*SAVED_STATE_FILES, CLOCK_FILE):
            (state_dir / name).unlink(missing_ok=True)
        for folder in SAVED_STATE_DIRS:
            if (state_dir / folder).exists():
                shutil.rmtree(state_dir / folder)
    except OSError as exc:
        raise UsageError(f"sandbox state folder {state_dir}: cannot clear it ({exc})") from exc
    return False


def ensure_running() -> str:
    """The sandbox's endpoint, starting it in the background first when it is not running."""
    port, state_dir = default_port(), default_state_dir()
    if port_in_use(port):  # running (any state folder will do), or a clear error
        return start_background(port, state_dir, any_state_dir=True)
    endpoint = start_background(port, state_dir, any_state_dir=True)
    log.info(
        "sandbox started at %s (state %s; `lambherd sandbox stop` stops it)",
        endpoint,
        state_dir.resolve(),
    )
    return endpoint
