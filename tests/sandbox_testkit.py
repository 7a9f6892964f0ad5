"""Helpers shared by the sandbox tests (not a test module): a sandbox process, a small function."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from conftest import free_port
from lambherd.sandbox import process

ROLE = "arn:aws:iam::123456789012:role/sandbox-test"

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


def stop_sandbox(state_dir: Path) -> None:
    """Stop the sandbox of ``state_dir`` (if any); fail when its process outlives the stop."""
    pid = (process.read_pid_file(state_dir) or {}).get("pid")
    process.stop(state_dir)
    if isinstance(pid, int):
        assert not process._alive(pid), f"the sandbox of {state_dir} outlived stop()"


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

    def client(self, service: str) -> Any:
        from botocore.config import Config

        return boto3.client(
            service,
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
            region_name="us-east-1",
            endpoint_url=self.endpoint,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
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


def invoke(lam: Any, name: str, payload: dict[str, Any] | None = None, **kw: Any) -> dict:
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **kw)
    resp["Body"] = resp["Payload"].read()
    return resp
