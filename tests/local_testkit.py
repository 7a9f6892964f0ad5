"""Helpers shared by the local emulator tests (not a test module)."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "local"
PY = f"python{sys.version_info.major}.{sys.version_info.minor}"


def hello_function(tmp_path: Path, **config: Any) -> Path:
    """``tmp_path/hello``: the ``basic`` handler and a function.json for it (plus ``config``)."""
    folder = tmp_path / "hello"
    shutil.copytree(DATA / "basic", folder)
    definition = {
        "FunctionName": "hello",
        "Handler": "app.handler",
        "Runtime": PY,
        "Role": "arn:aws:iam::123456789012:role/lambda",
        "Timeout": 2,
        **config,
    }
    (folder / "function.json").write_text(json.dumps(definition))
    return folder


#: A handler that says it started (writes ``event["marker"]``), then runs for a minute (or kills
#: its own process with ``event["crash"]``): for invocations cut off on purpose.
SLOW_HANDLER = """
import os, signal, time
from pathlib import Path

def handler(event, context):
    Path(event["marker"]).write_text("running")
    if event.get("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)
    return "done"
"""


def wait_for_file(path: Path, timeout: float = 30.0) -> None:
    """Wait until ``path`` exists (a handler wrote it); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``target()`` in a daemon thread; its ``result`` or ``error`` lands in the dict."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = target()
        except Exception as exc:  # surfaced by the test's assertions
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out
