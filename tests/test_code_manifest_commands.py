"""Every command that compares code takes the code manifest's answer, so they agree: after
touching every file (nothing changed) ``plan``, ``diff --code`` and ``deploy`` see no change
and nothing is compressed or uploaded; after a one-byte edit that keeps size and mtime, all of
them see it, and what deploy uploads is the zip ``archive`` writes (Lambda's CodeSha256, moto)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from deploy_testkit import NAME, mutating, recording, write_function

pytestmark = pytest.mark.slow  # several deploys against moto


def _age(folder: Path, seconds: float) -> None:
    past = os.stat(folder / "app.py").st_mtime - seconds
    for path in folder.rglob("*"):
        if path.is_file() and ".lambherd" not in path.parts:
            os.utime(path, (past, past))


def _archive_sha(lh, folder: Path) -> str:
    out = lh("-C", folder, "--output", "json", "archive", "--dest", "../out.zip")
    assert out.code == 0, out.err
    return json.loads(out.out)["code_sha256"]


def test_plan_diff_deploy_and_archive_agree(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
):
    folder = write_function(tmp_path / "fn", lambda_role)
    (folder / "lib").mkdir()
    (folder / "lib" / "util.py").write_text("X = 1\n")
    assert lh("-C", folder, "deploy").code == 0
    deployed = boto("lambda").get_function(FunctionName=NAME)["Configuration"]
    assert deployed["CodeSha256"] == _archive_sha(lh, folder)

    _age(folder, 30)  # every file touched, nothing changed
    calls = recording(monkeypatch)
    assert lh("-C", folder, "diff", "--code", "--exit-code").code == 0
    done = lh("-C", folder, "--output", "json", "deploy")
    assert done.code == 0, done.err
    assert json.loads(done.out)["changed"] is False
    assert mutating(calls.names) == []

    app = folder / "app.py"
    old = app.stat()
    app.write_text(app.read_text().replace("True", "None"))  # "None" is as long as "True"
    os.utime(app, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert (app.stat().st_size, app.stat().st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    diff = lh("-C", folder, "diff", "--code", "--exit-code")
    assert diff.code == 2 and re.search(r"^\+.*CodeSha256", diff.out, re.M), diff.out
    done = lh("-C", folder, "--output", "json", "deploy")
    assert done.code == 0, done.err
    assert json.loads(done.out)["bytes_uploaded"] > 0
    deployed = boto("lambda").get_function(FunctionName=NAME)["Configuration"]
    assert deployed["CodeSha256"] == _archive_sha(lh, folder)
    assert lh("-C", folder, "diff", "--code", "--exit-code").code == 0
