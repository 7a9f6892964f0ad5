"""Deploys against the sandbox (it enforces RevisionId and runs the code): the lifecycle end to
end, another writer between planning and executing, and permission changes that keep foreign
statements.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import NAME, ROLE, mutating, recording, write_function
from deploy_testkit import after_planning as _after_planning

pytestmark = pytest.mark.slow  # a sandbox server of the module's own


def _invoke(lam: Any, qualifier: str) -> Any:
    resp = lam.invoke(FunctionName=NAME, Qualifier=qualifier, Payload=b"{}")
    return json.loads(resp["Payload"].read())


def test_sandbox_lifecycle_runs_the_deployed_code_and_chains_revisions(
    sandbox, lh, tmp_path: Path, monkeypatch
) -> None:
    url = {"Config": {"AuthType": "NONE"}}
    fn = write_function(tmp_path / "fn", ROLE, body="def handler(e, c):\n    return 'v1'\n")
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    lam = sandbox("lambda")
    assert _invoke(lam, "current") == "v1"
    # code + configuration + a URL with its public permission, all in one deploy
    write_function(fn, ROLE, body="def handler(e, c):\n    return 'v2'\n", MemorySize=256, url=url)
    rec = recording(monkeypatch)
    r = lh("-C", fn, "--output", "json", "deploy")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["version"] == "2" and doc["changed_fields"] == ["MemorySize"]
    assert [s["step"] for s in doc["steps"]] == [
        "UpdateConfiguration",
        "UploadCode",
        "PublishVersion",
        "MoveAlias",
        "AddPermission",
        "AddPermission",
        "PutFunctionUrl",
    ]
    assert doc["bytes_uploaded"] > 0
    for operation in ("UpdateFunctionConfiguration", "UpdateFunctionCode", "PublishVersion"):
        (params,) = rec.params_of(operation)
        assert params["RevisionId"], operation
    assert len(rec.params_of("AddPermission")) == 2  # InvokeFunctionUrl and InvokeFunction
    assert _invoke(lam, "current") == "v2"
    assert lam.get_function_url_config(FunctionName=NAME)["AuthType"] == "NONE"
    # unchanged: reads only, and the URL is left alone when function_url.json goes away
    rec.calls.clear()
    r = lh("-C", fn, "deploy")
    assert r.code == 0 and "no changes" in r.out and mutating(rec.names) == []
    (fn / "function_url.json").unlink()
    assert "no changes" in lh("-C", fn, "deploy").out
    assert lam.get_function_url_config(FunctionName=NAME)["AuthType"] == "NONE"
    # roll back, then a deploy of the same definition serves version 2 again without publishing
    r = lh("-C", fn, "rollback")
    assert r.code == 0, r.err
    assert _invoke(lam, "current") == "v1"
    rec.calls.clear()
    assert lh("-C", fn, "deploy").code == 0
    assert mutating(rec.names) == ["UpdateAlias"]
    assert _invoke(lam, "current") == "v2"


def test_sandbox_configuration_changed_after_planning_is_not_overwritten(
    sandbox, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", ROLE)
    assert lh("-C", fn, "deploy").code == 0
    lam = sandbox("lambda")
    write_function(fn, ROLE, MemorySize=512, body="def handler(e, c):\n    return 'mine'\n")
    _after_planning(
        monkeypatch, lambda: lam.update_function_configuration(FunctionName=NAME, Timeout=42)
    )
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 1
    assert r.err.strip().splitlines() == [
        "error: update configuration of orders: function changed since it was read; run again"
    ]
    assert mutating(rec.names) == ["UpdateFunctionConfiguration"]  # refused, nothing after it
    cfg = lam.get_function(FunctionName=NAME)["Configuration"]
    assert cfg["Timeout"] == 42 and cfg["MemorySize"] == 128
    assert lam.get_alias(FunctionName=NAME, Name="current")["FunctionVersion"] == "1"


def test_sandbox_permission_change_removes_ours_adds_new_keeps_foreign(
    sandbox, lh, tmp_path: Path
) -> None:
    fn = write_function(tmp_path / "fn", ROLE)
    assert lh("-C", fn, "deploy").code == 0
    lam = sandbox("lambda")
    lam.add_permission(
        FunctionName=NAME,
        StatementId="ops-team",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
    )
    write_function(
        fn,
        ROLE,
        url={"Config": {"AuthType": "NONE"}, "Permissions": [{"Principal": "*"}]},
    )
    assert lh("-C", fn, "deploy").code == 0
    write_function(
        fn,
        ROLE,
        url={
            "Config": {"AuthType": "AWS_IAM"},
            "Permissions": [{"Principal": "arn:aws:iam::123456789012:root"}],
        },
    )
    r = lh("-C", fn, "deploy")  # RemovePermission of ours, then AddPermission
    assert r.code == 0, r.err
    sids = [s["Sid"] for s in json.loads(lam.get_policy(FunctionName=NAME)["Policy"])["Statement"]]
    assert "ops-team" in sids and len([s for s in sids if s.startswith("lambherd-")]) == 2
    assert "no changes" in lh("-C", fn, "deploy").out
