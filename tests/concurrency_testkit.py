"""Helpers of the concurrency tests (not a test module): the Must-show project (three functions
scaled 2 -> 10 at 09:00 Asia/Tokyo and back at 18:00, target tracking at 0.7), a region other
than us-east-1, and monitors that watch an alias while a deploy runs."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from deploy_testkit import LAMBDAIGNORE, ROLE

REGION = "ap-northeast-1"
TOKYO = ZoneInfo("Asia/Tokyo")

#: lambherd.toml of the project: the scaling every function shares is in [defaults.concurrency].
PROJECT_TOML = """
[project]
name = "{project}"
functions = ["functions/*"]

[defaults.concurrency.ProvisionedConcurrency]
current = 2

[defaults.concurrency.Autoscaling.current]
MinCapacity = 2
MaxCapacity = 10

[[defaults.concurrency.Autoscaling.current.ScheduledActions]]
Name = "morning"
Schedule = "cron(0 9 * * ? *)"
Timezone = "Asia/Tokyo"
MinCapacity = 10
MaxCapacity = 10

[[defaults.concurrency.Autoscaling.current.ScheduledActions]]
Name = "evening"
Schedule = "cron(0 18 * * ? *)"
Timezone = "Asia/Tokyo"
MinCapacity = 2
MaxCapacity = 10

[defaults.concurrency.Autoscaling.current.TargetTracking]
TargetValue = 0.7
"""

HANDLER = """
import os, time
STARTED = time.time()  # init code: run once per execution environment
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {{"tag": {tag!r}, "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"]}}
"""


def write_fn(folder: Path, name: str, *, tag: str = "v1", concurrency: Any = None) -> Path:
    """A function folder (function.json, app.py, .lambdaignore, maybe concurrency.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    definition = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": ROLE,
        "Timeout": 30,
    }
    (folder / "function.json").write_text(json.dumps(definition, indent=2))
    (folder / ".lambdaignore").write_text(LAMBDAIGNORE)
    (folder / "app.py").write_text(HANDLER.format(tag=tag))
    if concurrency is not None:
        (folder / "concurrency.json").write_text(json.dumps(concurrency, indent=2))
    return folder


def write_project(root: Path, project: str, names: list[str]) -> Path:
    """The Must-show project: lambherd.toml and one folder per function; the first function
    also reserves 20 in its own concurrency.json."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "lambherd.toml").write_text(PROJECT_TOML.format(project=project))
    for i, name in enumerate(names):
        own = {"ReservedConcurrentExecutions": 20} if i == 0 else None
        write_fn(root / "functions" / name, name, concurrency=own)
    return root


def next_tokyo(now: datetime, hour: int, second: int = 30) -> datetime:
    """The next ``hour``:00:``second`` in Asia/Tokyo after ``now``."""
    local = now.astimezone(TOKYO)
    at = local.replace(hour=hour, minute=0, second=second, microsecond=0)
    return at if at > local else at + timedelta(days=1)


def wait_for(check: Any, timeout: float = 120.0, every: float = 0.1) -> Any:
    """``check()`` until it returns something true (its value), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout}s: {check}")
        time.sleep(every)


@dataclass
class AliasWatch:
    """What was seen of an alias while something ran: every GetProvisionedConcurrencyConfig
    poll, and every invocation through it (one at a time, back to back)."""

    lam: Any
    name: str
    alias: str
    polls: list[tuple[float, int, str]] = field(default_factory=list)
    invokes: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> AliasWatch:
        for target in (self._poll, self._invoke):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                got = self.lam.get_provisioned_concurrency_config(
                    FunctionName=self.name, Qualifier=self.alias
                )
                self.polls.append(
                    (
                        time.monotonic(),
                        int(got["AvailableProvisionedConcurrentExecutions"]),
                        got["Status"],
                    )
                )
            except Exception as exc:  # recorded: the test asserts there is none
                self.errors.append(f"poll: {exc}")
            time.sleep(0.02)

    def _invoke(self) -> None:
        while not self._stop.is_set():
            try:
                resp = self.lam.invoke(
                    FunctionName=self.name, Qualifier=self.alias, LogType="Tail", Payload=b"{}"
                )
                log = base64.b64decode(resp.get("LogResult", "")).decode("utf-8", "replace")
                self.invokes.append(
                    {
                        "status": resp["StatusCode"],
                        "error": resp.get("FunctionError"),
                        "version": resp.get("ExecutedVersion"),
                        "cold": "Init Duration" in log,
                        "body": json.loads(resp["Payload"].read()),
                    }
                )
            except Exception as exc:  # recorded: the test asserts there is none
                self.errors.append(f"invoke: {exc}")


def json_error(status: int, code: str, message: str) -> Any:
    """An AWSResponse as a JSON-protocol service (Service Quotas) sends for an error."""
    from botocore.awsrequest import AWSResponse

    body = json.dumps({"__type": code, "message": message}).encode()

    class _Raw:
        def stream(self, *args: Any, **kwargs: Any) -> Any:
            yield body

    return AWSResponse(
        "http://injected", status, {"Content-Type": "application/x-amz-json-1.1"}, _Raw()
    )
