"""Helpers shared by the sandbox tests (not a test module): a sandbox process or an in-process
one, its clock, a small function, and the sandbox the deploy tests point lambherd at."""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from conftest import free_port
from lambherd.sandbox import process

ROLE = "arn:aws:iam::123456789012:role/sandbox-test"
#: The region the sandbox tests talk to: ``AWS_DEFAULT_REGION`` when set (the suite also runs
#: in eu-west-1), else us-east-1.
REGION = os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

HANDLER = """
import json, os
import boto3
s3 = boto3.client("s3")  # made at init, as Lambda code should
TAG = {tag!r}
def handler(event, context):
    print("event", json.dumps(event))
    if event.get("fail"):
        raise ValueError("boom")
    if event.get("bucket"):
        s3.put_object(Bucket=event["bucket"], Key="k", Body=TAG)
    return {{"tag": TAG, "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"]}}
"""


def code_zip(tag: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("app.py", (2020, 1, 1, 0, 0, 0)), HANDLER.format(tag=tag))
    return buf.getvalue()


def zip_of(files: dict[str, str]) -> bytes:
    """A zip holding ``files`` (name -> text), with fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


def client(endpoint: str, service: str, region: str = REGION, **config: Any) -> Any:
    """A boto3 client of the sandbox at ``endpoint``, with its credentials, one attempt."""
    from botocore.config import Config

    return boto3.client(
        service,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, **config),
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def stop_sandbox(state_dir: Path) -> None:
    """Stop the sandbox of ``state_dir`` (if any); fail when its process outlives the stop."""
    pid = (process.read_pid_file(state_dir) or {}).get("pid")
    process.stop(state_dir)
    if isinstance(pid, int):
        assert not process._alive(pid), f"the sandbox of {state_dir} outlived stop()"


def point_at_sandbox(endpoint: str, monkeypatch: Any, tmp_path: Path, region: str) -> Any:
    """lambherd (through the environment) and boto3 pointed at the running sandbox at
    ``endpoint`` in ``region``, with no profile, token or shared config of the machine's; a
    boto3 client factory ``client(service)``."""
    for key in ("LAMBHERD_SANDBOX", "LAMBHERD_SANDBOX_PORT", "LAMBHERD_SANDBOX_DIR"):
        monkeypatch.delenv(key, raising=False)
    env = {
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=region)

    return client


def use_private_sandbox(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, port: int, state_dir: Path
) -> None:
    """lambherd's sandbox settings: ``port`` and ``state_dir``, nothing from the user's AWS."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("LAMBHERD_SANDBOX_PORT", str(port))
    monkeypatch.setenv("LAMBHERD_SANDBOX_DIR", str(state_dir))


# -- the sandbox clock --------------------------------------------------------------------------


def clock(endpoint: str) -> dict[str, Any]:
    """``GET /_lambherd/clock``: ``{"now": ISO 8601, "offset_seconds": N}``."""
    with urllib.request.urlopen(f"{endpoint}/_lambherd/clock", timeout=30) as resp:
        return json.loads(resp.read())


