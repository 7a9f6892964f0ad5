"""Audit of ``lambherd local invoke``: raw bytes on stdin are a one-line error, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local_testkit import hello_function

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fn_dir(tmp_path: Path) -> Path:
    return hello_function(tmp_path)


def _local_invoke(folder: Path, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "lambherd", "local", "invoke", "--event", "-"],
        input=stdin,
        capture_output=True,
        cwd=folder,
        timeout=30,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_non_utf8_event_on_stdin_is_one_line_error(fn_dir: Path) -> None:
    res = _local_invoke(fn_dir, b'{"name": "caf\xe9"}')
    err = res.stderr.decode()
    assert res.returncode == 1, err
    assert err.startswith("error: --event -: not valid JSON: 'utf-8' codec can't decode byte 0xe9")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert res.stdout == b""


def test_utf8_event_on_stdin_reaches_the_handler_intact(fn_dir: Path) -> None:
    res = _local_invoke(fn_dir, '{"name": "café ☕"}'.encode())
    assert res.returncode == 0, res.stderr.decode()
    assert json.loads(res.stdout)["echo"] == {"name": "café ☕"}
