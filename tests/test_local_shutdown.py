"""Invocations cut off on purpose (the runtime closed, the version unregistered) say so; a
handler that kills its own process keeps Lambda's wording."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from lambherd.local import FunctionSpec, LocalRuntime
from local_testkit import RuntimeKind, in_thread, wait_for_file

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
def slow_spec(tmp_path: Path, runtime_kind: RuntimeKind) -> FunctionSpec:
    """A handler that says it runs, then runs for a minute (or kills itself), in each kind."""
    code = tmp_path / "code"
    code.mkdir()
    (code / runtime_kind.module).write_text(runtime_kind.slow_source)
    return FunctionSpec(
        name="slow",
        handler=runtime_kind.handler,
        runtime=runtime_kind.runtime,
        code_dir=code,
        timeout_s=60,
    )


def _cut_off(rt: LocalRuntime, tmp_path: Path, stop: Any, **event: Any) -> dict[str, Any]:
    marker = tmp_path / f"marker-{uuid.uuid4().hex}"
    thread, out = in_thread(
        lambda: rt.invoke("slow", json.dumps({"marker": str(marker), **event}).encode())
    )
    wait_for_file(marker)
    if stop is not None:
        stop()
    thread.join(30)
    assert not thread.is_alive() and "error" not in out, out
    result = out["result"]
    return {"result": result, "doc": json.loads(result.payload)}


def test_close_during_an_invocation_says_the_environment_was_stopped(
    slow_spec: FunctionSpec, tmp_path: Path
) -> None:
    rt = LocalRuntime()
    rt.register(slow_spec)
    try:
        got = _cut_off(rt, tmp_path, rt.close)
    finally:
        rt.close()
    result, doc = got["result"], got["doc"]
    assert result.function_error == "Unhandled"
    assert doc["errorType"] == "Runtime.Shutdown"
    assert doc["errorMessage"] == (
        f"RequestId: {result.request_id} Error: the execution environment was stopped "
        "(the local runtime was closed) during the invocation"
    )
    assert "signal" not in doc["errorMessage"]
    assert (
        "Runtime.Shutdown" in result.log and f"REPORT RequestId: {result.request_id}" in result.log
    )


def test_unregister_during_an_invocation_and_a_real_crash(
    slow_spec: FunctionSpec, tmp_path: Path
) -> None:
    rt = LocalRuntime()
    rt.register(slow_spec)
    try:
        got = _cut_off(rt, tmp_path, lambda: rt.unregister("slow"))
        assert got["doc"]["errorType"] == "Runtime.Shutdown"
        assert "(the function version was removed)" in got["doc"]["errorMessage"]
        # a handler that dies by itself keeps Lambda's wording
        rt.register(slow_spec)
        got = _cut_off(rt, tmp_path, None, crash=True)
        assert got["doc"]["errorType"] == "Runtime.ExitError"
        assert got["doc"]["errorMessage"].endswith("Runtime exited with error: signal: kill")
    finally:
        rt.close()
