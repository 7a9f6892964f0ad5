"""``local start --watch``: a saved edit is running code at the next invocation, with a cold
start's Init Duration; files .lambdaignore lists do not reload; the server answers throughout.
Driven as a user drives it: the command in its own process, boto3 against its port."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import free_port
from lambherd.local.watch import classify, saved_paths
from local_testkit import RuntimeKind, StderrLines, hello_function

pytestmark = pytest.mark.timeout(120)


@pytest.mark.slow
def test_an_edit_runs_at_the_next_invocation(tmp_path: Path, runtime_kind: RuntimeKind) -> None:
    import boto3

    folder = hello_function(tmp_path, runtime_kind)
    (folder / ".lambdaignore").write_text("notes.txt\n")
    port = free_port()
    argv = [sys.executable, "-m", "lambherd", "-C", str(folder), "local", "start", "--watch"]
    proc = subprocess.Popen(
        [*argv, "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        lines = StderrLines(proc.stderr)
        lines.wait_for("watching hello's files")
        client = boto3.client(
            "lambda",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="ap-northeast-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        first = client.invoke(FunctionName="hello", Payload=b"{}")
        assert json.loads(first["Payload"].read())["count"] == 1
        (folder / "notes.txt").write_text("not packaged: no reload")
        (folder / runtime_kind.module).write_text(runtime_kind.returning("v2"))
        line = lines.wait_for("reloaded hello")
        assert f": {runtime_kind.module} changed" in line and "notes.txt" not in line
        resp = client.invoke(FunctionName="hello", Payload=b"{}", LogType="Tail")
        assert json.loads(resp["Payload"].read()) == "v2"
        assert "Init Duration:" in base64.b64decode(resp["LogResult"]).decode()
        proc.terminate()
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_what_counts_as_a_change(tmp_path: Path) -> None:
    folder = tmp_path / "fn"
    (folder / "lib").mkdir(parents=True)
    (folder / ".lambdaignore").write_text("*.md\ntests/*\n")
    paths = ["app.py", "lib/x.py", "README.md", "tests/t.py", ".lambherd/build/y.py"]
    change = classify(folder, [folder / p for p in paths])
    assert change is not None and change.paths == ("app.py", "lib/x.py")
    assert change.definition is False
    change = classify(folder, [folder / "function.json", folder / "app.py"])
    assert change is not None and change.definition is True
    assert classify(folder, [folder / ".lambherd" / "build.json"]).paths == (
        ".lambherd/build.json",
    )
    assert classify(folder, [folder / "README.md", tmp_path / "elsewhere.py"]) is None


def test_a_file_created_and_gone_within_a_save_is_no_change(tmp_path: Path) -> None:
    from watchfiles import Change

    kept, gone, removed = tmp_path / "index.mjs", tmp_path / "sedG1a57y", tmp_path / "old.js"
    kept.write_text("new")
    batch = {
        (Change.added, str(gone)),  # sed -i: a temporary file, renamed over index.mjs
        (Change.modified, str(gone)),
        (Change.deleted, str(gone)),
        (Change.added, str(kept)),
        (Change.deleted, str(kept)),
        (Change.deleted, str(removed)),  # deleted for good: the package changed
    }
    assert sorted(saved_paths(batch)) == sorted([str(kept), str(removed)])
