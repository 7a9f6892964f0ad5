"""An unreachable AWS endpoint fails fast, in one line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cli_testkit import assert_one_error
from conftest import free_port


@pytest.mark.slow
def test_unreachable_endpoint_fails_fast_with_one_line(
    tmp_path: Path, lh, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connection refused used to be retried 10 times with backoff: about a minute of silence."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    start = time.monotonic()
    result = lh("-C", tmp_path, "--endpoint-url", f"http://127.0.0.1:{free_port()}", "list")
    elapsed = time.monotonic() - start
    assert_one_error(result, "cannot reach AWS endpoint")
    assert elapsed < 20, f"took {elapsed:.1f} s"
