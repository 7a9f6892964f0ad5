"""Rollouts against the sandbox in ap-northeast-1, with a traffic generator invoking the alias
from threads the whole time: a healthy version goes 10 % -> 100 % through every step; one that
fails 30 % is rolled back within one interval of its first shift, with the reason; a failing
pre-traffic test stops it before any traffic moves; an alarm gate; Ctrl-C, then ``rollout
status``, then ``rollout resume``; a project's rollouts in parallel with ``--fail-fast``; bad
input refused before any mutating call. Every invocation of the generator is recorded: the
alias always serves one of the two versions and no call fails because of a switch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import mutating, recording
from rollout_testkit import (
    ROLLOUT_REGION,
    TrafficGenerator,
    interrupted_deploy,
    point_at_sandbox,
    timeline_seconds,
    wait_until,
    write_function,
)

pytestmark = pytest.mark.slow  # a sandbox server of the module's own, runtime processes


@pytest.fixture
def cloud(sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """lambherd and boto3 pointed at the module's sandbox, in ap-northeast-1."""
    return point_at_sandbox(sandbox_endpoint, monkeypatch, tmp_path)


def deployed(lh: Any, folder: Path, *args: str) -> Any:
    result = lh("-C", folder, *args)
    assert result.code == 0, result.err
    return result


def alias_of(cloud: Any, name: str) -> dict[str, Any]:
    return cloud("lambda").get_alias(FunctionName=name, Name="current")


