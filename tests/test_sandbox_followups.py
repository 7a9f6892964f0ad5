"""Sandbox follow-ups: version numbers never reused, permission RevisionIds, and invocations cut
off by a stop/reset/close reported as such (not as a crash of the runtime).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from deploy_testkit import NAME, ROLE, mutating, recording, write_function
from deploy_testkit import after_planning as _after_planning
from lambherd.local import FunctionSpec, LocalRuntime
from sandbox_testkit import Sandbox, code_zip, create, running

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox of its own (state folder in tmp_path), stopped after the test."""
    with running(tmp_path / "state") as sb:
        yield sb


def _versions(lam: Any, name: str) -> list[str]:
    return [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]


def _publish_new(lam: Any, name: str, tag: str) -> str:
    lam.update_function_code(FunctionName=name, ZipFile=code_zip(tag))
    return lam.publish_version(FunctionName=name)["Version"]


def _precondition_failed(call: Any) -> None:
    with pytest.raises(ClientError) as err:
        call()
    assert err.value.response["Error"]["Code"] == "PreconditionFailedException"


# -- 1. version numbers ---------------------------------------------------------------------------


def test_version_numbers_are_never_reused_even_after_a_restart(fresh: Sandbox) -> None:
    lam = fresh.client("lambda")
    create(lam, "numbered", "one")
    assert lam.publish_version(FunctionName="numbered")["Version"] == "1"
    assert _publish_new(lam, "numbered", "two") == "2"
    lam.delete_function(FunctionName="numbered", Qualifier="2")
    assert _publish_new(lam, "numbered", "three") == "3"  # moto alone answers "2" again
    lam.delete_function(FunctionName="numbered", Qualifier="1")
    assert _publish_new(lam, "numbered", "four") == "4"  # moto alone answers "3": a duplicate
    published = lam.update_function_code(
        FunctionName="numbered", ZipFile=code_zip("five"), Publish=True
    )
    assert published["Version"] == "5"
    assert published["FunctionArn"].endswith(":numbered:5")
    assert _versions(lam, "numbered") == ["$LATEST", "3", "4", "5"]
    v3 = lam.get_function(FunctionName="numbered", Qualifier="3")["Configuration"]
    assert v3["Version"] == "3" and v3["FunctionArn"].endswith(":numbered:3")
    assert v3["RevisionId"]
    # publishing with nothing changed returns the latest version, it does not number a new one
    assert lam.publish_version(FunctionName="numbered")["Version"] == "5"
    before = {v: lam.get_function(FunctionName="numbered", Qualifier=v) for v in ("3", "4", "5")}

    fresh.stop()
    fresh.start()
    lam = fresh.client("lambda")
    assert _versions(lam, "numbered") == ["$LATEST", "3", "4", "5"]
    for version, doc in before.items():
        after = lam.get_function(FunctionName="numbered", Qualifier=version)["Configuration"]
        for key in ("CodeSha256", "RevisionId", "FunctionArn"):
            assert after[key] == doc["Configuration"][key], (version, key)
    lam.delete_function(FunctionName="numbered", Qualifier="5")
    assert _publish_new(lam, "numbered", "six") == "6"
    # a new function of the same name starts again at 1, as on Lambda
    lam.delete_function(FunctionName="numbered")
    assert create(lam, "numbered", "again", Publish=True)["Version"] == "1"
    assert _publish_new(lam, "numbered", "again-2") == "2"


# -- 2. permission RevisionIds: the sandbox -------------------------------------------------------


