"""Helpers of the rollout tests (not a test module): function folders whose versions behave as
a test needs, and a traffic generator that invokes an alias from threads (boto3, as a user's
clients would) and records what every invocation got."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROLLOUT_REGION = "ap-northeast-1"
ROLE = "arn:aws:iam::123456789012:role/lambherd-rollout"
LAMBDAIGNORE = "function.json\n.lambdaignore\ntests.yaml\nlambherd.toml\n"

HEALTHY = """
def handler(event, context):
    return {{"v": {tag!r}}}
"""
#: Fails 3 invocations in 10 in each execution environment (the first one among them), so the
#: error rate of a version is 30 % whatever the traffic.
FAILING = """
import itertools
_count = itertools.count()
def handler(event, context):
    if next(_count) % 10 in (0, 4, 7):
        raise RuntimeError("this version fails 30% of its invocations")
    return {{"v": {tag!r}}}
"""

#: Answers after ``delay`` seconds (a version slower than the one before it).
SLOW = """
import time
def handler(event, context):
    time.sleep({delay})
    return {{"v": {tag!r}}}
"""


def write_function(
    folder: Path,
    name: str,
    tag: str,
    *,
    failing: bool = False,
    delay: float | None = None,
    tests: list[dict[str, Any]] | None = None,
) -> Path:
    """A function folder: function.json, app.py answering ``{"v": tag}`` (or failing 30 %)."""
    folder.mkdir(parents=True, exist_ok=True)
    definition = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": ROLE,
        "Timeout": 10,
    }
    (folder / "function.json").write_text(json.dumps(definition, indent=2))
    (folder / ".lambdaignore").write_text(LAMBDAIGNORE)
    source = SLOW if delay is not None else FAILING if failing else HEALTHY
    (folder / "app.py").write_text(source.format(tag=tag, delay=delay))
    if tests is not None:
        (folder / "tests.yaml").write_text(json.dumps(tests))
    return folder


@dataclass(frozen=True)
class Invocation:
    """What one invocation of the generator got (times: wall clock, epoch seconds)."""

    started: float
    ended: float
    version: str | None = None
    status: int | None = None
    function_error: str | None = None
    error_type: str | None = None
    exception: str | None = None


@dataclass
class TrafficGenerator:
    """Invokes ``name:alias`` from ``threads`` threads until stopped; records every call."""

    client_factory: Any
    name: str
    alias: str = "current"
    threads: int = 3
    pause: float = 0.02
    records: list[Invocation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def __enter__(self) -> TrafficGenerator:
        for i in range(self.threads):
            worker = threading.Thread(target=self._run, name=f"traffic-{i}", daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def _run(self) -> None:
        lam = self.client_factory("lambda")
        while not self._stop.is_set():
            started = time.time()
            try:
                resp = lam.invoke(FunctionName=self.name, Qualifier=self.alias, Payload=b"{}")
                body = json.loads(resp["Payload"].read() or b"null")
                error_type = body.get("errorType") if isinstance(body, dict) else None
                record = Invocation(
                    started,
                    time.time(),
                    resp.get("ExecutedVersion"),
                    resp.get("StatusCode"),
                    resp.get("FunctionError"),
                    error_type,
                )
            except Exception as exc:  # a failed call is what the tests look for
                record = Invocation(started, time.time(), exception=f"{type(exc).__name__}: {exc}")
            with self._lock:
                self.records.append(record)
            self._stop.wait(self.pause)

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        """Until ``count`` invocations have been recorded."""
        deadline = time.time() + timeout
        while len(self.records) < count:
            assert time.time() < deadline, f"only {len(self.records)} invocations in {timeout}s"
            time.sleep(0.05)

    def versions(self) -> set[str | None]:
        return {r.version for r in self.records}

    def broken(self) -> list[Invocation]:
        """Calls that failed for any other reason than the function's own error."""
        return [r for r in self.records if r.exception is not None or r.status != 200]

    def served_between(self, start: float, end: float) -> set[str | None]:
        """Versions that served calls started and ended within ``start``..``end``."""
        return {r.version for r in self.records if r.started >= start and r.ended <= end}


def timeline_seconds(stamp: str) -> float:
    """An ISO 8601 timeline time as epoch seconds."""
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()


def wait_until(check: Any, timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll ``check()`` until it returns something true."""
    deadline = time.time() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def interrupted_deploy(
    fn: Path, *options: str, when: Any, what: str, stdin: Any = None
) -> tuple[int, str]:
    """Run ``lambherd -C fn deploy OPTIONS`` as a process of its own, send it Ctrl-C (SIGINT)
    once ``when()`` is true (at most 90 s), and return its exit code and stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lambherd", "-C", str(fn), "deploy", *options],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        wait_until(when, 90, what)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err


def point_at_sandbox(endpoint: str, monkeypatch: Any, tmp_path: Path) -> Any:
    """``sandbox_testkit.point_at_sandbox`` in the rollout tests' region (ap-northeast-1)."""
    from sandbox_testkit import point_at_sandbox as pointed

    return pointed(endpoint, monkeypatch, tmp_path, ROLLOUT_REGION)
