"""`lambherd test --local`: tests.yaml cases run in the local emulator (real awslambdaric)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runtime processes

HELLO = Path(__file__).resolve().parent.parent / "examples" / "hello"


@pytest.fixture
def hello(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "hello"
    shutil.copytree(HELLO, folder)
    # No AWS account at all: function.json's Role calls caller_identity, which running the
    # code locally must not need (an unreachable endpoint makes any AWS call fail).
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.delenv("GREETING", raising=False)
    return folder


def test_example_cases_pass_locally_with_junit(lh, hello: Path) -> None:
    result = lh("-C", hello, "test", "--local", "--junit", "report.xml")
    assert result.code == 0, result.err
    assert "PASS greets by name" in result.out
    assert "2 passed, 0 failed" in result.out
    suite = ET.parse(hello / "report.xml").getroot()
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "0"


def test_a_failing_case_exits_1_with_a_diff(lh, hello: Path, monkeypatch) -> None:
    monkeypatch.setenv("GREETING", "Howdy")  # the function now answers "Howdy, Ada!"
    result = lh("-C", hello, "test", "--local")
    assert result.code == 1
    assert "FAIL greets by name" in result.out
    assert "Howdy, Ada!" in result.out
    assert "0 passed, 2 failed" in result.out


def test_local_invoke_needs_no_aws_account(lh, hello: Path) -> None:
    result = lh("-C", hello, "local", "invoke", "--event", "-", input='{"name": "Ada"}')
    assert result.code == 0, result.err
    assert '"body": "Hello, Ada!"' in result.out
    assert "REPORT RequestId:" in result.err
