"""After ``import --all`` every command that compares code agrees, because they all take it from
one ``code_identity``: ``plan``, ``diff --code --exit-code`` (in each function folder) and
``deploy`` say every function is unchanged; after an edit all three see the same change.

The imported zips are made by another tool (other timestamps, and one vendoring its
dependencies next to a requirements.txt), so lambherd's deterministic zip of the unzipped folder
has another SHA-256 than the deployed CodeSha256: only the import baseline makes them agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aws_testkit import create_function, make_zip
from deploy_testkit import mutating, recording

pytestmark = pytest.mark.slow  # a dependency build (pip/uv) and three imports

APP = b"def handler(event, context):\n    return 'hi'\n"


def _create(boto, code_proxy, role: str, name: str, package: bytes, *, alias: bool) -> None:
    create_function(boto, role, name, package, alias="current" if alias else None)
    code_proxy.code[name] = package


@pytest.fixture
def imported(lh, boto, code_proxy, lambda_role, tmp_path: Path, monkeypatch) -> Path:
    """Three functions imported with ``import --all`` into ``tmp_path/proj``."""
    monkeypatch.setenv("LAMBHERD_CACHE_DIR", str(tmp_path / "cache"))
    plain = make_zip({"app.py": APP, "lib/util.py": b"X = 1\n"})
    vendored = make_zip(
        {
            "app.py": b"import six\ndef handler(e, c):\n    return six.PY3\n",
            "requirements.txt": b"six==1.17.0\n",
            "six.py": b"PY3 = True\n",
        }
    )
    _create(boto, code_proxy, lambda_role, "api", plain, alias=True)
    _create(boto, code_proxy, lambda_role, "worker", plain, alias=False)
    _create(boto, code_proxy, lambda_role, "vendored", vendored, alias=True)
    root = tmp_path / "proj"
    root.mkdir()
    result = lh("-C", root, "--yes", "import", "--all")
    assert result.code == 0, result.err
    assert "3 imported" in result.out
    return root


NAMES = ("api", "vendored", "worker")


def test_plan_diff_and_deploy_agree_after_import_all(lh, imported: Path, monkeypatch) -> None:
    root = imported
    plan = lh("-C", root, "plan", "--exit-code")
    assert plan.code == 0, plan.out + plan.err
    assert "0 to add, 0 to modify, 0 to delete, 3 unchanged" in plan.out
    for name in NAMES:
        diff = lh("-C", root / "functions" / name, "diff", "--code", "--exit-code")
        assert diff.code == 0, f"{name}: {diff.out}{diff.err}"
        assert diff.out == ""
    calls = recording(monkeypatch)
    deployed = lh("-C", root, "--yes", "deploy")
    assert deployed.code == 0, deployed.err
    assert "0 deployed, 0 deleted, 3 unchanged" in deployed.out
    assert "0 bytes uploaded" in deployed.out
    assert mutating(calls.names) == []
    for name in NAMES:  # run in one function's folder: the same answer
        one = lh("-C", root / "functions" / name, "--output", "json", "deploy", "--dry-run")
        assert one.code == 0, one.err
        assert json.loads(one.out)["changed"] is False


def test_an_edit_is_a_change_for_plan_diff_and_deploy_alike(lh, imported: Path) -> None:
    root = imported
    folder = root / "functions" / "vendored"
    (folder / "app.py").write_text("def handler(e, c):\n    return 2\n")
    plan = lh("-C", root, "--output", "json", "plan", "--exit-code")
    assert plan.code == 2
    rows = {f["function"]: f for f in json.loads(plan.out)["functions"]}
    assert rows["vendored"]["changes"][0] == "code"
    assert rows["api"]["operation"] == rows["worker"]["operation"] == "none"
    diff = lh("-C", folder, "--output", "json", "diff", "--code", "--exit-code")
    assert diff.code == 2
    assert "CodeSha256" in json.loads(diff.out)["diff"]
    for name in ("api", "worker"):
        assert lh("-C", root / "functions" / name, "diff", "--code", "--exit-code").code == 0
    dry = lh("-C", root, "--output", "json", "deploy", "--dry-run")
    assert dry.code == 0, dry.err
    steps = {f["function"]: f["steps"] for f in json.loads(dry.out)["functions"]}
    assert any(s.startswith("UploadCode") for s in steps["vendored"])
    assert steps["api"] == steps["worker"] == []
