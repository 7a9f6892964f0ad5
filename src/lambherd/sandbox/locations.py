"""Where a sandbox lives: its port, its state folder and the files in it, its health check.

Cheap to import (no server, no moto): ``sandbox status``, ``--sandbox`` and the server use it.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path

from lambherd.defaults import SANDBOX_PORT
from lambherd.errors import UsageError
from lambherd.sandbox.statefiles import PRIVATE_DIR, secure_state_dir

PID_FILE = "sandbox.pid"
#: The sandbox clock's offset from wall time (see ``clock``).
CLOCK_FILE = "clock.json"
LOG_FILE = "sandbox.log"
LOCK_FILE = "sandbox.lock"
#: Held (flock) by the server for its whole life: one server per state folder.
SERVER_LOCK_FILE = "server.lock"
#: Exists (holding the server's pid) while a snapshot is written: ``sandbox stop`` waits.
SNAPSHOT_WRITING_FILE = "snapshot.writing"
#: Written (the server's pid) when the server starts stopping, removed when it is done:
#: ``sandbox stop`` waits while it is there (the last snapshot comes at the end).
STOPPING_FILE = "server.stopping"
HEALTH_PATH = "/_lambherd/health"


def sandbox_endpoint(port: int) -> str:
    """The sandbox's URL on the loopback interface."""
    return f"http://127.0.0.1:{port}"


def default_state_dir() -> Path:
    """``$LAMBHERD_SANDBOX_DIR`` or ``~/.lambherd/sandbox``."""
    env = os.environ.get("LAMBHERD_SANDBOX_DIR")
    return Path(env).expanduser() if env else Path.home() / ".lambherd" / "sandbox"


def default_port() -> int:
    """``$LAMBHERD_SANDBOX_PORT`` or 4566."""
    raw = os.environ.get("LAMBHERD_SANDBOX_PORT", "").strip()
    if not raw:
        return SANDBOX_PORT
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise UsageError(f"LAMBHERD_SANDBOX_PORT: {raw!r} is not a port number (1-65535)")
    return int(raw)


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


def prepare_state_dir(state_dir: Path) -> Path:
    """Create ``state_dir`` if needed (0700) and check that it is a writable folder; an
    existing one is tightened (0700, its files 0600: they hold function configuration)."""
    hint = "choose another folder with --state-dir or LAMBHERD_SANDBOX_DIR"
    try:
        state_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise UsageError(f"sandbox state folder {state_dir}: is a file", hint=hint) from exc
    except OSError as exc:
        raise UsageError(
            f"sandbox state folder {state_dir}: cannot create it ({exc.strerror})", hint=hint
        ) from exc
    if not state_dir.is_dir():
        raise UsageError(f"sandbox state folder {state_dir}: is not a folder", hint=hint)
    if not os.access(state_dir, os.W_OK | os.X_OK):
        raise UsageError(f"sandbox state folder {state_dir}: not writable", hint=hint)
    try:
        return secure_state_dir(state_dir)
    except OSError as exc:
        raise UsageError(
            f"sandbox state folder {state_dir}: cannot make it private ({exc.strerror})", hint=hint
        ) from exc


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on ``host:port`` (bound as the server would bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False
