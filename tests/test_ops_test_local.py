"""`lambherd test --local`: tests.yaml cases run in the local emulator (real awslambdaric)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

HELLO = Path(__file__).resolve().parent.parent / "examples" / "hello"


@pytest.fixture
def hello(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "hello"
    shutil.copytree(HELLO, folder)
    # function.json's Role calls caller_identity: answer it without any AWS account.
    cfg = (folder / "function.json").read_text()
    cfg = cfg.replace("{{ caller_identity.Account }}", "123456789012")
    (folder / "function.json").write_text(cfg)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
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