def test_permissions_take_the_functions_revision_id(fresh: Sandbox) -> None:
    lam = fresh.client("lambda")
    first = create(lam, "guarded")["RevisionId"]
    grant = {"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}
    lam.add_permission(FunctionName="guarded", StatementId="a", RevisionId=first, **grant)
    second = lam.get_function(FunctionName="guarded")["Configuration"]["RevisionId"]
    assert second != first
    policy = lam.get_policy(FunctionName="guarded")
    assert policy["RevisionId"] == second  # GetPolicy reports the function's revision
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["a"]
    _precondition_failed(
        lambda: lam.add_permission(
            FunctionName="guarded", StatementId="b", RevisionId=first, **grant
        )
    )
    _precondition_failed(
        lambda: lam.remove_permission(FunctionName="guarded", StatementId="a", RevisionId=first)
    )
    lam.add_permission(FunctionName="guarded", StatementId="b", RevisionId=second, **grant)
    third = lam.get_policy(FunctionName="guarded")["RevisionId"]
    lam.remove_permission(FunctionName="guarded", StatementId="a", RevisionId=third)
    statements = json.loads(lam.get_policy(FunctionName="guarded")["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["b"]
    # without a RevisionId it is not checked at all
    lam.remove_permission(FunctionName="guarded", StatementId="b")
    # on an alias, the alias's RevisionId guards its policy (and the function's is not touched)
    lam.publish_version(FunctionName="guarded")
    alias = lam.create_alias(FunctionName="guarded", Name="live", FunctionVersion="1")
    latest = lam.get_function(FunctionName="guarded")["Configuration"]["RevisionId"]
    _precondition_failed(
        lambda: lam.add_permission(
            FunctionName="guarded", Qualifier="live", StatementId="c", RevisionId=latest, **grant
        )
    )
    lam.add_permission(
        FunctionName="guarded",
        Qualifier="live",
        StatementId="c",
        RevisionId=alias["RevisionId"],
        **grant,
    )
    moved = lam.get_alias(FunctionName="guarded", Name="live")["RevisionId"]
    assert moved != alias["RevisionId"]
    assert lam.get_policy(FunctionName="guarded", Qualifier="live")["RevisionId"] == moved
    assert lam.get_function(FunctionName="guarded")["Configuration"]["RevisionId"] == latest


# -- 2. permission RevisionIds: deploy ------------------------------------------------------------


def test_deploy_guards_permission_changes_with_the_functions_revision(
    sandbox,
    lh,
    tmp_path: Path,
    monkeypatch,
) -> None:
    fn = write_function(tmp_path / "fn", ROLE)
    assert lh("-C", fn, "deploy").code == 0
    lam = sandbox("lambda")
    # only the URL and its permission change; another writer changes the function meanwhile
    write_function(fn, ROLE, url={"Config": {"AuthType": "NONE"}})
    import lambherd.pipeline.planning as deploy_module

    planner = deploy_module.plan_deploy
    _after_planning(
        monkeypatch, lambda: lam.update_function_configuration(FunctionName=NAME, Timeout=42)
    )
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 1
    (line,) = r.err.strip().splitlines()
    assert line.startswith("error: add permission lambherd-")
    assert line.endswith(": function changed since it was read; run again")
    assert mutating(rec.names) == ["AddPermission"]  # refused; the URL was not created either
    with pytest.raises(ClientError):
        lam.get_function_url_config(FunctionName=NAME)
    monkeypatch.setattr(deploy_module, "plan_deploy", planner)

    # run again: it goes through (and puts the definition's Timeout back); the permission is
    # sent with the revision left after the update and the publish
    rec.calls.clear()
    r = lh("-C", fn, "--output", "json", "deploy")
    assert r.code == 0, r.err
    assert [s["step"] for s in json.loads(r.out)["steps"]] == [
        "UpdateConfiguration",
        "PublishVersion",
        "MoveAlias",
        "AddPermission",
        "PutFunctionUrl",
    ]
    (update,) = rec.params_of("UpdateFunctionConfiguration")
    (add,) = rec.params_of("AddPermission")
    assert add["RevisionId"] and add["RevisionId"] != update["RevisionId"]
    assert lam.get_function_url_config(FunctionName=NAME)["AuthType"] == "NONE"

    # the public grant replaced by two others: one remove and two adds, each chained
    accounts = ["111111111111", "222222222222"]
    url = {"Config": {"AuthType": "NONE"}, "Permissions": [{"Principal": a} for a in accounts]}
    write_function(fn, ROLE, url=url)
    rec.calls.clear()
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    assert mutating(rec.names) == ["RemovePermission", "AddPermission", "AddPermission"]
    sent = [p["RevisionId"] for p in rec.params_of("RemovePermission")]
    sent += [p["RevisionId"] for p in rec.params_of("AddPermission")]
    assert len(set(sent)) == 3  # each change sent with the revision the previous one left
    policy = lam.get_policy(FunctionName=NAME)
    cfg = lam.get_function(FunctionName=NAME)["Configuration"]
    assert policy["RevisionId"] == cfg["RevisionId"]
    statements = json.loads(policy["Policy"])["Statement"]
    principals = sorted(json.dumps(s["Principal"]) for s in statements)
    assert len(principals) == 2
    assert "111111111111" in principals[0] and "222222222222" in principals[1]


def test_permissions_of_a_url_on_an_alias_are_sent_without_the_functions_revision(
    sandbox,
    lh,
    tmp_path: Path,
    monkeypatch,
) -> None:
    from lambherd.apply.executor import Executor
    from lambherd.aws import AwsClients
    from lambherd.plan.steps import AddPermission, Plan, PutFunctionUrl
    from lambherd.plan.url_planner import desired_permissions

    fn = write_function(tmp_path / "fn", ROLE)
    assert lh("-C", fn, "deploy").code == 0
    lam = sandbox("lambda")
    revision = lam.get_function(FunctionName=NAME)["Configuration"]["RevisionId"]
    lam.update_function_configuration(FunctionName=NAME, Timeout=9)  # the function moves on
    ((sid, params),) = desired_permissions({"Config": {"AuthType": "NONE"}}).items()
    plan = Plan(
        function_name=NAME,
        revision_id=revision,  # stale for $LATEST, but an alias's policy is not $LATEST's
        steps=(
            AddPermission(statement_id=sid, params=params, qualifier="current"),
            PutFunctionUrl(config={"AuthType": "NONE"}, create=True, qualifier="current"),
        ),
    )
    rec = recording(monkeypatch)
    Executor(AwsClients()).run(plan)
    (add,) = rec.params_of("AddPermission")
    assert add["Qualifier"] == "current" and "RevisionId" not in add
    policy = lam.get_policy(FunctionName=NAME, Qualifier="current")
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == [sid]
    assert lam.get_function_url_config(FunctionName=NAME, Qualifier="current")["AuthType"] == "NONE"


def test_deploy_against_plain_moto_sends_no_revision_it_was_never_given(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    lam = boto("lambda")
    # moto's server reports no function RevisionId; its own policy check would refuse it
    assert "RevisionId" not in lam.get_function(FunctionName=NAME)["Configuration"]
    write_function(
        fn, lambda_role, url={"Config": {"AuthType": "NONE"}}, body="def handler(e, c): pass\n"
    )
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    (add,) = rec.params_of("AddPermission")
    assert "RevisionId" not in add
    assert "GetFunctionConfiguration" in rec.names  # waits, but no revision refresh was needed
    statements = json.loads(lam.get_policy(FunctionName=NAME)["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == [add["StatementId"]]


# -- 3. invocations cut off on purpose -------------------------------------------------------------

SLOW_HANDLER = """
import os, signal, time
from pathlib import Path

def handler(event, context):
    Path(event["marker"]).write_text("running")
    if event.get("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)
    return "done"
"""


def _wait_for(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def _in_thread(target: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = target()
        except Exception as exc:  # surfaced by the test's assertions
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


@pytest.fixture
def slow_spec(tmp_path: Path) -> FunctionSpec:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(SLOW_HANDLER)
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return FunctionSpec(
        name="slow", handler="app.handler", runtime=runtime, code_dir=code, timeout_s=60
    )


def _cut_off(rt: LocalRuntime, tmp_path: Path, stop: Any, **event: Any) -> dict[str, Any]:
    marker = tmp_path / f"marker-{uuid.uuid4().hex}"
    thread, out = _in_thread(
        lambda: rt.invoke("slow", json.dumps({"marker": str(marker), **event}).encode())
    )
    _wait_for(marker)
    if stop is not None:
        stop()
    thread.join(30)
    assert not thread.is_alive() and "error" not in out, out
    result = out["result"]
    return {"result": result, "doc": json.loads(result.payload)}


def test_close_during_an_invocation_says_the_environment_was_stopped(
    slow_spec: FunctionSpec, tmp_path: Path
) -> None:
    rt = LocalRuntime()
    rt.register(slow_spec)
    try:
        got = _cut_off(rt, tmp_path, rt.close)
    finally:
        rt.close()
    result, doc = got["result"], got["doc"]
    assert result.function_error == "Unhandled"
    assert doc["errorType"] == "Runtime.Shutdown"
    assert doc["errorMessage"] == (
        f"RequestId: {result.request_id} Error: the execution environment was stopped "
        "(the local runtime was closed) during the invocation"
    )
    assert "signal" not in doc["errorMessage"]
    assert (
        "Runtime.Shutdown" in result.log and f"REPORT RequestId: {result.request_id}" in result.log
    )


def test_unregister_during_an_invocation_and_a_real_crash(
    slow_spec: FunctionSpec, tmp_path: Path
) -> None:
    rt = LocalRuntime()
    rt.register(slow_spec)
    try:
        got = _cut_off(rt, tmp_path, lambda: rt.unregister("slow"))
        assert got["doc"]["errorType"] == "Runtime.Shutdown"
        assert "(the function version was removed)" in got["doc"]["errorMessage"]
        # a handler that dies by itself keeps Lambda's wording
        rt.register(slow_spec)
        got = _cut_off(rt, tmp_path, None, crash=True)
        assert got["doc"]["errorType"] == "Runtime.ExitError"
        assert got["doc"]["errorMessage"].endswith("Runtime exited with error: signal: kill")
    finally:
        rt.close()


def test_sandbox_reset_during_an_invocation_says_so(fresh: Sandbox, tmp_path: Path) -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", SLOW_HANDLER)
    lam = fresh.client("lambda")
    import boto3
    from botocore.config import Config

    slow_client = boto3.client(
        "lambda",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=90),
        region_name="us-east-1",
        endpoint_url=fresh.endpoint,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    lam.create_function(
        FunctionName="slow",
        Runtime="python3.12",
        Handler="app.handler",
        Role="arn:aws:iam::123456789012:role/followups",
        Code={"ZipFile": buf.getvalue()},
        Timeout=60,
    )
    marker = tmp_path / "sandbox-marker"
    thread, out = _in_thread(
        lambda: slow_client.invoke(
            FunctionName="slow", Payload=json.dumps({"marker": str(marker)}).encode()
        )
    )
    _wait_for(marker)
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