def weights(doc: dict[str, Any]) -> dict[str, float]:
    return (doc.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


def test_a_healthy_version_goes_through_every_step_to_100(cloud, lh, tmp_path: Path) -> None:
    name = "ro-healthy"
    fn = write_function(tmp_path / "fn", name, "one")
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two")
    with TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(10)
        result = lh("-C", fn, "--output", "json", "deploy", "--strategy", "linear:10:1s")
        traffic.wait_for(len(traffic.records) + 10)  # and some calls after the end
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["version"] == "2"
    shifts = [e for e in doc["timeline"] if e["event"] == "shift"]
    assert [e["weights"]["2"] for e in shifts] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    finals = [e for e in doc["timeline"] if e["event"] == "gates" and e["final"]]
    assert len(finals) == 9 and all(e["ok"] for e in finals)
    assert sum(e["figures"]["invocations"] for e in finals) > 0  # the gates saw the traffic
    assert [s["step"] for s in doc["steps"]].count("BakeTraffic") == 9
    # nothing lost: every call answered, by one of the two versions, without an error
    assert traffic.broken() == []
    assert traffic.versions() == {"1", "2"}
    assert all(r.function_error is None for r in traffic.records)
    first, last = timeline_seconds(shifts[0]["at"]), timeline_seconds(shifts[-1]["at"])
    assert traffic.served_between(0, first - 0.001) <= {"1"}
    assert traffic.served_between(last + 0.001, time.time()) == {"2"}
    after = alias_of(cloud, name)
    assert after["FunctionVersion"] == "2" and weights(after) == {}
    assert after.get("Description", "") == ""  # the marker is gone with the split
    status = lh("-C", fn, "rollout", "status")
    assert status.code == 0 and "version 2 100%" in status.out
    assert "no rollout in progress" in status.out


def test_a_version_failing_30_percent_is_rolled_back_within_one_interval(
    cloud, lh, tmp_path: Path
) -> None:
    name = "ro-failing"
    fn = write_function(tmp_path / "fn", name, "one")
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two", failing=True)
    interval = 8.0
    with TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(10)
        result = lh("-C", fn, "--output", "json", "deploy", "--strategy", "canary:20:8s")
        rolled_back_at = time.time()
        traffic.wait_for(len(traffic.records) + 20)
    assert result.code == 1
    assert "rollout of version 2 stopped at 20%: error rate" in result.err
    assert "of the new version is above 1%" in result.err
    assert "alias current is back on version 1 (version 2 kept)" in result.err
    doc = json.loads(result.out)  # the timeline, up to the rollback
    assert doc["rolled_back"] is True
    events = [e["event"] for e in doc["timeline"]]
    assert events[0] == "shift" and events[-1] == "rollback"
    shift_at = timeline_seconds(doc["timeline"][0]["at"])
    back_at = timeline_seconds(doc["timeline"][-1]["at"])
    assert back_at - shift_at < interval
    failed = [e for e in doc["timeline"] if e["event"] == "gates" and not e["ok"]]
    assert failed[0]["failed"] == "error rate" and failed[0]["figures"]["errors"] > 0
    after = alias_of(cloud, name)
    assert after["FunctionVersion"] == "1" and weights(after) == {}
    assert cloud("lambda").get_function(FunctionName=name, Qualifier="2")  # kept
    # the calls: answered by 1 or 2; only version 2's own errors, none because of a switch
    assert traffic.broken() == []
    assert traffic.versions() == {"1", "2"}
    errors = [r for r in traffic.records if r.function_error]
    assert errors and {(r.version, r.error_type) for r in errors} == {("2", "RuntimeError")}
    assert traffic.served_between(rolled_back_at, time.time()) == {"1"}
    status = lh("-C", fn, "rollout", "status")
    assert "last rollout (canary:20:8s) of version 2 rolled back: error rate" in status.out


def test_a_failing_pre_traffic_test_stops_it_before_any_traffic_moves(
    cloud, lh, tmp_path: Path, monkeypatch
) -> None:
    name = "ro-pretest"
    case = [{"name": "answers two", "payload": {}, "expect": {"contains": {"v": "two"}}}]
    fn = write_function(tmp_path / "fn", name, "one", tests=case)
    deployed(lh, fn, "deploy")
    write_function(fn, name, "deux", tests=case)
    before = alias_of(cloud, name)
    rec = recording(monkeypatch)
    with TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(5)
        result = lh("-C", fn, "deploy", "--strategy", "canary10-5m", "--pre-traffic")
    assert result.code == 1
    assert (
        "rollout of version 2 stopped before any traffic moved: pre-traffic test 'answers two' "
        "failed: response does not contain the expected subset (version 2 kept)"
    ) in result.err
    assert "UpdateAlias" not in rec.names
    invoked = rec.params_of("Invoke")
    assert [p.get("Qualifier") for p in invoked] == ["2"]  # the test ran on the new version
    after = alias_of(cloud, name)
    assert after["FunctionVersion"] == "1" and weights(after) == {}
    assert after["RevisionId"] == before["RevisionId"]
    assert traffic.versions() == {"1"} and traffic.broken() == []


def test_a_failing_post_traffic_test_rolls_back_from_100(cloud, lh, tmp_path: Path) -> None:
    name = "ro-posttest"
    case = [{"name": "answers one", "payload": {}, "expect": {"contains": {"v": "one"}}}]
    fn = write_function(tmp_path / "fn", name, "one", tests=case)
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two", tests=case)
    with TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(5)
        result = lh("-C", fn, "deploy", "--strategy", "canary:50:1s", "--post-traffic")
    assert result.code == 1
    assert "rollout of version 2 stopped at 100%: post-traffic test 'answers one' failed" in (
        result.err
    )
    assert "alias current is back on version 1 (version 2 kept)" in result.err
    after = alias_of(cloud, name)
    assert after["FunctionVersion"] == "1" and weights(after) == {}
    assert traffic.broken() == []


def test_a_slower_version_fails_the_p99_gate(cloud, lh, tmp_path: Path) -> None:
    name = "ro-slower"
    root = tmp_path / "p99shop"
    fn = write_function(root / "functions" / "api", name, "one")
    (root / "lambherd.toml").write_text(
        '[project]\nname = "p99shop"\n\n[defaults]\nstrategy = "canary:50:10s"\n\n'
        "[defaults.rollout]\nmax_p99_ratio = 3\nmin_invocations = 5\n"
    )
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two", delay=1.5)
    with TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(10)
        result = lh("-C", fn, "deploy")
    assert result.code == 1
    assert "stopped at 50%: p99 duration" in result.err
    assert "of the new version is above 3 x the old version's" in result.err
    assert alias_of(cloud, name)["FunctionVersion"] == "1"
    assert traffic.broken() == []


def test_the_logs_and_the_metrics_of_a_step_agree_in_the_sandbox(cloud, lh, tmp_path: Path) -> None:
    """What a step waits for on AWS (metrics catching up with the logs) holds at once here."""
    from lambherd.aws import AwsClients, AwsSettings
    from lambherd.rollout.evidence import EvidenceReader
    from lambherd.rollout.gates import GateSettings

    name = "ro-evidence"
    fn = write_function(tmp_path / "fn", name, "one")
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two")
    start = time.time()
    with TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(5)
        deployed(lh, fn, "deploy", "--strategy", "canary:50:2s")
    lam = cloud("lambda")
    lam.invoke(FunctionName=name, Qualifier="2", Payload=b"{}")  # by its number, not the alias
    clients = AwsClients(AwsSettings(region=ROLLOUT_REGION))
    reader = EvidenceReader(
        clients, name, "current", "2", "1", GateSettings(), f"/aws/lambda/{name}"
    )
    figures = reader.read(start, time.time(), settle=True)
    served = sum(1 for r in traffic.records if r.version == "2")
    assert figures.invocations >= served - 3  # calls in flight when the generator stopped
    assert figures.logged == figures.invocations + 1 and figures.complete
    assert figures.errors == 0 and figures.throttles == 0


def test_an_alarm_gate_evaluated_by_the_sandbox_rolls_back(cloud, lh, tmp_path: Path) -> None:
    name = "ro-alarmed"
    root = tmp_path / "shop"
    fn = write_function(root / "functions" / "orders", name, "one")
    (root / "lambherd.toml").write_text(
        '[project]\nname = "shop"\n\n[defaults]\nstrategy = "canary:20:8s"\n\n'
        '[defaults.rollout]\nalarms = ["ro-alarmed-v2-errors"]\nmax_error_rate = 0.99\n'
    )
    deployed(lh, fn, "deploy")
    cw = cloud("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="ro-alarmed-v2-errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[
            {"Name": "FunctionName", "Value": name},
            {"Name": "Resource", "Value": f"{name}:current"},
            {"Name": "ExecutedVersion", "Value": "2"},
        ],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    state = cw.describe_alarms(AlarmNames=["ro-alarmed-v2-errors"])["MetricAlarms"][0]
    assert state["StateValue"] == "OK"  # no data, treated as not breaching
    write_function(fn, name, "two", failing=True)
    with TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(10)
        result = lh("-C", fn, "deploy")  # the strategy and the gates come from lambherd.toml
    assert result.code == 1
    assert (
        "alarm ro-alarmed-v2-errors gate: alarm ro-alarmed-v2-errors is in ALARM" not in result.err
    )
    assert "stopped at 20%: alarm ro-alarmed-v2-errors is in ALARM: Threshold Crossed" in result.err
    alarm = cw.describe_alarms(AlarmNames=["ro-alarmed-v2-errors"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM"
    assert alias_of(cloud, name)["FunctionVersion"] == "1"
    assert traffic.broken() == []


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "lambherd", *args]


def test_ctrl_c_then_status_then_resume(cloud, lh, tmp_path: Path) -> None:
    name = "ro-interrupted"
    fn = write_function(tmp_path / "fn", name, "one")
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two")
    with TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(10)
        code, err = interrupted_deploy(
            fn,
            *("--strategy", "linear:20:4s", "--on-interrupt", "leave"),
            when=lambda: weights(alias_of(cloud, name)).get("2", 0) >= 0.4,
            what="40 %",
        )
        assert code == 130, err
        split = alias_of(cloud, name)
        assert split["FunctionVersion"] == "1"
        share = round(weights(split)["2"] * 100)  # 40 %, or more on a slow machine
        assert share in (40, 60, 80)
        assert f"interrupted at {share}% (version 1 {100 - share}%, version 2 {share}%)" in err
        assert "left split" in err
        status = lh("-C", fn, "rollout", "status")
        assert status.code == 0, status.err
        assert f"version 1 {100 - share}%, version 2 {share}%" in status.out
        assert (
            f"rollout linear:20:4s: version 1 -> 2, interrupted, step {share // 20}/5" in status.out
        )
        doc = json.loads(lh("-C", fn, "--output", "json", "rollout", "status").out)
        assert doc["state"] == "interrupted" and doc["weights"] == {"1": 100 - share, "2": share}
        assert doc["rollout"]["from_version"] == "1" and doc["next_weight"] == share + 20
        resumed = lh("-C", fn, "rollout", "resume")
        traffic.wait_for(len(traffic.records) + 10)
    assert resumed.code == 0, resumed.err
    assert f"ResumeRollout current: 1 -> 2 at {share}% (linear:20:4s)" in resumed.out
    assert "ShiftTraffic current: 100% to version 2 (5/5)" in resumed.out
    done = alias_of(cloud, name)
    assert done["FunctionVersion"] == "2" and weights(done) == {}
    assert traffic.broken() == [] and traffic.versions() == {"1", "2"}
    assert all(r.function_error is None for r in traffic.records)


def test_ctrl_c_rolls_back_by_default_without_a_terminal(cloud, lh, tmp_path: Path) -> None:
    name = "ro-ctrl-c"
    fn = write_function(tmp_path / "fn", name, "one")
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two")
    code, err = interrupted_deploy(
        fn,
        *("--strategy", "canary:10:30s"),
        when=lambda: weights(alias_of(cloud, name)),
        what="the first shift",
        stdin=subprocess.DEVNULL,
    )
    assert code == 130
    assert "interrupted at 10%" in err and "rolled back (version 1 alone)" in err
    after = alias_of(cloud, name)
    assert after["FunctionVersion"] == "1" and weights(after) == {}


def test_ctrl_c_on_a_terminal_asks_and_no_leaves_the_split(cloud, lh, tmp_path: Path) -> None:
    import pty

    name = "ro-asked"
    fn = write_function(tmp_path / "fn", name, "one")
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two")
    terminal, tty = pty.openpty()
    proc = subprocess.Popen(
        _cli("-C", str(fn), "deploy", "--strategy", "canary:10:30s"),
        stdin=tty,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    os.close(tty)
    try:
        wait_until(lambda: weights(alias_of(cloud, name)), 90, "the first shift")
        proc.send_signal(signal.SIGINT)
        os.write(terminal, b"n\n")  # the answer to the question, read once it is asked
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(terminal)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "roll back ro-asked to the old version? (no: leave the split as it is)" in err, repr(err)
    assert "ro-asked: left split" in err
    assert weights(alias_of(cloud, name)) == {"2": 0.1}
    assert lh("-C", fn, "rollout", "abort").code == 0


def test_a_deploy_during_our_split_converges_and_never_stacks_a_third_version(
    cloud, lh, tmp_path: Path
) -> None:
    name = "ro-converge"
    fn = write_function(tmp_path / "fn", name, "one")
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two")
    interrupted_deploy(
        fn,
        *("--strategy", "linear:25:30s", "--on-interrupt", "leave"),
        when=lambda: weights(alias_of(cloud, name)),
        what="the first shift",
    )
    assert weights(alias_of(cloud, name)) == {"2": 0.25}
    # the same code again: the rollout of version 2 goes on (nothing published)
    plan = lh("-C", fn, "deploy", "--dry-run", "--strategy", "linear:25:1s")
    assert "ResumeRollout current: 1 -> 2 at 25% (linear:25:30s)" in plan.out
    assert "PublishVersion" not in plan.out
    # a third version: one UpdateAlias takes version 2 out and the new one in (1 stays primary)
    write_function(fn, name, "three")
    with TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(5)
        result = lh("-C", fn, "--output", "json", "deploy", "--strategy", "canary:50:1s")
        traffic.wait_for(len(traffic.records) + 5)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    first = next(e for e in doc["timeline"] if e["event"] == "shift")
    assert first["weights"] == {"1": 50, "3": 50}
    assert alias_of(cloud, name)["FunctionVersion"] == "3"
    assert traffic.broken() == []
    assert traffic.versions() <= {"1", "2", "3"}
    last_two = timeline_seconds(first["at"])
    assert traffic.served_between(last_two + 0.001, time.time()) <= {"1", "3"}


def test_rollout_abort_puts_the_old_version_back(cloud, lh, tmp_path: Path) -> None:
    name = "ro-abort"
    fn = write_function(tmp_path / "fn", name, "one")
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two")
    lam = cloud("lambda")
    assert lh("-C", fn, "rollout", "abort").code == 1  # nothing to abort yet
    interrupted_deploy(
        fn,
        *("--strategy", "canary:10:30s", "--on-interrupt", "leave"),
        when=lambda: weights(alias_of(cloud, name)),
        what="the first shift",
    )
    shown = lh("-C", fn, "rollout", "abort", "--dry-run")
    assert "RollBackTraffic current: 100% to version 1" in shown.out
    assert weights(alias_of(cloud, name)) == {"2": 0.1}
    # from "another machine": only the function's name, no folder
    other = tmp_path / "elsewhere"
    other.mkdir()
    aborted = lh("-C", other, "rollout", "abort", "--function-name", name)
    assert aborted.code == 0, aborted.err
    after = lam.get_alias(FunctionName=name, Name="current")
    assert after["FunctionVersion"] == "1" and weights(after) == {}
    status = lh("-C", other, "rollout", "status", "--function-name", name)
    assert "rolled back: aborted (lambherd rollout abort)" in status.out


def project_of(root: Path, names: dict[str, bool]) -> Path:
    """A project (named after its folder) with one function per name."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "lambherd.toml").write_text(
        f'[project]\nname = "{root.name}"\n\n[defaults]\nstrategy = "linear:25:3s"\n'
    )
    for name in names:
        write_function(root / "functions" / name, name, "one")
    return root


def test_a_project_rolls_out_in_parallel_and_fail_fast_rolls_the_others_back(
    cloud, lh, tmp_path: Path
) -> None:
    names = {"ro-shop-good": False, "ro-shop-bad": True}
    root = project_of(tmp_path / "shop", names)
    deployed(lh, root, "deploy")
    for name, fails in names.items():
        write_function(root / "functions" / name, name, "two", failing=fails)
    with (
        TrafficGenerator(cloud, "ro-shop-good", threads=2) as good,
        TrafficGenerator(cloud, "ro-shop-bad", threads=2) as bad,
    ):
        good.wait_for(5)
        bad.wait_for(5)
        result = lh("-C", root, "--output", "json", "deploy", "--fail-fast")
    assert result.code == 1
    doc = json.loads(result.out)
    outcomes = {f["function"]: f for f in doc["deploy"]["functions"]}
    assert "error rate" in outcomes["ro-shop-bad"]["error"]
    assert "another function failed (--fail-fast)" in outcomes["ro-shop-good"]["error"]
    assert outcomes["ro-shop-good"]["timeline"][-1]["event"] == "rollback"
    for name in names:
        after = alias_of(cloud, name)
        assert after["FunctionVersion"] == "1" and weights(after) == {}, name
    assert good.broken() == [] and bad.broken() == []


def test_a_project_shows_each_functions_weight_and_gates(cloud, lh, tmp_path: Path) -> None:
    names = {"ro-mall-a": False, "ro-mall-b": False}
    root = project_of(tmp_path / "mall", names)
    deployed(lh, root, "deploy")
    for name in names:
        write_function(root / "functions" / name, name, "two")
    plan = json.loads(lh("-C", root, "--output", "json", "plan").out)
    changes = {f["function"]: f["changes"] for f in plan["functions"]}
    assert changes == {
        n: ["code", "version", "alias current", "rollout linear:25:3s"] for n in names
    }
    with (
        TrafficGenerator(cloud, "ro-mall-a", threads=2),
        TrafficGenerator(cloud, "ro-mall-b", threads=2),
    ):
        result = lh("-C", root, "deploy")
    assert result.code == 0, result.err
    for name in names:
        assert f"{name}: 25%: gates shifted" in result.err
        assert f"{name}: 75%: gates ok" in result.err
        assert alias_of(cloud, name)["FunctionVersion"] == "2"
    assert "Deploy: 2 deployed" in result.out


def test_bad_input_is_refused_before_any_mutating_call(
    cloud, lh, tmp_path: Path, monkeypatch
) -> None:
    name = "ro-refused"
    fn = write_function(tmp_path / "fn", name, "one")
    deployed(lh, fn, "deploy")
    write_function(fn, name, "two")
    rec = recording(monkeypatch)
    cases = [
        (("--strategy", "canry10-5m"), "error: --strategy 'canry10-5m' is not a strategy"),
        (("--strategy", "canary:150:5m"), "the percentage must be between 0 and 100"),
        (("--strategy", "linear:0:1m"), "between 0 and 100 (both excluded), got 0"),
        (
            ("--strategy", "canary10-5m", "--alarm", "no-such-alarm"),
            f"error: {name}: rollout gate alarm no-such-alarm not found in CloudWatch "
            f"({ROLLOUT_REGION})",
        ),
    ]
    for args, message in cases:
        rec.calls.clear()
        result = lh("-C", fn, "deploy", *args)
        assert result.code != 0 and message in result.err, (args, result.err)
        assert len(result.err.strip().splitlines()) <= 2 and "Traceback" not in result.err
        assert mutating(rec.names) == [], args
    # a split made by someone else
    lam = cloud("lambda")
    lam.publish_version(FunctionName=name)  # version 2, the old code, published by hand
    lam.update_alias(
        FunctionName=name,
        Name="current",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}},
    )
    rec.calls.clear()
    result = lh("-C", fn, "deploy", "--strategy", "canary10-5m")
    assert result.code == 1
    assert (
        "alias current already splits its traffic (version 1 primary, version 2 30%)" in result.err
    )
    assert "not a lambherd rollout; refusing to start a rollout over it" in result.err
    assert mutating(rec.names) == []
    assert lh("-C", fn, "rollout", "resume").code == 1  # nor resumed
    assert weights(alias_of(cloud, name)) == {"2": 0.3}
    dry = lh("-C", fn, "deploy", "--dry-run", "--strategy", "canary10-5m")
    assert dry.code == 1 and mutating(rec.names) == []
