"""``deploy --watch`` against the sandbox (ap-northeast-1), driven as a user drives it: the
command in its own process, edits on disk, boto3 to check. A code edit is a code-only push
(the new code on $LATEST, no version published, the alias left); a definition edit is a full
deploy (a version published, the alias moved); a protected stage is refused before any call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploy_testkit import LAMBDAIGNORE, ROLE, mutating, recording
from lambherd.services.deploy_watch import CODE_ONLY, code_only
from lambherd.settings import command_line
from local_testkit import NODE, StderrLines, needs_node

pytestmark = [pytest.mark.timeout(240)]

TOKYO = "ap-northeast-1"
NAME = "watched"


def _node_function(folder: Path, answer: str, **config) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    definition = {
        "FunctionName": NAME,
        "Runtime": NODE,
        "Handler": "index.handler",
        "Role": ROLE,
        **config,
    }
    (folder / "function.json").write_text(json.dumps(definition, indent=2))
    (folder / ".lambdaignore").write_text(LAMBDAIGNORE)
    (folder / "index.js").write_text(f"exports.handler = async () => {json.dumps(answer)};\n")
    return folder


def test_code_only_settings_publish_nothing_and_leave_the_configuration() -> None:
    layer = code_only(command_line(alias="dev", publish=True))
    assert layer.values == {"alias": "dev", **CODE_ONLY}


@needs_node
@pytest.mark.slow
def test_saves_push_code_only_or_a_full_deploy(sandbox, tmp_path: Path, monkeypatch) -> None:
    import boto3

    monkeypatch.setenv("AWS_REGION", TOKYO)
    monkeypatch.setenv("AWS_DEFAULT_REGION", TOKYO)
    lam = boto3.client("lambda", region_name=TOKYO, endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    try:
        lam.delete_function(FunctionName=NAME)
    except lam.exceptions.ResourceNotFoundException:
        pass
    folder = _node_function(tmp_path / "fn", "v1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lambherd", "-C", str(folder), "deploy", "--watch"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        lines = StderrLines(proc.stderr)
        first = lines.wait_for(f"deploy of {NAME}")
        assert "bytes uploaded" in first, first
        lines.wait_for("watching for saves")
        assert _call(lam, "current") == "v1"
        # a code edit: code-only, on $LATEST; no version published, the alias left on 1
        (folder / "index.js").write_text('exports.handler = async () => "v2";\n')
        line = lines.wait_for("code-only push")
        assert f"code-only push of {NAME} (index.js changed):" in line and "bytes uploaded" in line
        assert _call(lam, "$LATEST") == "v2" and _call(lam, "current") == "v1"
        assert _versions(lam) == ["$LATEST", "1"]
        # a definition edit: the full deploy publishes and moves the alias
        _node_function(folder, "v2", MemorySize=256)
        line = lines.wait_for("full deploy")
        assert "function.json" in line and "bytes uploaded" in line, line
        assert _versions(lam) == ["$LATEST", "1", "2"]
        alias = lam.get_alias(FunctionName=NAME, Name="current")
        assert alias["FunctionVersion"] == "2" and _call(lam, "current") == "v2"
        assert lam.get_function_configuration(FunctionName=NAME)["MemorySize"] == 256
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_protected_stage_is_refused_before_any_call(lh, tmp_path: Path, monkeypatch, aws) -> None:
    root = tmp_path / "shop"
    (root / "functions").mkdir(parents=True)
    (root / "lambherd.toml").write_text(
        '[project]\nname = "shop"\n\n[stages.prod]\nprotected = true\n\n[stages.dev]\n'
    )
    _node_function(root / "functions" / "api", "v1")
    rec = recording(monkeypatch)
    res = lh("-C", root, "--stage", "prod", "deploy", "--watch")
    assert res.code == 1
    assert res.err.startswith("error: --watch: stage prod is protected (protected = true")
    assert "Traceback" not in res.err
    assert mutating(rec.names) == [] and rec.names == []
    bad = lh("-C", root / "functions" / "api", "deploy", "--watch", "--dry-run")
    assert bad.code != 0 and "--dry-run is not taken" in bad.err


def _call(lam, qualifier: str):
    resp = lam.invoke(FunctionName=NAME, Qualifier=qualifier, Payload=b"{}")
    return json.loads(resp["Payload"].read())


def _versions(lam) -> list[str]:
    got = lam.list_versions_by_function(FunctionName=NAME)["Versions"]
    return sorted(v["Version"] for v in got)
