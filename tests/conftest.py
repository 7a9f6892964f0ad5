"""Shared fixtures: a real moto server on 127.0.0.1, AWS settings pointing at it, a CLI runner,
a sandbox per test module, the code-serving proxy of the import tests, a deployed function with its
log group for the operational commands, and an API call recorder.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aws_testkit import (
    OPS_GROUP,
    OPS_NAME,
    OPS_STREAM,
    REGION,
    CodeProxy,
    create_function,
    moto_api,
    tiny_zip,
)
from lambherd.cli.main import main as cli_main
from local_testkit import KINDS as local_kinds_params


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C reaches the processes the tests start, however the suite was started.

    A shell without job control starts a background command with SIGINT ignored (POSIX), an
    ignored signal stays ignored across exec, and Python then installs no KeyboardInterrupt
    handler: every ``python -m lambherd`` a test interrupts would ignore the SIGINT it is sent.
    A caught signal is reset to its default at exec, so catching it here gives the children
    the disposition a terminal gives them."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runtime_cache_folder(factory: pytest.TempPathFactory) -> Path:
    kept = os.environ.get("LAMBHERD_TEST_RUNTIME_CACHE")
    folder = Path(kept) if kept else factory.getbasetemp() / "runtimes"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pytest_collection_finish(session: pytest.Session) -> None:
    """Node tests collected: prepare Node's runtime interface client first (it compiles for
    minutes), outside any test's timeout; a failure shows in the tests, one line each."""
    import shutil

    if not shutil.which("node") or not any("node" in i.nodeid.lower() for i in session.items):
        return
    from lambherd.errors import LambherdError
    from lambherd.local import node_runtimes

    root = _runtime_cache_folder(session.config._tmp_path_factory)  # type: ignore[attr-defined]
    try:
        node_runtimes.prepare_for_machine(root)
    except LambherdError:
        pass


@pytest.fixture(scope="session", autouse=True)
def runtime_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache of prepared runtime environments (e.g. python3.12, Node's ric) for the whole
    session; ``LAMBHERD_TEST_RUNTIME_CACHE`` names a folder kept between sessions instead (the
    Node runtime interface client compiles for minutes: build it once, not per session)."""
    folder = _runtime_cache_folder(tmp_path_factory)
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


@pytest.fixture
def code_proxy(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CodeProxy]:
    """moto behind a proxy serving ``code_proxy.code[name]`` at GetFunction's Code.Location."""
    proxy = CodeProxy(aws)
    thread = threading.Thread(target=proxy.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    yield proxy
    proxy.shutdown()
    proxy.server_close()


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the AWS operations every AwsClients made in this test sends."""
    from lambherd.aws import AwsClients, AwsSettings

    calls: list[str] = []
    original = AwsClients.__init__

    def counting(self: AwsClients, settings: AwsSettings | None = None) -> None:
        original(self, settings)
        self.register_hook("before-call", lambda model, **_: calls.append(model.name))

    monkeypatch.setattr(AwsClients, "__init__", counting)
    return calls


@pytest.fixture
def fn_dir(aws: str, boto, lambda_role: str, tmp_path: Path) -> Path:
    """A deployed function (moto runs no code: Invoke echoes the payload) and its folder."""
    moto_api(aws, "config", {"lambda": {"use_docker": False}})
    echo = tiny_zip({"app.py": "def handler(event, context):\n    return event\n"})
    create_function(boto, lambda_role, OPS_NAME, echo)
    folder = tmp_path / "fn"
    folder.mkdir()
    definition = {"FunctionName": OPS_NAME, "Runtime": "python3.12", "Handler": "app.handler"}
    (folder / "function.json").write_text(json.dumps(definition))
    return folder


@pytest.fixture
def log_group(boto) -> Any:
    """The ``fn_dir`` function's log group with one stream; returns a logs client."""
    logs = boto("logs")
    logs.create_log_group(logGroupName=OPS_GROUP)
    logs.create_log_stream(logGroupName=OPS_GROUP, logStreamName=OPS_STREAM)
    return logs


@pytest.fixture(scope="module")
def sandbox_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A sandbox server of the test module's own (state in a temporary folder)."""
    from lambherd.sandbox import process

    state = tmp_path_factory.mktemp("module-sandbox")
    endpoint = process.start_background(free_port(), state)
    try:
        yield endpoint
    finally:
        process.stop(state)


@pytest.fixture
def sandbox(sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """AWS settings pointing at the module's sandbox; returns a boto3 client factory for checks.

    Each test starts without the deploy tests' function (``deploy_testkit.NAME``).
    """
    from deploy_testkit import NAME
    from sandbox_testkit import REGION as SANDBOX_REGION  # AWS_DEFAULT_REGION when set
    from sandbox_testkit import point_at_sandbox

    client = point_at_sandbox(sandbox_endpoint, monkeypatch, tmp_path, SANDBOX_REGION)
    lam = client("lambda")
    try:  # each test starts from no function
        lam.delete_function(FunctionName=NAME)
    except lam.exceptions.ResourceNotFoundException:
        pass
    return client


@pytest.fixture
def tokyo(sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The module's sandbox, emptied, seen from ap-northeast-1 (the trigger tests)."""
    from triggers_testkit import tokyo_sandbox

    return tokyo_sandbox(sandbox_endpoint, monkeypatch, tmp_path)


@pytest.fixture(scope="session", autouse=True)
def price_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The Price List cache of the session (empty at first): no user's cache reaches a test."""
    path = tmp_path_factory.mktemp("prices") / "prices.json"
    before = os.environ.get("LAMBHERD_PRICE_CACHE")
    os.environ["LAMBHERD_PRICE_CACHE"] = str(path)
    yield path
    if before is None:
        os.environ.pop("LAMBHERD_PRICE_CACHE", None)
    else:
        os.environ["LAMBHERD_PRICE_CACHE"] = before


@pytest.fixture(params=local_kinds_params)
def runtime_kind(request: pytest.FixtureRequest) -> Any:
    """Each runtime kind of the local emulator (python, node): a case using it runs for both."""
    return request.param
