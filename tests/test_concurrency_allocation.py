"""Provisioned concurrency allocations a deploy waits for, on the sandbox: the progress it shows,
a FAILED allocation (Lambda's StatusReason; a moved alias put back where it was, still warm),
and ``--no-wait``."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from concurrency_testkit import REGION, wait_for, write_fn

pytestmark = pytest.mark.slow  # a sandbox server of the module's own

BROKEN = "raise RuntimeError('cannot reach the database')\n"


@pytest.fixture
def lam(sandbox: Any, sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    return boto3.client("lambda", endpoint_url=sandbox_endpoint, region_name=REGION)


def _config(lam: Any, name: str) -> dict[str, Any]:
    return lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="current")


def test_a_deploy_waits_for_ready_and_says_how_the_allocation_goes(
    lam: Any, lh: Any, tmp_path: Path
) -> None:
    fn = write_fn(tmp_path / "a", "pc-wait", concurrency={"ProvisionedConcurrency": {"current": 3}})
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    assert "WaitProvisionedConcurrency current: 3 READY" in r.out  # the step, done
    assert "... current: " in r.err and "allocated (IN_PROGRESS)" in r.err  # its progress
    got = _config(lam, "pc-wait")
    assert (got["Status"], got["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 3)
    resp = lam.invoke(FunctionName="pc-wait", Qualifier="current", LogType="Tail", Payload=b"{}")
    assert b"Init Duration" not in base64.b64decode(resp["LogResult"])  # pre-warmed


def test_no_wait_leaves_the_waits_out(lam: Any, lh: Any, tmp_path: Path) -> None:
    fn = write_fn(
        tmp_path / "b", "pc-nowait", concurrency={"ProvisionedConcurrency": {"current": 2}}
    )
    r = lh("-C", fn, "--output", "json", "deploy", "--no-wait")
    assert r.code == 0, r.err
    kinds = [s["step"] for s in json.loads(r.out)["steps"]]
    assert "PutProvisionedConcurrency" in kinds and "WaitProvisionedConcurrency" not in kinds
    wait_for(lambda: _config(lam, "pc-nowait")["Status"] == "READY")


def test_a_failed_allocation_stops_the_deploy_with_lambdas_reason(
    lam: Any, lh: Any, tmp_path: Path
) -> None:
    fn = write_fn(
        tmp_path / "c", "pc-broken", concurrency={"ProvisionedConcurrency": {"current": 2}}
    )
    (fn / "app.py").write_text(BROKEN)
    r = lh("-C", fn, "deploy")
    assert r.code == 1
    assert "pc-broken:current: provisioned concurrency FAILED: FUNCTION_ERROR_INIT_FAILURE" in r.err
    assert "cannot reach the database" in r.err and "Traceback" not in r.err
    got = _config(lam, "pc-broken")
    assert got["Status"] == "FAILED" and "FUNCTION_ERROR_INIT_FAILURE" in got["StatusReason"]


def test_a_new_version_that_cannot_initialise_leaves_the_alias_where_it_was_and_warm(
    lam: Any, lh: Any, tmp_path: Path
) -> None:
    fn = write_fn(tmp_path / "d", "pc-move", concurrency={"ProvisionedConcurrency": {"current": 2}})
    assert lh("-C", fn, "deploy").code == 0
    (fn / "app.py").write_text(BROKEN)
    r = lh("-C", fn, "deploy")
    assert r.code == 1
    assert "pc-move:current: provisioned concurrency FAILED: FUNCTION_ERROR_INIT_FAILURE" in r.err
    assert "alias current left on version 1" in r.err
    alias = lam.get_alias(FunctionName="pc-move", Name="current")
    assert alias["FunctionVersion"] == "1"
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    got = wait_for(lambda: _config(lam, "pc-move")["Status"] == "READY" and _config(lam, "pc-move"))
    assert got["AvailableProvisionedConcurrentExecutions"] == 2
    resp = lam.invoke(FunctionName="pc-move", Qualifier="current", LogType="Tail", Payload=b"{}")
    assert resp["ExecutedVersion"] == "1" and "FunctionError" not in resp
    assert b"Init Duration" not in base64.b64decode(resp["LogResult"])  # still the old, warm
