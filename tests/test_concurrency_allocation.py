"""Provisioned concurrency allocations a deploy waits for, on the sandbox: the progress it shows
(gated on the sandbox clock, so every line is certain), the deadline,
a FAILED allocation (Lambda's StatusReason; a moved alias put back where it was, still warm),
and ``--no-wait``."""

from __future__ import annotations

import base64
import json
import re
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


def test_a_deploy_waits_for_ready_and_the_alias_serves_warm(
    lam: Any, lh: Any, tmp_path: Path
) -> None:
    fn = write_fn(tmp_path / "a", "pc-wait", concurrency={"ProvisionedConcurrency": {"current": 3}})
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    assert "WaitProvisionedConcurrency current: 3 READY" in r.out  # the step, done
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


def test_an_allocation_still_in_progress_at_the_deadline_is_said_with_what_to_do(
    lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lambherd.apply.handlers.concurrency as handlers
    import lambherd.sandbox.provisioned as provisioned
    from sandbox_testkit import in_process, use_private_sandbox

    monkeypatch.setattr(provisioned, "ALLOCATION_SECONDS", 3600.0)  # sandbox time: never, here
    monkeypatch.setattr(handlers, "PROVISIONED_WAIT_S", 1.0)
    with in_process(tmp_path / "state") as sb:
        use_private_sandbox(monkeypatch, tmp_path, sb.port, tmp_path / "state")
        for key, value in {
            "AWS_ENDPOINT_URL": sb.endpoint,
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            monkeypatch.setenv(key, value)
        fn = write_fn(
            tmp_path / "e", "pc-slow", concurrency={"ProvisionedConcurrency": {"current": 1}}
        )
        r = lh("-C", fn, "deploy")
        assert r.code == 1
        # (the one environment may or may not be up by then: the count says which)
        still = r"pc-slow:current: provisioned concurrency still IN_PROGRESS \([01]/1\) after 1s"
        assert re.search(still, r.err), r.err
        assert "run the deploy again to go on waiting" in r.err


def test_the_wait_says_how_the_allocation_goes_until_it_is_ready(
    lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import lambherd.apply.handlers.concurrency as handlers
    import lambherd.sandbox.provisioned as provisioned
    from lambherd.apply.executor import StepRun
    from sandbox_testkit import in_process, use_private_sandbox

    monkeypatch.setattr(provisioned, "ALLOCATION_SECONDS", 3600.0)  # READY once the clock moves
    monkeypatch.setattr(handlers, "PROVISIONED_WAIT_S", 120.0)  # a stuck wait fails, not hangs
    said: list[str] = []  # every progress text the wait gave, as the run got it
    progress = StepRun.progress

    def recorded(self: StepRun, step: Any, text: str, **data: Any) -> None:
        said.append(text)
        progress(self, step, text, **data)

    monkeypatch.setattr(StepRun, "progress", recorded)
    with in_process(tmp_path / "state") as sb:
        use_private_sandbox(monkeypatch, tmp_path, sb.port, tmp_path / "state")
        for key, value in {
            "AWS_ENDPOINT_URL": sb.endpoint,
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            monkeypatch.setenv(key, value)
        problems: list[BaseException] = []

        def once_said(text: str) -> threading.Thread:
            """Move the sandbox clock past the allocation's time once the wait has said
            ``text`` (every environment up, the config still IN_PROGRESS)."""

            def run() -> None:
                try:
                    wait_for(lambda: text in said, timeout=150)
                    sb.app.clock.advance(3600)
                except BaseException as exc:  # seen by the test, not lost in the thread
                    problems.append(exc)

            mover = threading.Thread(target=run, daemon=True)
            mover.start()
            return mover

        def deploy(text: str) -> Any:
            said.clear()
            mover = once_said(text)
            r = lh("-C", fn, "deploy")
            mover.join(timeout=60)
            assert problems == [] and r.code == 0, (problems, r.err)
            counts = [int(m.group(1)) for m in map(re.compile(r"current: (\d)/2 ").search, said)]
            assert counts == sorted(counts) and counts[-1] == 2, said  # up to every one
            for line in said:
                assert f"  ... {line}" in r.err
            return r

        fn = write_fn(
            tmp_path / "p", "pc-progress", concurrency={"ProvisionedConcurrency": {"current": 2}}
        )
        r = deploy("current: 2/2 allocated (IN_PROGRESS)")
        assert "WaitProvisionedConcurrency current: 2 READY" in r.out

        write_fn(tmp_path / "p", "pc-progress", tag="v2")  # a code change: a new version
        deploy("current: 2/2 allocated (IN_PROGRESS), version 1 serving meanwhile")
        assert all(line.endswith(", version 1 serving meanwhile") for line in said), said
        lam = sb.client("lambda", REGION)
        alias = lam.get_alias(FunctionName="pc-progress", Name="current")
        assert alias["FunctionVersion"] == "2" and not alias.get("RoutingConfig")


def test_dry_run_shows_every_concurrency_step_and_sends_nothing(
    lam: Any, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deploy_testkit import mutating, recording

    scaled = {
        "ReservedConcurrentExecutions": 5,
        "ProvisionedConcurrency": {"current": 1},
        "Autoscaling": {
            "current": {
                "MinCapacity": 1,
                "MaxCapacity": 3,
                "ScheduledActions": [
                    {"Name": "night", "Schedule": "cron(0 22 * * ? *)", "MinCapacity": 1}
                ],
                "TargetTracking": {"TargetValue": 0.5},
            }
        },
    }
    fn = write_fn(tmp_path / "dry", "pc-dry", concurrency=scaled)
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy", "--dry-run")
    assert r.code == 0, r.err
    for step in (
        "PutReservedConcurrency 5 (was none)",
        "PutProvisionedConcurrency current: 1 (was none)",
        "WaitProvisionedConcurrency current: 1 READY",
        "RegisterScalableTarget function:pc-dry:current 1-3 (new)",
        "PutScheduledAction current night: cron(0 22 * * ? *)",
        "PutScalingPolicy current lambherd-provisioned-utilization: target tracking 0.5 (new)",
    ):
        assert step in r.out, (step, r.out)
    assert mutating(rec.names) == []
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="pc-dry")
