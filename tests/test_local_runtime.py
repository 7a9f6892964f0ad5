"""The local emulator's facade with real runtime interface clients in child processes (no mocks).

Each case that is about running code runs for every runtime kind (``runtime_kind``: Python's
awslambdaric and Node.js's aws-lambda-ric, on twin fixtures); the pool's own logic (throttles,
limits) once, on Python.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

from lambherd.errors import LocalRuntimeError, NotFoundError, PayloadTooLargeError, ThrottledError
from lambherd.local import FunctionSpec, LocalRuntime
from local_testkit import PYTHON_KIND, RuntimeKind, wait_for_file

pytestmark = pytest.mark.timeout(60)


def spec(kind: RuntimeKind = PYTHON_KIND, folder: str = "basic", **kw) -> FunctionSpec:
    defaults = {
        "name": "fn",
        "handler": kind.handler,
        "runtime": kind.runtime,
        "code_dir": kind.folder(folder),
        "timeout_s": 2.0,
    }
    defaults.update(kw)
    return FunctionSpec(**defaults)


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.fixture
def rt():
    runtime = LocalRuntime(idle_timeout_s=300)
    seen: set[int] = set()
    runtime.add_listener(lambda s, r: seen.update(runtime.pids()))
    yield runtime
    seen.update(runtime.pids())
    runtime.close()
    assert [p for p in seen if alive(p)] == [], "children left running after close()"


def call(rt: LocalRuntime, event: dict | None = None, name: str = "fn", **kw):
    result = rt.invoke(name, json.dumps(event or {}).encode(), **kw)
    return result, (json.loads(result.payload) if result.payload else None)


@pytest.mark.slow
def test_init_runs_once_and_environment_is_reused(rt, runtime_kind):
    rt.register(spec(runtime_kind))
    first, body1 = call(rt, {"n": 1})
    second, body2 = call(rt, {"n": 2})
    assert body1["count"] == 1 and body2["count"] == 2
    assert body1["pid"] == body2["pid"] == body2["init_pid"]
    assert body2["echo"] == {"n": 2}
    assert first.init_duration_ms is not None and first.init_duration_ms > 0
    assert second.init_duration_ms is None
    assert "init ran" in first.log and "init ran" not in second.log


@pytest.mark.slow
def test_log_lines_look_like_cloudwatch(rt, runtime_kind):
    rt.register(spec(runtime_kind, memory_mb=256))
    result, _ = call(rt)
    rid = result.request_id
    lines = result.log.splitlines()
    start = lines.index(f"START RequestId: {rid} Version: $LATEST")
    # Node's console lines carry "<time>\t<request id>\tINFO\t" before the text
    assert lines[start + 1].endswith(f"handling {rid} count=1")
    assert lines[-2] == f"END RequestId: {rid}"
    report = lines[-1]
    m = re.match(
        rf"REPORT RequestId: {rid}\tDuration: (\d+\.\d\d) ms\tBilled Duration: (\d+) ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: (\d+) MB\tInit Duration: (\d+\.\d\d) ms",
        report,
    )
    assert m, report
    assert int(m.group(2)) >= float(m.group(1))
    used = int(m.group(3))
    assert 5 < used < 256 and used == result.max_memory_used_mb  # measured, not Memory Size
    warm, _ = call(rt)
    assert "Init Duration" not in warm.log


@pytest.mark.slow
def test_lambda_environment_variables_and_definition_variables(rt, runtime_kind):
    rt.register(
        spec(
            runtime_kind,
            memory_mb=192,
            environment={"GREETING": "hello"},
            extra_env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"},
            region="eu-west-1",
        )
    )
    names = [
        "GREETING",
        "AWS_ENDPOINT_URL",
        "AWS_LAMBDA_RUNTIME_API",
        "_HANDLER",
        "LAMBDA_TASK_ROOT",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_REGION",
        "TZ",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "_X_AMZN_TRACE_ID",
    ]
    _, env = call(rt, {"action": "env", "names": names})
    assert env["GREETING"] == "hello"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert env["_HANDLER"] == runtime_kind.handler
    assert env["LAMBDA_TASK_ROOT"] == str(runtime_kind.folder("basic").resolve())
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "192"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
    assert re.fullmatch(
        r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"]
    )
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["TZ"] == ":UTC"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")


@pytest.mark.slow
def test_context_headers_reach_the_handler(rt, runtime_kind):
    import base64

    rt.register(spec(runtime_kind, memory_mb=512, timeout_s=2))
    cc = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    _, ctx = call(rt, {"action": "context"}, client_context=cc)
    assert ctx["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert 0 < ctx["remaining"] <= 2000
    assert ctx["client"] == {"k": "v"}
    assert ctx["memory"] == "512" and ctx["version"] == "$LATEST"


@pytest.mark.slow
def test_concurrent_invocations_use_separate_environments(rt, runtime_kind):
    rt.register(spec(runtime_kind, reserved_concurrency=3))
    results: list[dict] = []
    reports: list = []
    lock = threading.Lock()

    def worker() -> None:
        report, body = call(rt, {"action": "sleep", "seconds": 0.4})
        with lock:
            results.append(body)
            reports.append(report)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r["pid"] for r in results}) == 3  # one invocation at a time per environment
    assert [r["count"] for r in results] == [1, 1, 1]
    # they ran in parallel: one after the other, the three sleeps alone take 1.2 s, plus each
    # cold start's init (Node's are slower than Python's); together, the slowest init and one
    elapsed = time.monotonic() - started
    inits = [r.init_duration_ms or 0.0 for r in reports]
    assert elapsed < 1.2 + max(inits) / 1000, (elapsed, inits)
    assert rt.pool("fn").size == 3  # grew to the limit
    _, again = call(rt)
    assert again["pid"] in {r["pid"] for r in results} and again["count"] == 2


@pytest.mark.slow
def test_throttles_over_reserved_concurrency(rt):
    rt.register(spec(reserved_concurrency=2))
    threads = [
        threading.Thread(target=call, args=(rt, {"action": "sleep", "seconds": 0.6}))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while rt.pool("fn").limit.in_flight < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    with pytest.raises(ThrottledError, match="Rate Exceeded"):
        call(rt)
    for t in threads:
        t.join()
    result, _ = call(rt)  # a slot is free again
    assert result.function_error is None


@pytest.mark.slow
def test_reserved_concurrency_zero_always_throttles(rt):
    rt.register(spec())
    rt.set_concurrency("fn", 0)
    with pytest.raises(ThrottledError):
        call(rt)
    rt.set_concurrency("fn", None)
    assert call(rt)[0].function_error is None


@pytest.mark.slow
def test_provisioned_environments_are_initialised_at_register(rt, runtime_kind):
    rt.register(spec(runtime_kind, provisioned=2))
    pool = rt.pool("fn")
    assert pool.size == 2 and pool.idle_count == 2
    pids = rt.pids("fn")
    assert all(alive(p) for p in pids)
    result, env = call(rt, {"action": "env", "names": ["AWS_LAMBDA_INITIALIZATION_TYPE"]})
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency"
    assert result.init_duration_ms is None and "Init Duration" not in result.log
    assert "init ran" not in result.log


@pytest.mark.slow
def test_set_concurrency_adds_provisioned_environments(rt):
    rt.register(spec())
    rt.set_concurrency("fn", 5, {"$LATEST": 3})
    assert rt.pool("fn").idle_count == 3
    assert rt.pool("fn").limit.limit == 5


@pytest.mark.slow
def test_idle_environments_are_reaped(runtime_kind):
    runtime = LocalRuntime(idle_timeout_s=0.2)
    try:
        runtime.register(spec(runtime_kind))
        _, body = call(runtime)
        pid = body["pid"]
        deadline = time.monotonic() + 5
        while runtime.pool("fn").size and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runtime.pool("fn").size == 0
        assert not alive(pid)
        result, again = call(runtime)
        assert again["pid"] != pid and result.init_duration_ms is not None
    finally:
        runtime.close()


@pytest.mark.slow
def test_timeout_kills_the_environment(rt, runtime_kind):
    rt.register(spec(runtime_kind, timeout_s=0.5))
    _, before = call(rt)
    result, doc = call(rt, {"action": "sleep", "seconds": 5})
    assert result.function_error == "Unhandled"
    assert doc["errorType"] == "Sandbox.Timedout"
    assert (
        doc["errorMessage"]
        == f"RequestId: {result.request_id} Error: Task timed out after 0.50 seconds"
    )
    assert f"{result.request_id} Task timed out after 0.50 seconds" in result.log
    assert result.duration_ms == pytest.approx(500.0)
    assert not alive(before["pid"])
    _, after = call(rt)
    assert after["pid"] != before["pid"] and after["count"] == 1


@pytest.mark.slow
def test_memory_limit_stops_a_runaway_handler(rt, runtime_kind):
    rt.register(spec(runtime_kind, memory_mb=128, timeout_s=10))
    result, doc = call(rt, {"action": "eat"})
    assert result.function_error == "Unhandled"
    assert doc["errorType"] == "Runtime.OutOfMemory"
    assert doc["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    assert result.max_memory_used_mb >= 128
    assert result.duration_ms < 5000
    assert "Runtime.OutOfMemory" in result.log
    assert call(rt)[1]["count"] == 1  # a fresh environment


@pytest.mark.slow
def test_handler_exception_is_reported_like_lambda(rt, runtime_kind):
    rt.register(spec(runtime_kind))
    result, doc = call(rt, {"action": "fail"})
    assert result.function_error == "Unhandled"
    assert doc["errorType"] == runtime_kind.fail_type and doc["errorMessage"] == "boom"
    for key, value in runtime_kind.fail_doc(result.request_id).items():
        assert doc[key] == value if not callable(value) else value(doc[key]), key
    assert runtime_kind.fail_log in result.log
    assert call(rt)[1]["count"] == 2  # the environment survives a handled error


@pytest.mark.slow
def test_exiting_handler_is_replaced_by_a_fresh_environment(rt, runtime_kind):
    rt.register(spec(runtime_kind))
    _, before = call(rt)
    result, doc = call(rt, {"action": "exit"})
    assert result.function_error == "Unhandled"
    assert doc["errorType"] == "Runtime.ExitError"
    assert doc["errorMessage"].endswith("Runtime exited with error: exit status 3")
    assert result.max_memory_used_mb > 0
    result2, after = call(rt)
    assert after["pid"] != before["pid"] and after["count"] == 1
    assert result2.init_duration_ms is not None


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["broken_import", "no_handler", "init_exit"])
def test_init_errors_answer_like_lambda(rt, runtime_kind, folder):
    error_type, message = runtime_kind.init_errors[folder]
    rt.register(spec(runtime_kind, folder))
    result, doc = call(rt)
    assert result.function_error == "Unhandled"
    assert doc["errorType"] == error_type
    assert message in doc["errorMessage"]
    assert "INIT_REPORT" in result.log and f"Error Type: {error_type}" in result.log
    assert rt.pool("fn").size == 0


@pytest.mark.slow
def test_provisioned_init_error_fails_register(rt, runtime_kind):
    with pytest.raises(LocalRuntimeError, match=r"Runtime\.ImportModuleError"):
        rt.register(spec(runtime_kind, "broken_import", provisioned=1))


@pytest.mark.slow
def test_reregister_drains_old_environments(rt, runtime_kind, tmp_path):
    code = tmp_path / "code"
    shutil.copytree(runtime_kind.folder("basic"), code)
    rt.register(spec(runtime_kind, code_dir=code))
    _, old = call(rt)
    (code / runtime_kind.module).write_text(runtime_kind.returning("v2"))
    rt.register(spec(runtime_kind, code_dir=code))
    assert not alive(old["pid"])
    assert call(rt)[1] == "v2"


@pytest.mark.slow
def test_versions_are_separate_and_unknown_ones_not_found(rt, runtime_kind):
    rt.register(spec(runtime_kind))
    rt.register(spec(runtime_kind, version="7", environment={"V": "seven"}))
    result, env = call(
        rt, {"action": "env", "names": ["V", "AWS_LAMBDA_FUNCTION_VERSION"]}, version="7"
    )
    assert env == {"V": "seven", "AWS_LAMBDA_FUNCTION_VERSION": "7"}
    assert result.executed_version == "7"
    with pytest.raises(NotFoundError):
        call(rt, version="8")
    with pytest.raises(NotFoundError):
        call(rt, name="nope")
    rt.unregister("fn", "7")
    with pytest.raises(NotFoundError):
        call(rt, version="7")


@pytest.mark.slow
def test_event_invocation_returns_at_once_and_runs_in_background(rt, runtime_kind):
    rt.register(spec(runtime_kind))
    done: list = []
    finished = threading.Event()
    rt.add_listener(lambda s, r: (done.append(r), finished.set()))
    started = time.monotonic()
    result = rt.invoke("fn", b'{"action": "sleep", "seconds": 0.3}', invocation_type="Event")
    assert result.status_code == 202 and result.payload == b""
    assert time.monotonic() - started < 0.2
    assert finished.wait(10)
    assert done[0].request_id == result.request_id and done[0].function_error is None


@pytest.mark.slow
def test_dry_run_and_payload_limits(rt):
    rt.register(spec())
    assert rt.invoke("fn", b"{}", invocation_type="DryRun").status_code == 204
    with pytest.raises(PayloadTooLargeError):
        rt.invoke("fn", b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    with pytest.raises(PayloadTooLargeError):
        rt.invoke("fn", b'"' + b"x" * (1024 * 1024) + b'"', invocation_type="Event")
    assert rt.pool("fn").size == 0  # nothing ran


@pytest.mark.slow
def test_build_folder_and_layers_are_on_the_path(rt, runtime_kind, tmp_path):
    code = tmp_path / "code"
    shutil.copytree(runtime_kind.folder("uses_layer"), code)
    layer = runtime_kind.folder("layer")
    (code / ".lambherd" / "build" / runtime_kind.build_subdir).mkdir(parents=True)
    rt.register(spec(runtime_kind, code_dir=code, layer_dirs=(layer,)))
    result, body = call(rt)
    assert result.function_error is None, result.payload
    assert body["layer"] == "layer"
    path = body["path"]
    # each runtime's own order (Python: task root, build, layers; Node: layers, build, root)
    order = [path.index(str(p.resolve())) for p in runtime_kind.search_order(code, layer)]
    assert order == sorted(order)


@pytest.mark.slow
def test_close_stops_busy_environments(rt, runtime_kind, tmp_path):
    rt.register(spec(runtime_kind, timeout_s=10))
    marker = tmp_path / "busy"
    event = {"action": "sleep", "seconds": 8, "marker": str(marker)}
    thread = threading.Thread(target=call, args=(rt, event), daemon=True)
    thread.start()
    wait_for_file(marker)  # the environment is busy with the invocation
    pids = rt.pids()
    rt.close()
    thread.join(5)
    assert not thread.is_alive()
    assert pids and not any(alive(p) for p in pids)


def test_other_runtimes_are_refused(rt):
    with pytest.raises(LocalRuntimeError, match=r"java21: not supported locally yet"):
        rt.register(spec(runtime="java21"))
    with pytest.raises(LocalRuntimeError, match=r"nodejs18\.x: not supported locally"):
        rt.register(spec(runtime="nodejs18.x"))


@pytest.mark.slow
def test_environment_killed_while_idle_is_replaced(rt, runtime_kind):
    import os
    import signal

    rt.register(spec(runtime_kind))
    _, before = call(rt)
    os.kill(before["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 5
    while alive(before["pid"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    result, after = call(rt)
    assert result.function_error is None
    assert after["pid"] != before["pid"] and after["count"] == 1
