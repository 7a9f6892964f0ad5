"""The sandbox server process: ``python -m lambherd.sandbox.server --port P --state-dir DIR``.

Binds 127.0.0.1 (``http_server``: threaded, keep-alive), writes the pid file, loads the saved
state (snapshot + journal tail), serves until SIGTERM/SIGINT, then lets requests in flight
finish (bounded), stops every execution environment, takes the last snapshot and removes the
pid file. A stop signal while the state loads skips serving.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from lambherd.errors import LambherdError, UsageError
from lambherd.sandbox.locations import (
    PID_FILE,
    SERVER_LOCK_FILE,
    STOPPING_FILE,
    default_port,
    default_state_dir,
    port_in_use,
    prepare_state_dir,
    sandbox_endpoint,
)
from lambherd.sandbox.statefiles import write_atomic

log = logging.getLogger("lambherd.sandbox")
#: How long a stop waits for requests in flight before it stops the execution environments.
DRAIN_TIMEOUT_S = 3.0


def account_concurrency_from_env() -> int:
    """``$LAMBHERD_SANDBOX_CONCURRENCY`` (the account's concurrent executions), default 1000."""
    return int(os.environ.get("LAMBHERD_SANDBOX_CONCURRENCY", "1000"))


def serve(
    port: int,
    state_dir: Path,
    *,
    host: str = "127.0.0.1",
    account_concurrency: int | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Run the sandbox in this process until a stop signal arrives."""
    state_dir = prepare_state_dir(state_dir.resolve())
    lock = _lock_state_dir(state_dir)
    try:
        _serve_locked(port, state_dir, host, account_concurrency, ready)
    finally:
        lock.close()


def _lock_state_dir(state_dir: Path) -> Any:
    """Hold the state folder's server lock for the life of this process (one server per folder).

    The kernel drops the lock when the process dies, even by SIGKILL, so it never goes stale.
    """
    import fcntl

    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND
    fh = os.fdopen(os.open(state_dir / SERVER_LOCK_FILE, flags, 0o600), "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        fh.close()
        raise UsageError(
            f"sandbox state folder {state_dir}: another sandbox server is using it",
            hint=f"stop it with `lambherd sandbox stop --state-dir {state_dir}`",
        ) from exc
    return fh


def _serve_locked(
    port: int,
    state_dir: Path,
    host: str,
    account_concurrency: int | None,
    ready: threading.Event | None,
) -> None:
    from lambherd.sandbox.dispatcher import SandboxApp
    from lambherd.sandbox.http_server import make_sandbox_server

    endpoint = sandbox_endpoint(port) if host == "127.0.0.1" else f"http://{host}:{port}"
    if port_in_use(port, host):
        raise UsageError(
            f"port {port} on {host} is in use by another program",
            hint="choose another port with --port or LAMBHERD_SANDBOX_PORT",
        )
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    app = SandboxApp(
        state_dir,
        endpoint,
        account_concurrency=account_concurrency or account_concurrency_from_env(),
    )
    try:
        server = make_sandbox_server(host, port, app)
    except SystemExit as exc:  # werkzeug prints its reason and exits when it cannot bind
        raise UsageError(f"cannot serve on {host}:{port} (see the message above)") from exc
    stopping = threading.Event()

    def stop(*_args: Any) -> None:  # also while the state loads: serving then never starts
        if not stopping.is_set():  # `sandbox stop` waits while this file names us
            (state_dir / STOPPING_FILE).write_text(str(os.getpid()))
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    pid_file = state_dir / PID_FILE
    write_atomic(pid_file, [json.dumps({"pid": os.getpid(), "port": port, "host": host}).encode()])
    replayed = app.restore()
    log.info("sandbox on %s (state %s, %d journal entries replayed)", endpoint, state_dir, replayed)
    if ready is not None:
        ready.set()
    try:
        if not stopping.is_set():
            server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        server.drain(DRAIN_TIMEOUT_S)
        app.close()  # environments stopped, then the last snapshot: the journal ends empty
        try:
            doc = json.loads(pid_file.read_text())
            if doc.get("pid") == os.getpid():
                pid_file.unlink()
        except (OSError, ValueError):
            pass
        (state_dir / STOPPING_FILE).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Process entry point."""
    parser = argparse.ArgumentParser(prog="python -m lambherd.sandbox.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--account-concurrency", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    from lambherd.redaction import install_redaction

    install_redaction()  # request lines may carry presigned signatures and tokens
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        serve(
            args.port or default_port(),
            args.state_dir or default_state_dir(),
            host=args.host,
            account_concurrency=args.account_concurrency,
        )
    except LambherdError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
