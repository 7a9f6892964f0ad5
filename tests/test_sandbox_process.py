"""The sandbox's server process as a user meets it: start, stop, status, reset; clashes of ports
and state folders, stale pid files, unusable folders, invocations cut off by a reset."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambherd.sandbox import process
from local_testkit import SLOW_HANDLER, in_thread, wait_for_file
from sandbox_testkit import (
    Sandbox,
    client,
    create_with,
    free_port,
    running,
    stop_sandbox,
    use_private_sandbox,
    zip_of,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def _client(endpoint: str, service: str) -> Any:
    return client(endpoint, service, read_timeout=60)


def _create(lam: Any, name: str, source: str = "def handler(e, c):\n    return 1\n") -> None:
    create_with(lam, name, source, Timeout=30)


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A private default port and state folder; every sandbox started here is stopped after."""
    port = free_port()
    state = tmp_path / "state"
    use_private_sandbox(monkeypatch, tmp_path, port, state)
    monkeypatch.delenv("LAMBHERD_SANDBOX", raising=False)
    dirs: list[Path] = [state]
    env = {"port": port, "state": state, "dirs": dirs}
    try:
        yield env
    finally:
        for d in dirs:
            stop_sandbox(d)


def test_port_taken_by_another_program_is_one_clear_line(
    isolated: dict[str, Any], lh: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        state = isolated["state"]
        for args in (["--detach"], []):  # background and foreground
            r = lh("sandbox", "start", *args, "--port", port, "--state-dir", state)
            assert r.code == 1
            line = _one_error_line(r.err)
            assert f"port {port}" in line and "in use by another program" in line
        # a command with --sandbox that would start it says the same
        monkeypatch.setenv("LAMBHERD_SANDBOX_PORT", str(port))
        r = lh("--sandbox", "list")
        assert r.code == 1 and "in use by another program" in _one_error_line(r.err)
    assert not (state / process.PID_FILE).exists()


def test_two_sandboxes_side_by_side_and_every_clash_refused(
    isolated: dict[str, Any], tmp_path: Path, lh: Any
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    isolated["dirs"].extend([a, b])
    pa, pb, pc = free_port(), free_port(), free_port()
    assert lh("sandbox", "start", "-d", "--port", pa, "--state-dir", a).code == 0
    assert lh("sandbox", "start", "-d", "--port", pb, "--state-dir", b).code == 0
    _create(_client(f"http://127.0.0.1:{pa}", "lambda"), "only-in-a")
    assert process.status(pa).functions == 1 and process.status(pa).state_dir == a.resolve()
    assert process.status(pb).functions == 0 and process.status(pb).state_dir == b.resolve()

    # the same start again is fine (idempotent)
    assert lh("sandbox", "start", "-d", "--port", pa, "--state-dir", a).code == 0
    # a's port with b's folder: refused, not silently answered by a's state
    r = lh("sandbox", "start", "-d", "--port", pa, "--state-dir", b)
    assert r.code == 1 and f"port {pa} already serves the sandbox of {a.resolve()}" in r.err
    # a's folder on another port: refused (two servers would share one journal)
    r = lh("sandbox", "start", "-d", "--port", pc, "--state-dir", a)
    assert r.code == 1 and f"already runs at http://127.0.0.1:{pa}" in _one_error_line(r.err)
    # even when bypassing the CLI, the server itself holds the folder
    direct = subprocess.run(
        [*process.server_command(pc, a.resolve())], capture_output=True, text=True, timeout=60
    )
    assert direct.returncode == 1 and "another sandbox server is using it" in direct.stdout + (
        direct.stderr
    )
    assert not process.port_in_use(pc)
    assert json.loads((a / process.PID_FILE).read_text())["port"] == pa  # not overwritten

    # stop by port stops the right one; the other keeps running
    r = lh("sandbox", "stop", "--port", pb)
    assert r.code == 0 and r.out.strip() == "sandbox stopped"
    assert not process.status(pb).running and process.status(pa).running
    assert lh("sandbox", "stop", "--state-dir", a).out.strip() == "sandbox stopped"


def test_stale_pid_file_after_kill_9_and_a_reused_pid_is_never_signalled(
    isolated: dict[str, Any], lh: Any
) -> None:
    port, state = isolated["port"], isolated["state"]
    endpoint = process.start_background(port, state)
    _create(_client(endpoint, "lambda"), "survivor")
    pid = process.status(port, state).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process._alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (state / process.PID_FILE).exists()  # stale: nobody removed it
    r = lh("sandbox", "status")
    assert r.code == 1 and r.out.startswith("not running")
    # start again: the state folder is free (the kernel dropped the server's lock) and kept
    r = lh("sandbox", "start", "-d")
    assert r.code == 0, r.err
    assert process.status(port, state).functions == 1
    assert lh("sandbox", "stop").out.strip() == "sandbox stopped"

    # a stale pid file whose pid now belongs to some other program: that program is left alone
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (state / process.PID_FILE).write_text(json.dumps({"pid": bystander.pid, "port": port}))
        r = lh("sandbox", "stop")
        assert r.code == 0 and r.out.strip() == "sandbox was not running"
        assert bystander.poll() is None, "stop signalled a process that is not the sandbox"
        assert not (state / process.PID_FILE).exists()
    finally:
        bystander.kill()
        bystander.wait()


def test_unusable_state_folder_is_one_clear_line(
    isolated: dict[str, Any], tmp_path: Path, lh: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "plain-file"
    a_file.write_text("x")
    port = isolated["port"]
    for args in (["-d"], []):
        r = lh("sandbox", "start", *args, "--state-dir", a_file / "sub")
        assert r.code == 1
        assert f"sandbox state folder {a_file / 'sub'}: cannot create it" in _one_error_line(r.err)
    monkeypatch.setenv("LAMBHERD_SANDBOX_DIR", str(a_file))
    r = lh("--sandbox", "list")
    assert r.code == 1 and f"sandbox state folder {a_file}: is a file" in _one_error_line(r.err)
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "read-only"
        ro.mkdir()
        ro.chmod(0o555)
        r = lh("sandbox", "start", "-d", "--state-dir", ro)
        assert r.code == 1 and "not writable" in _one_error_line(r.err)
    assert not process.port_in_use(port)

    monkeypatch.setenv("LAMBHERD_SANDBOX_PORT", "45x")
    r = lh("sandbox", "status")
    assert r.code == 1 and "LAMBHERD_SANDBOX_PORT: '45x' is not a port" in _one_error_line(r.err)


SLOW = (
    "import time\nfrom pathlib import Path\n\ndef handler(event, context):\n"
    "    Path(event['marker']).write_text('running')\n    time.sleep(2)\n    return 'late'\n"
)


def test_reset_while_running_and_while_stopped(
    isolated: dict[str, Any], lh: Any, tmp_path: Path
) -> None:
    port, state = isolated["port"], isolated["state"]
    endpoint = process.start_background(port, state)
    lam, logs = _client(endpoint, "lambda"), _client(endpoint, "logs")
    _create(lam, "slow", SLOW)
    marker = tmp_path / "invocation-started"
    outcome: dict[str, Any] = {}

    def call() -> None:
        try:
            payload = json.dumps({"marker": str(marker)}).encode()
            outcome["resp"] = lam.invoke(FunctionName="slow", Payload=payload)
        except Exception as exc:  # the result does not matter, only that the server copes
            outcome["exc"] = exc

    worker = threading.Thread(target=call)
    worker.start()
    wait_for_file(marker)  # the invocation is running

    # no terminal and no --yes: nothing deleted
    r = lh("sandbox", "reset")
    assert r.code == 1 and "nothing deleted" in _one_error_line(r.err)
    assert process.status(port, state).functions == 1

    r = lh("sandbox", "reset", "--yes")
    assert r.code == 0 and r.out.strip() == "sandbox reset"
    worker.join(30)
    assert not worker.is_alive()
    # the interrupted invocation left nothing behind in the emptied sandbox (an invocation's
    # telemetry is written before its answer, so once the client has it there is no more)
    assert process.status(port, state).functions == 0
    assert logs.describe_log_groups()["logGroups"] == []
    _create(lam, "after-reset")
    assert lam.invoke(FunctionName="after-reset")["StatusCode"] == 200
    # a runtime run by another Python here is reported by `sandbox status`, and logged
    from lambherd.local.interpreters import resolve_interpreter

    expected = resolve_interpreter("python3.12").warning
    assert process.status(port, state).warnings == ((expected,) if expected else ())
    if expected:
        assert f"note: {expected}" in lh("sandbox", "status").out
        assert f"WARNING {expected}" in (state / process.LOG_FILE).read_text()

    # reset of a stopped sandbox deletes its saved state
    assert process.stop(state)
    r = lh("--yes", "sandbox", "reset")
    assert r.code == 0 and "state deleted" in r.out
    assert not (state / "journal.jsonl").exists()
    process.start_background(port, state)
    assert process.status(port, state).functions == 0


def test_sandbox_reset_during_an_invocation_says_so(tmp_path: Path) -> None:
    with running(tmp_path / "state") as fresh:
        _reset_during_an_invocation(fresh, tmp_path)


def _reset_during_an_invocation(fresh: Sandbox, tmp_path: Path) -> None:
    lam = fresh.client("lambda")
    slow_client = fresh.client("lambda", read_timeout=90)
    lam.create_function(
        FunctionName="slow",
        Runtime="python3.12",
        Handler="app.handler",
        Role="arn:aws:iam::123456789012:role/followups",
        Code={"ZipFile": zip_of({"app.py": SLOW_HANDLER})},
        Timeout=60,
    )
    marker = tmp_path / "sandbox-marker"
    thread, out = in_thread(
        lambda: slow_client.invoke(
            FunctionName="slow", Payload=json.dumps({"marker": str(marker)}).encode()
        )
    )
    wait_for_file(marker)
    request = urllib.request.Request(f"{fresh.endpoint}/_lambherd/reset", method="POST")
    assert json.loads(urllib.request.urlopen(request, timeout=30).read()) == {"reset": True}
    thread.join(60)
    assert not thread.is_alive() and "error" not in out, out
    resp = out["result"]
    assert resp["FunctionError"] == "Unhandled"
    doc = json.loads(resp["Payload"].read())
    assert doc["errorType"] == "Runtime.Shutdown"
    assert doc["errorMessage"].endswith(
        "Error: the execution environment was stopped (sandbox stopped or reset) during the "
        "invocation"
    )
