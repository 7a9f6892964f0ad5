"""Starting, finding and stopping the sandbox's server process (pid file, health check, log)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lambherd.aws import SANDBOX_PORT, sandbox_endpoint
from lambherd.errors import AwsError

PID_FILE = "sandbox.pid"
LOG_FILE = "sandbox.log"
LOCK_FILE = "sandbox.lock"
HEALTH_PATH = "/_lambherd/health"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


def default_state_dir() -> Path:
    """``$LAMBHERD_SANDBOX_DIR`` or ``~/.lambherd/sandbox``."""
    env = os.environ.get("LAMBHERD_SANDBOX_DIR")
    return Path(env).expanduser() if env else Path.home() / ".lambherd" / "sandbox"


def default_port() -> int:
    """``$LAMBHERD_SANDBOX_PORT`` or 4566."""
    return int(os.environ.get("LAMBHERD_SANDBOX_PORT", SANDBOX_PORT))


@dataclass(frozen=True)
class SandboxStatus:
    """What ``sandbox status`` reports."""

    running: bool
    endpoint: str
    state_dir: Path
    pid: int | None = None
    functions: int | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {
            "running": self.running,
            "endpoint": self.endpoint,
            "state_dir": str(self.state_dir),
            "pid": self.pid,
            "functions": self.functions,
        }


def health(endpoint: str, timeout: float = 2.0) -> dict[str, object] | None:
    """The sandbox's health document, or None when nothing (or something else) answers."""
    try:
        with urllib.request.urlopen(f"{endpoint}{HEALTH_PATH}", timeout=timeout) as resp:
            doc = json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("service") == "lambherd-sandbox" else None


def read_pid_file(state_dir: Path) -> dict[str, object] | None:
    """The running server's pid file (pid, port), if any."""
    try:
        doc = json.loads((state_dir / PID_FILE).read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


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

    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / LOCK_FILE, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def start_background(
    port: int | None = None,
    state_dir: Path | None = None,
    *,
    timeout: float = START_TIMEOUT_S,
    account_concurrency: int | None = None,
) -> str:
    """Start the server as a detached child unless it already answers; returns its endpoint."""
    port = port or default_port()
    state_dir = (state_dir or default_state_dir()).resolve()
    endpoint = sandbox_endpoint(port)
    if health(endpoint):
        return endpoint
    with _start_lock(state_dir):
        if health(endpoint):  # another process started it while we waited for the lock
            return endpoint
        log_path = state_dir / LOG_FILE
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                server_command(port, state_dir, account_concurrency=account_concurrency),
                stdin=subprocess.DEVNULL,
                stdout=log,
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
                    f"the sandbox exited while starting on port {port}: {_log_tail(log_path)}",
                    hint=f"see {log_path}",
                )
            time.sleep(0.1)
        _terminate(proc.pid)
        raise AwsError(
            f"the sandbox did not answer on {endpoint} within {timeout:.0f}s",
            hint=f"see {log_path}",
        )


def _log_tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return " | ".join(text[-lines:]) or "no log"


def stop(state_dir: Path | None = None, *, timeout: float = STOP_TIMEOUT_S) -> bool:
    """Stop the server that owns ``state_dir``; False when none was running."""
    state_dir = (state_dir or default_state_dir()).resolve()
    doc = read_pid_file(state_dir)
    if not doc or not isinstance(doc.get("pid"), int):
        return False
    pid = int(doc["pid"])  # type: ignore[arg-type]
    stopped = _terminate(pid, timeout=timeout)
    (state_dir / PID_FILE).unlink(missing_ok=True)
    return stopped


def _terminate(pid: int, timeout: float = STOP_TIMEOUT_S) -> bool:
    """SIGTERM, wait, then SIGKILL; True when a process was there to stop."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return True


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
    )


def reset(port: int | None = None) -> None:
    """Empty the running sandbox (functions, logs, journal, code cache)."""
    endpoint = sandbox_endpoint(port or default_port())
    req = urllib.request.Request(f"{endpoint}/_lambherd/reset", method="POST", data=b"")
    try:
        urllib.request.urlopen(req, timeout=30).read()
    except (urllib.error.URLError, OSError) as exc:
        raise AwsError(
            f"the sandbox is not running at {endpoint}",
            hint="start it with `lambherd sandbox start`",
        ) from exc


def ensure_running() -> str:
    """The sandbox's endpoint, starting it in the background first when it is not running."""
    return start_background(default_port(), default_state_dir())
