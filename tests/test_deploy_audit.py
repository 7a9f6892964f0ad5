"""Deploy lifecycle audit: the sandbox (enforces RevisionId, runs the code) end to end, a race
between planning and executing, container images and ``--skip-archive``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deploy_testkit import NAME, ROLE, mutating, recording, write_function
from deploy_testkit import after_planning as _after_planning
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import CodeSource, UploadCode

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"


def _invoke(lam: Any, qualifier: str) -> Any:
    resp = lam.invoke(FunctionName=NAME, Qualifier=qualifier, Payload=b"{}")
    return json.loads(resp["Payload"].read())


# -- the sandbox: the realistic target ----------------------------------------------------------


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
        "PutFunctionUrl",
    ]
    assert doc["bytes_uploaded"] > 0
    for operation in ("UpdateFunctionConfiguration", "UpdateFunctionCode", "PublishVersion"):
        (params,) = rec.params_of(operation)
        assert params["RevisionId"], operation
    assert len(rec.params_of("AddPermission")) == 1
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
    assert "ops-team" in sids and len([s for s in sids if s.startswith("lambherd-")]) == 1
    assert "no changes" in lh("-C", fn, "deploy").out


# -- container images ---------------------------------------------------------------------------


def test_planner_compares_image_uri_from_get_function_code() -> None:
    from lambherd.plan.function_planner import plan_function_changes as plan_function

    desired = {"FunctionName": NAME, "Role": ROLE, "PackageType": "Image"}
    remote = RemoteState(
        configuration={"FunctionName": NAME, "Role": ROLE, "PackageType": "Image"},
        code={"RepositoryType": "ECR", "ImageUri": f"{IMAGE}:v1"},
    )
    same = plan_function(desired, remote, CodeSource(image_uri=f"{IMAGE}:v1"))
    assert same.steps == () and not same.code_changed
    moved = plan_function(desired, remote, CodeSource(image_uri=f"{IMAGE}:v2"))
    assert [type(s) for s in moved.steps] == [UploadCode]
    forced = plan_function(desired, remote, CodeSource(image_uri=f"{IMAGE}:v1"), force_code=True)
    assert [type(s) for s in forced.steps] == [UploadCode]


def test_image_function_deploys_once_then_only_when_the_uri_changes(
    aws, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = tmp_path / "img"
    fn.mkdir()

    def define(tag: str) -> None:
        (fn / "function.json").write_text(
            json.dumps(
                {
                    "FunctionName": NAME,
                    "Role": lambda_role,
                    "PackageType": "Image",
                    "Code": {"ImageUri": f"{IMAGE}:{tag}"},
                }
            )
        )

    define("v1")
    assert lh("-C", fn, "deploy").code == 0
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 0 and "no changes" in r.out, r.out
    assert mutating(rec.names) == []
    assert lh("-C", fn, "diff", "--exit-code").code == 0
    define("v2")
    rec.calls.clear()
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    (update,) = rec.params_of("UpdateFunctionCode")
    assert update["ImageUri"] == f"{IMAGE}:v2" and "ZipFile" not in update


# -- --skip-archive -----------------------------------------------------------------------------


def test_skip_archive_refuses_a_missing_object_before_any_mutating_call(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    boto("s3").create_bucket(Bucket="code")
    fn = write_function(
        tmp_path / "fn", lambda_role, Code={"S3Bucket": "code", "S3Key": "missing.zip"}
    )
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy", "--skip-archive")
    assert r.code != 0
    (line,) = r.err.strip().splitlines()
    assert line.startswith("error: s3://code/missing.zip: no such object"), line
    assert mutating(rec.names) == []


# -- diff colours and the deploy's text output --------------------------------------------------


def test_diff_is_coloured_only_when_asked_or_on_a_terminal(
    aws, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, MemorySize=256)
    coloured = lh("--color", "-C", fn, "diff")
    assert "\x1b[31m" in coloured.out and "\x1b[32m" in coloured.out  # red -, green +
    plain = lh("--no-color", "-C", fn, "diff")
    assert "\x1b[" not in plain.out and '+  "MemorySize": 256,' in plain.out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in lh("-C", fn, "diff").out


def test_text_output_is_one_line_per_step_with_its_duration(
    aws, lambda_role, lh, tmp_path: Path
) -> None:
    import re

    fn = write_function(tmp_path / "fn", lambda_role, Tags={"team": "a"})
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    lines = r.out.strip().splitlines()
    assert [line.split(" ")[0] for line in lines] == [
        "CreateFunction",
        "PublishVersion",
        "CreateAlias",
    ]
    assert all(re.search(r" \(\d+\.\d\ds\)", line) for line in lines), lines
    assert "deployed version 1" in r.err


def test_throttled_reads_are_retried_while_planning(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    """A plan reads every function in parallel: throttled reads are retried, not fatal."""
    from deploy_testkit import error_response, inject_failures

    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    calls = inject_failures(
        monkeypatch, "GetFunction", error_response(429, "TooManyRequestsException"), 6
    )
    result = lh("-C", fn, "diff", "--exit-code")
    assert result.code == 0, result.err
    assert len(calls) > 6  # more throttles than botocore's own attempts, and still no error


def test_read_only_commands_render_only_the_name(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    """status / versions / rollback --dry-run read the function, not STS for a templated Role."""
    account = lambda_role.split(":")[4]
    templated = lambda_role.replace(account, "{{ caller_identity.Account }}")
    fn = write_function(tmp_path / "fn", templated)
    assert lh("-C", fn, "deploy").code == 0
    rec = recording(monkeypatch)
    for args in (("status",), ("versions",), ("rollback", "--dry-run")):
        lh("-C", fn, *args)
    assert "GetCallerIdentity" not in rec.names
    assert "GetFunction" in rec.names
    rec.calls.clear()
    assert lh("-C", fn, "diff").code == 0  # diff compares the Role, so it renders it for real
    assert "GetCallerIdentity" in rec.names