def move_clock(endpoint: str, **change: Any) -> dict[str, Any]:
    """``POST /_lambherd/clock`` with ``advance_seconds=N`` or ``set=datetime|ISO 8601``; what
    the sandbox answers (its new time). Jobs the move passed have run when this returns."""
    if isinstance(change.get("set"), datetime):
        change["set"] = change["set"].isoformat()
    req = urllib.request.Request(
        f"{endpoint}/_lambherd/clock", data=json.dumps(change).encode(), method="POST"
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def sandbox_now(endpoint: str) -> datetime:
    """The sandbox's time."""
    return datetime.fromisoformat(clock(endpoint)["now"])


# -- a sandbox process --------------------------------------------------------------------------


class Sandbox:
    """A sandbox process of one test (or test module), and clients for it."""

    def __init__(self, state_dir: Path, port: int) -> None:
        self.state_dir = state_dir
        self.port = port
        self.endpoint = ""

    def start(self) -> str:
        self.endpoint = process.start_background(self.port, self.state_dir)
        return self.endpoint

    def stop(self) -> None:
        stop_sandbox(self.state_dir)

    def client(self, service: str, region: str = REGION, **config: Any) -> Any:
        return client(self.endpoint, service, region, **config)

    def advance_clock(self, seconds: float) -> datetime:
        """Move the sandbox clock forward; its new time."""
        return datetime.fromisoformat(move_clock(self.endpoint, advance_seconds=seconds)["now"])


def kill_sandbox(state_dir: Path) -> None:
    """SIGKILL the sandbox of ``state_dir`` (no last snapshot) and wait until it is gone."""
    import signal
    import time

    pid = (process.read_pid_file(state_dir) or {}).get("pid")
    assert isinstance(pid, int), f"no sandbox runs on {state_dir}"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while process._alive(pid):
        assert time.monotonic() < deadline, f"pid {pid} outlived SIGKILL"
        time.sleep(0.02)


def saved_state(state_dir: Path) -> dict[str, Any]:
    """What the state folder holds: journal requests (their actions), telemetry records, the
    snapshot's position."""
    from lambherd.sandbox import persistence, snapshots
    from lambherd.sandbox.statefiles import JsonLines

    requests = list(persistence.Journal(state_dir / "journal.jsonl").entries())
    header = snapshots.read_header(state_dir / snapshots.SNAPSHOT_FILE)
    return {
        "requests": requests,
        "actions": [_action(r) for r in requests],
        "telemetry": list(JsonLines(state_dir / "telemetry.jsonl", durable=False).docs()),
        "snapshot_seq": header["seq"] if header else None,
    }


def _action(record: Any) -> str | None:
    from lambherd.sandbox.persistence import action_of

    headers = {k.lower(): v for k, v in record.headers.items()}
    return action_of(
        headers.get("x-amz-target"),
        record.path,
        record.query,
        headers.get("content-type", ""),
        record.body,
    )


@contextlib.contextmanager
def running(state_dir: Path) -> Iterator[Sandbox]:
    """A sandbox started on a free port with state in ``state_dir``, stopped at the end."""
    sb = Sandbox(state_dir, free_port())
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


# -- a sandbox in this process ------------------------------------------------------------------


class InProcessSandbox:
    """A ``SandboxApp`` served on a free port by a thread of the test process.

    Starts in well under a second; its ``app`` (facade, clock, scheduler) is at hand. moto's state
    is global to the process: it is emptied before the journal is replayed, and the app is closed
    (moto's clock given back) on exit.
    """

    def __init__(self, state_dir: Path) -> None:
        from werkzeug.test import Client

        from lambherd.sandbox.dispatcher import SandboxApp
        from lambherd.sandbox.http_server import make_sandbox_server

        os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
        state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir = state_dir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.app = SandboxApp(state_dir, self.endpoint)
        Client(self.app.moto).post("/moto-api/reset")  # moto's state, not the journal
        self.app.restore()
        self._server = make_sandbox_server("127.0.0.1", self.port, self.app)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def client(self, service: str, region: str = REGION, **config: Any) -> Any:
        return client(self.endpoint, service, region, **config)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.drain(3.0)
        self._thread.join(timeout=10)
        self.app.close()


@contextlib.contextmanager
def in_process(state_dir: Path) -> Iterator[InProcessSandbox]:
    """An in-process sandbox with state in ``state_dir``, closed at the end."""
    sb = InProcessSandbox(state_dir)
    try:
        yield sb
    finally:
        sb.close()


# -- functions ----------------------------------------------------------------------------------


def create(lam: Any, name: str, tag: str = "v1", **extra: Any) -> dict[str, Any]:
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler="app.handler",
        Role=ROLE,
        Code={"ZipFile": code_zip(tag)},
        Timeout=10,
        **extra,
    )


def create_with(lam: Any, name: str, source: str, **extra: Any) -> dict[str, Any]:
    """A python3.12 function whose ``app.py`` is ``source``."""
    params = {"Runtime": "python3.12", "Handler": "app.handler", "Role": ROLE, "Timeout": 10}
    params.update(extra)
    return lam.create_function(
        FunctionName=name, Code={"ZipFile": zip_of({"app.py": source})}, **params
    )


def make_bucket(s3: Any, name: str) -> None:
    """An S3 bucket in the client's region (outside us-east-1 S3 wants the location said)."""
    region = s3.meta.region_name
    where = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=name, **where)


def invoke(lam: Any, name: str, payload: dict[str, Any] | None = None, **kw: Any) -> dict:
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **kw)
    resp["Body"] = resp["Payload"].read()
    return resp


def provisioned_ready(lam: Any, name: str, qualifier: str, timeout: float = 60.0) -> dict[str, Any]:
    """GetProvisionedConcurrencyConfig once it is no longer IN_PROGRESS (the sandbox allocates
    pre-warmed environments, which takes a moment); its last answer."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        got = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
        if got["Status"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return got
        time.sleep(0.05)
