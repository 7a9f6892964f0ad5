"""rollback, status and delete against moto's server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_testkit import NAME, mutating, recording, write_function

pytestmark = pytest.mark.slow  # several deploys each


def _three_versions(lh, role: str, folder: Path) -> Path:
    fn = write_function(folder, role)
    for memory in (128, 256, 512):
        write_function(fn, role, MemorySize=memory)
        assert lh("-C", fn, "deploy").code == 0
    return fn


def _alias(boto) -> str:
    return boto("lambda").get_alias(FunctionName=NAME, Name="current")["FunctionVersion"]


def test_rollback_to_previous_then_explicit_version(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = _three_versions(lh, lambda_role, tmp_path / "fn")
    assert _alias(boto) == "3"
    rec = recording(monkeypatch)
    r = lh("-C", fn, "rollback", "--dry-run")
    assert r.code == 0 and "[dry-run] MoveAlias current: 3 -> 2" in r.out
    assert mutating(rec.names) == [] and _alias(boto) == "3"
    r = lh("-C", fn, "rollback", "--delete-version")
    assert r.code == 0, r.err
    assert _alias(boto) == "2"
    versions = [
        v["Version"]
        for v in boto("lambda").list_versions_by_function(FunctionName=NAME)["Versions"]
    ]
    assert "3" not in versions
    assert lh("-C", fn, "rollback", "--version", "1").code == 0
    assert _alias(boto) == "1"
    r = lh("-C", fn, "rollback")
    assert r.code == 1 and "no published version older than 1" in r.err


def test_status_and_delete(aws, boto, lambda_role, lh, tmp_path: Path) -> None:
    fn = write_function(
        tmp_path / "fn", lambda_role, url={"Config": {"AuthType": "AWS_IAM"}, "Permissions": []}
    )
    assert lh("-C", fn, "deploy").code == 0
    r = lh("-C", fn, "--output", "json", "status")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["name"] == NAME and doc["state"] == "Active"
    assert doc["aliases"] == [{"name": "current", "version": "1", "weights": {}}]
    assert doc["url"].startswith("https://") and doc["code_size"] > 0
    r = lh("-C", fn, "status")
    assert "Alias current" in r.out and "LastUpdateStatus" in r.out
    r = lh("-C", fn, "delete", "--dry-run")
    assert r.code == 0 and "[dry-run] DeleteFunction orders" in r.out
    r = lh("-C", fn, "delete")  # no terminal, no --yes: refused
    assert r.code == 1 and "not deleted" in r.err
    assert lh("-C", fn, "--yes", "delete").code == 0
    r = lh("-C", fn, "status")
    assert r.code == 1 and "function not found" in r.err


def test_deploy_after_rollback_names_the_version_the_alias_moves_to(
    aws, boto, lambda_role, lh, tmp_path: Path
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, MemorySize=512)
    assert lh("-C", fn, "deploy").code == 0
    assert lh("-C", fn, "rollback").code == 0
    lam = boto("lambda")
    assert lam.get_alias(FunctionName=NAME, Name="current")["FunctionVersion"] == "1"
    result = lh("-C", fn, "deploy")  # the definition matches version 2: the alias goes back
    assert result.code == 0, result.err
    assert "MoveAlias current: 1 -> 2" in result.out
    assert "deployed version 2, 0 bytes uploaded" in result.err
    assert lam.get_alias(FunctionName=NAME, Name="current")["FunctionVersion"] == "2"
