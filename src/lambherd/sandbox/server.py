"""The sandbox server process: ``python -m lambherd.sandbox.server --port P --state-dir DIR``.

Replays the journal, binds 127.0.0.1 (threaded werkzeug server), writes the pid file, serves
until SIGTERM/SIGINT, then stops every execution environment and removes the pid file.
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

from lambherd.aws import sandbox_endpoint
from lambherd.sandbox.process import PID_FILE, default_port, default_state_dir

log = logging.getLogger("lambherd.sandbox")


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
    from werkzeug.serving import make_server

    from lambherd.sandbox.dispatcher import SandboxApp

    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    endpoint = sandbox_endpoint(port) if host == "127.0.0.1" else f"http://{host}:{port}"
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    app = SandboxApp(
        state_dir,
        endpoint,
        account_concurrency=account_concurrency or account_concurrency_from_env(),
    )
    server = make_server(host, port, app, threaded=True)
    pid_file = state_dir / PID_FILE
    pid_file.write_text(json.dumps({"pid": os.getpid(), "port": port, "host": host}))
    replayed = app.restore()
    log.info("sandbox on %s (state %s, %d requests replayed)", endpoint, state_dir, replayed)
    app.compact()  # before serving: a large journal is rewritten once, restarts get faster

    def stop(*_args: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    if ready is not None:
        ready.set()
    try:
        server.serve_forever()
    finally:
        server.server_close()
        app.close()
        app.compact()  # clean stop: invocation logs/metrics become a few batched requests
        try:
            doc = json.loads(pid_file.read_text())
            if doc.get("pid") == os.getpid():
                pid_file.unlink()
        except (OSError, ValueError):
            pass


def main(argv: list[str] | None = None) -> int:
    """Process entry point."""
    parser = argparse.ArgumentParser(prog="python -m lambherd.sandbox.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--account-concurrency", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        serve(
            args.port or default_port(),
            args.state_dir or default_state_dir(),
            host=args.host,
            account_concurrency=args.account_concurrency,
        )
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
