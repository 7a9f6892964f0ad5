"""A function's whole life through the lambherd CLI (and the README's tour), against a sandbox the
test starts and stops."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambherd.sandbox import process
from sandbox_testkit import client, free_port, stop_sandbox, use_private_sandbox

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def sandbox_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Every command goes to a private sandbox (free port, tmp state dir), stopped at the end."""
    port = free_port()
    state = tmp_path / "sandbox-state"
    use_private_sandbox(monkeypatch, tmp_path, port, state)
    monkeypatch.setenv("LAMBHERD_SANDBOX", "1")
    monkeypatch.setenv("LAMBDA_ROLE_ARN", "arn:aws:iam::123456789012:role/greeter-role")
    env = {"port": port, "state": state, "endpoint": f"http://127.0.0.1:{port}"}
    try:
        yield env
    finally:
        stop_sandbox(state)


def _client(env: dict[str, Any], service: str) -> Any:
    return client(env["endpoint"], service)


def _body(out: str) -> dict[str, Any]:
    """The JSON document an ``invoke`` printed on stdout."""
    for line in out.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no JSON payload in {out!r}")


def test_function_lifecycle_through_the_cli(
    sandbox_env: dict[str, Any], tmp_path: Path, lh: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj = tmp_path / "greeter"
    proj.mkdir()
    run = lambda *args: lh("-C", proj, *args)  # noqa: E731

    # scaffold, deploy (the sandbox starts on first use; the role is made for us)
    assert run("init", "--function-name", "greeter").code == 0
    assert (proj / "function.json").exists()
    deployed = run("deploy")
    assert deployed.code == 0, deployed.err
    assert process.status(sandbox_env["port"], sandbox_env["state"]).running

    # invoke through the alias; logs hold the REPORT line; metrics count the invocations
    for _ in range(3):
        res = run("invoke", "--qualifier", "current", "--payload", '{"name": "Ada"}')
        assert res.code == 0, res.err
    assert "Ada" in json.dumps(_body(res.out))
    logs = run("logs", "--since", "10m")
    assert logs.code == 0, logs.err
    assert logs.out.count("REPORT RequestId:") == 3
    metrics = run("--output", "json", "metrics", "--since", "1h", "--qualifier", "current")
    assert metrics.code == 0, metrics.err
    assert json.loads(metrics.out)["totals"]["invocations"] == 3

    # change + diff + deploy: version 2 answers through the alias
    fj = proj / "function.json"
    definition = json.loads(fj.read_text())
    definition["Environment"]["Variables"]["GREETING"] = "Howdy"
    fj.write_text(json.dumps(definition, indent=2))
    assert run("diff", "--exit-code").code == 2
    assert run("deploy").code == 0
    assert run("diff", "--exit-code").code == 0
    res = run("invoke", "--qualifier", "current", "--payload", '{"name": "Ada"}')
    assert "Howdy" in json.dumps(_body(res.out))

    # weighted alias routing: half the traffic of `canary` goes to version 2
    lam = _client(sandbox_env, "lambda")
    lam.create_alias(
        FunctionName="greeter",
        Name="canary",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    seen: Counter[str] = Counter()
    for _ in range(40):
        res = run("invoke", "--qualifier", "canary", "--payload", "{}")
        assert res.code == 0, res.err
        seen["2" if "Howdy" in res.out else "1"] += 1
    assert 8 <= seen["2"] <= 32, seen  # 50 % +- 30 points

    # rollback moves `current` back to version 1
    assert run("rollback").code == 0
    assert lam.get_alias(FunctionName="greeter", Name="current")["FunctionVersion"] == "1"
    res = run("invoke", "--qualifier", "current", "--payload", '{"name": "Ada"}')
    assert "Howdy" not in res.out

    # restart keeps everything; the next command starts the sandbox again
    stop = lh("sandbox", "stop")
    assert stop.code == 0 and "stopped" in stop.out
    assert lh("sandbox", "status").code == 1
    res = run("invoke", "--qualifier", "2", "--payload", '{"name": "Bo"}')
    assert res.code == 0, res.err
    assert "Howdy, Bo" in json.dumps(_body(res.out))
    status = lh("--output", "json", "sandbox", "status")
    assert json.loads(status.out)["functions"] == 1
    assert run("diff", "--exit-code").code == 0


def test_init_download_unzip_of_a_function_created_through_the_api(
    sandbox_env: dict[str, Any], tmp_path: Path, lh: Any
) -> None:
    import io
    import zipfile

    started = lh("sandbox", "start", "--detach", "--port", sandbox_env["port"])
    assert started.code == 0 and sandbox_env["endpoint"] in started.out
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("main.py", "def handler(event, context):\n    return 'handmade'\n")
        zf.writestr("lib/util.py", "X = 1\n")
    _client(sandbox_env, "lambda").create_function(
        FunctionName="handmade",
        Runtime="python3.12",
        Handler="main.handler",
        Role="arn:aws:iam::123456789012:role/console-made",
        Code={"ZipFile": buf.getvalue()},
        Tags={"owner": "console"},
    )
    dest = tmp_path / "imported"
    dest.mkdir()
    res = lh("-C", dest, "init", "--function-name", "handmade", "--download", "--unzip")
    assert res.code == 0, res.err
    assert (dest / "main.py").read_text().endswith("return 'handmade'\n")
    assert (dest / "lib" / "util.py").read_text() == "X = 1\n"
    definition = json.loads((dest / "function.json").read_text())
    assert definition["Handler"] == "main.handler"
    assert definition["Tags"] == {"owner": "console"}
    assert lh("-C", dest, "diff", "--exit-code").code == 0


def test_sandbox_commands_report_clearly_when_not_running(
    sandbox_env: dict[str, Any], lh: Any
) -> None:
    status = lh("sandbox", "status")
    assert status.code == 1 and "not running" in status.out
    # a stopped sandbox's saved state is deleted (nothing to talk to, nothing to fail)
    reset = lh("--yes", "sandbox", "reset")
    assert reset.code == 0 and reset.out.strip() == "sandbox state deleted (it was not running)"
    assert "Traceback" not in reset.err
    assert lh("sandbox", "stop").out.strip() == "sandbox was not running"


@pytest.mark.skipif(shutil.which("lambherd") is None, reason="the lambherd script is not on PATH")
def test_readme_tour_runs_clean_on_a_fresh_state_dir(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "LAMBHERD_")) and k not in {"GREETING", "HELLO_BUCKET"}
    }
    env.update(
        LAMBHERD_SANDBOX_PORT=str(port),
        LAMBHERD_SANDBOX_DIR=str(tmp_path / "tour-state"),
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        NO_COLOR="1",
    )
    try:
        run = subprocess.run(
            ["bash", str(REPO / "examples" / "hello" / "tour.sh")],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
            cwd=tmp_path,
        )
    finally:
        process.stop(tmp_path / "tour-state")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    for expected in (
        '$ lambherd invoke --qualifier current --payload \'{"name": "Ada"}\' --log-tail',
        "REPORT RequestId:",
        "Hello, Ada!",
        '+      "GREETING": "Howdy"',
        "Howdy, Ada!",
        "MoveAlias current: 2 -> 1",
        "2 passed, 0 failed",
        "sandbox stopped",
    ):
        assert expected in out, f"{expected!r} missing from the tour's output:\n{out}"
    for scary in ("Traceback", "WARNING", "error:", "Warning"):
        assert scary not in out, out
    assert not process.port_in_use(port)
