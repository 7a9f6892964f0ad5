"""Shared fixtures: a real moto server on 127.0.0.1, AWS settings pointing at it, a CLI runner."""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lambherd.cli.main import main as cli_main

REGION = "us-east-1"


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def runtime_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache of prepared runtime environments (e.g. python3.12) for the whole session."""
    folder = tmp_path_factory.mktemp("runtimes")
    before = os.environ.get("LAMBHERD_RUNTIME_CACHE")
    os.environ["LAMBHERD_RUNTIME_CACHE"] = str(folder)  # inherited by sandbox server processes
    yield folder
    if before is None:
        os.environ.pop("LAMBHERD_RUNTIME_CACHE", None)
    else:
        os.environ["LAMBHERD_RUNTIME_CACHE"] = before


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's HTTP server, started once per test session on a free loopback port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Fresh moto state, and the environment boto3 / lambherd read, pointed at it."""
    req = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(req).read()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("LAMBHERD_SANDBOX", raising=False)
    return moto_server


@pytest.fixture
def boto(aws: str):
    """A factory of plain boto3 clients against the moto server (for arranging and checking)."""
    import boto3

    def make(service: str):
        return boto3.client(service, region_name=REGION, endpoint_url=aws)

    return make


@pytest.fixture
def lambda_role(boto) -> str:
    """An IAM role Lambda functions can be created with."""
    iam = boto("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    resp = iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=json.dumps(trust))
    return resp["Role"]["Arn"]


@dataclass
class CliResult:
    """What one in-process ``lambherd`` run produced."""

    code: int
    out: str
    err: str


@pytest.fixture
def lh(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``lambherd ARGS...`` in process; returns its exit code, stdout and stderr."""

    def run(*args: str, input: str | None = None) -> CliResult:
        monkeypatch.setattr(sys, "stdin", io.StringIO(input or ""))
        capsys.readouterr()
        code = 0
        try:
            cli_main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
