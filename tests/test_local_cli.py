"""``lambherd local invoke`` and ``lambherd local start`` end to end."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import free_port
from lambherd.local.definition_spec import load_env_vars_file, spec_from_definition
from local_testkit import NODE, PY, RuntimeKind, hello_function

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fn_dir(tmp_path: Path) -> Path:
    return hello_function(
        tmp_path, MemorySize=128, Environment={"Variables": {"GREETING": "hi", "STAGE": "dev"}}
    )


@pytest.fixture
def kind_dir(tmp_path: Path, runtime_kind: RuntimeKind) -> Path:
    """``fn_dir`` in each runtime kind (Python, Node.js)."""
    return hello_function(
        tmp_path,
        runtime_kind,
        MemorySize=128,
        Environment={"Variables": {"GREETING": "hi", "STAGE": "dev"}},
    )


@pytest.mark.slow
def test_local_invoke_prints_response_and_logs(lh, kind_dir, tmp_path):
    fn_dir = kind_dir
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "env", "names": ["GREETING", "STAGE", "EXTRA"]}))
    env_vars = tmp_path / "env.json"
    env_vars.write_text(json.dumps({"Parameters": {"EXTRA": "all"}, "hello": {"STAGE": "test"}}))
    res = lh("-C", fn_dir, "local", "invoke", "--event", event, "--env-vars", env_vars)
    assert res.code == 0, res.err
    assert json.loads(res.out) == {"GREETING": "hi", "STAGE": "test", "EXTRA": "all"}
    assert "START RequestId:" in res.err and "Init Duration:" in res.err
    assert "Memory Size: 128 MB" in res.err


@pytest.mark.slow
def test_local_invoke_event_from_stdin_and_overrides(lh, fn_dir):
    res = lh("-C", fn_dir, "local", "invoke", "--event", "-", "--memory", "256", input='{"k": 1}')
    assert res.code == 0, res.err
    assert json.loads(res.out)["echo"] == {"k": 1}
    assert "Memory Size: 256 MB" in res.err


@pytest.mark.slow
def test_local_invoke_function_error_exits_1(lh, kind_dir, runtime_kind):
    res = lh("-C", kind_dir, "local", "invoke", "--event", "-", input='{"action": "fail"}')
    assert res.code == 1
    assert json.loads(res.out)["errorType"] == runtime_kind.fail_type
    assert runtime_kind.fail_log in res.err


@pytest.mark.slow
def test_local_invoke_timeout_override(lh, kind_dir):
    res = lh(
        "-C",
        kind_dir,
        "local",
        "invoke",
        "--timeout",
        "0.3",
        "--event",
        "-",
        input='{"action": "sleep", "seconds": 3}',
    )
    assert res.code == 1
    assert "Task timed out after 0.30 seconds" in res.out


@pytest.mark.slow
def test_local_invoke_json_output(lh, fn_dir):
    res = lh("-C", fn_dir, "--output", "json", "local", "invoke")
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert doc["StatusCode"] == 200 and doc["FunctionError"] is None
    assert doc["Payload"]["count"] == 1 and doc["InitDurationMs"] > 0


def test_bad_event_is_one_line_error(lh, fn_dir):
    res = lh("-C", fn_dir, "local", "invoke", "--event", "-", input="{oops")
    assert res.code == 1
    assert res.err.startswith("error: --event -: not valid JSON")
    assert "Traceback" not in res.err


def test_other_runtime_is_a_clear_error(lh, fn_dir):
    doc = json.loads((fn_dir / "function.json").read_text())
    doc["Runtime"] = "java21"
    (fn_dir / "function.json").write_text(json.dumps(doc))
    res = lh("-C", fn_dir, "local", "invoke")
    assert res.code == 1
    assert res.err.strip() == (
        "error: runtime java21: not supported locally yet "
        "(the local emulator runs python3.x and nodejs20.x, nodejs22.x, nodejs24.x functions)"
    )


@pytest.mark.slow
def test_runtime_mismatch_warns_and_still_runs(lh, kind_dir, runtime_kind):
    fn_dir = kind_dir
    if runtime_kind.name == "python":
        other = "python3.12" if PY != "python3.12" else "python3.13"
        fallback = "running with Python"
    else:  # a Node major this machine may not have (nodejs20.x's is the tests' own)
        other, fallback = ("nodejs22.x" if NODE != "nodejs22.x" else "nodejs24.x"), "running with"
    doc = json.loads((fn_dir / "function.json").read_text())
    doc["Runtime"] = other
    (fn_dir / "function.json").write_text(json.dumps(doc))
    res = lh("-C", fn_dir, "local", "invoke")
    assert res.code == 0, res.err
    if "warning:" in res.err:  # no matching interpreter or node here: fell back, said once
        assert f"warning: runtime {other}:" in res.err and fallback in res.err
        assert res.err.count("warning:") == 1
    assert json.loads(res.out)["count"] == 1


def test_env_vars_file_shapes(tmp_path):
    path = tmp_path / "env.json"
    path.write_text(json.dumps({"A": "1", "B": 2, "C": True}))
    assert load_env_vars_file(path, "f") == {"A": "1", "B": "2", "C": "true"}
    path.write_text(json.dumps({"other": {"A": "x"}, "f": {"A": "y"}}))
    assert load_env_vars_file(path, "f") == {"A": "y"}


def test_spec_from_definition_reads_the_definition(tmp_path):
    (tmp_path / "concurrency.json").write_text('{"ReservedConcurrentExecutions": 4}')
    config = {
        "FunctionName": "f",
        "Handler": "m.h",
        "Runtime": "python3.12",
        "MemorySize": 512,
        "Timeout": 9,
        "LoggingConfig": {"LogGroup": "/custom"},
        "Architectures": ["arm64"],
    }
    spec = spec_from_definition(config, tmp_path, timeout_s=1.5)
    assert (spec.memory_mb, spec.timeout_s, spec.log_group) == (512, 1.5, "/custom")
    assert spec.reserved_concurrency == 4 and spec.architecture == "arm64"


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.slow
def test_local_start_serves_and_stops_every_child(fn_dir, stop_signal):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lambherd",
            "-C",
            str(fn_dir),
            "local",
            "start",
            "--port",
            str(port),
            "--warm",
            "eager",
            "--provisioned",
            "2",
            "--concurrency",
            "3",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        line = proc.stderr.readline()
        while line.startswith("preparing "):  # the runtime environment made first (cold cache)
            line = proc.stderr.readline()
        assert f"serving hello on http://127.0.0.1:{port}" in line, line
        conn = http.client.HTTPConnection("127.0.0.1", port)
        pids = set()
        for _ in range(2):
            conn.request("POST", "/2015-03-31/functions/hello/invocations", body=b"{}")
            resp = conn.getresponse()
            assert resp.status == 200
            pids.add(json.loads(resp.read())["pid"])
        conn.close()
        children = _children(proc.pid)
        assert pids <= set(children) and len(children) == 2  # provisioned (eager adds none)
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=15) == 0
        rest = proc.stderr.read()
        assert rest.count("REPORT RequestId:") == 2  # each invocation's logs, as local invoke
        assert "stopped" in rest
        deadline = time.monotonic() + 5  # the children are reaped just after the exit
        while any(Path(f"/proc/{p}").exists() for p in children) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not any(Path(f"/proc/{p}").exists() for p in children)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- raw bytes on stdin (a separate process: the bytes reach lambherd undecoded) -------------


def _local_invoke(folder: Path, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "lambherd", "local", "invoke", "--event", "-"],
        input=stdin,
        capture_output=True,
        cwd=folder,
        timeout=30,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.slow
def test_non_utf8_event_on_stdin_is_one_line_error(fn_dir: Path) -> None:
    res = _local_invoke(fn_dir, b'{"name": "caf\xe9"}')
    err = res.stderr.decode()
    assert res.returncode == 1, err
    assert err.startswith("error: --event -: not valid JSON: 'utf-8' codec can't decode byte 0xe9")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert res.stdout == b""


@pytest.mark.slow
def test_utf8_event_on_stdin_reaches_the_handler_intact(fn_dir: Path) -> None:
    res = _local_invoke(fn_dir, '{"name": "café ☕"}'.encode())
    assert res.returncode == 0, res.stderr.decode()
    assert json.loads(res.stdout)["echo"] == {"name": "café ☕"}
