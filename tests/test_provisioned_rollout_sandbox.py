"""Provisioned concurrency following a staged rollout, on the sandbox in ap-northeast-1: the
new version's own configuration is READY before the first shift (seen by a boto3 watcher
while the rollout runs, and on the timeline), gone once the alias's configuration has moved
onto it; a rollback and a FAILED allocation leave no version-level configuration either, nor
does ``rollout resume`` or ``rollout abort`` of a split a Ctrl-C left."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import recording
from rollout_testkit import (
    TrafficGenerator,
    interrupted_deploy,
    point_at_sandbox,
    timeline_seconds,
    write_function,
)

pytestmark = pytest.mark.slow  # a sandbox server of the module's own, runtime processes

PROVISIONED = {"ProvisionedConcurrency": {"current": 2}}
BROKEN_INIT = 'raise RuntimeError("this version cannot start")\n'


@pytest.fixture
def cloud(sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """lambherd and boto3 pointed at the module's sandbox, in ap-northeast-1."""
    return point_at_sandbox(sandbox_endpoint, monkeypatch, tmp_path)


def provisioned_function(folder: Path, name: str, tag: str, **kwargs: Any) -> Path:
    write_function(folder, name, tag, **kwargs)
    (folder / "concurrency.json").write_text(json.dumps(PROVISIONED))
    (folder / ".lambdaignore").write_text(
        (folder / ".lambdaignore").read_text() + "concurrency.json\n"
    )
    return folder


def version_config(lam: Any, name: str, version: str) -> dict[str, Any] | None:
    try:
        return lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
    except lam.exceptions.ProvisionedConcurrencyConfigNotFoundException:
        return None
    except lam.exceptions.ResourceNotFoundException:  # the version is not published yet
        return None


@dataclass
class SplitWatch:
    """Polls the alias, the new version's provisioned configuration, then the alias again.

    A sample counts only when both alias reads carry the same RevisionId: the configuration was
    then read while the alias stood in that state. (A rollback moves the alias, then releases
    the version's configuration; one read of each could straddle both and pair a split with a
    configuration already gone.)"""

    lam: Any
    name: str
    version: str
    seen: list[tuple[float, dict[str, float], str | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> SplitWatch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                alias = self.lam.get_alias(FunctionName=self.name, Name="current")
                weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
                config = version_config(self.lam, self.name, self.version)
                status = config["Status"] if config else None
                after = self.lam.get_alias(FunctionName=self.name, Name="current")
                if after["RevisionId"] == alias["RevisionId"]:
                    self.seen.append((time.time(), dict(weights), status))
            except Exception as exc:  # recorded: the test asserts there is none
                self.errors.append(f"{type(exc).__name__}: {exc}")
            self._stop.wait(0.02)

    def while_split(self) -> set[str | None]:
        """The version configuration's statuses seen while the new version had a share."""
        return {status for _, weights, status in self.seen if weights.get(self.version, 0) > 0}


def test_a_canary_warms_the_new_version_before_the_first_shift_and_releases_it_after(
    cloud, lh, tmp_path: Path
) -> None:
    name = "pr-canary"
    lam = cloud("lambda")
    fn = provisioned_function(tmp_path / "fn", name, "one")
    first = lh("-C", fn, "deploy")
    assert first.code == 0, first.err
    alias_config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="current")
    assert alias_config["Status"] == "READY"
    provisioned_function(fn, name, "two")
    with SplitWatch(lam, name, "2") as watch, TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(5)
        result = lh("-C", fn, "--output", "json", "deploy", "--strategy", "canary:10:2s")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    steps = [s["step"] for s in doc["steps"]]
    assert steps.index("WaitProvisionedConcurrency") < steps.index("ShiftTraffic")
    timeline = doc["timeline"]
    ready = [e for e in timeline if e["event"] == "provisioned" and e["qualifier"] == "2"]
    shifts = [e for e in timeline if e["event"] == "shift"]
    assert len(ready) == 1 and ready[0]["status"] == "READY" and ready[0]["available"] == 2
    assert timeline_seconds(ready[0]["at"]) <= timeline_seconds(shifts[0]["at"])
    # seen from outside: while version 2 had a share, its own configuration was READY
    assert watch.errors == []
    assert watch.while_split() == {"READY"}
    assert any(weights.get("2") for _, weights, _ in watch.seen)  # the watcher saw the split
    # after: the alias's configuration covers version 2; no version-level one is left
    assert version_config(lam, name, "2") is None
    alias_config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="current")
    assert alias_config["Status"] == "READY"
    assert alias_config["AllocatedProvisionedConcurrentExecutions"] == 2
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)
    assert [
        c["FunctionArn"].rsplit(":", 1)[1] for c in listed["ProvisionedConcurrencyConfigs"]
    ] == ["current"]
    alias = lam.get_alias(FunctionName=name, Name="current")
    assert alias["FunctionVersion"] == "2"
    assert traffic.broken() == []


def test_a_rolled_back_canary_releases_the_new_versions_configuration(
    cloud, lh, tmp_path: Path
) -> None:
    name = "pr-rollback"
    lam = cloud("lambda")
    fn = provisioned_function(tmp_path / "fn", name, "one")
    assert lh("-C", fn, "deploy").code == 0
    provisioned_function(fn, name, "two", failing=True)
    with SplitWatch(lam, name, "2") as watch, TrafficGenerator(cloud, name) as traffic:
        traffic.wait_for(5)
        result = lh("-C", fn, "deploy", "--strategy", "canary:50:5s")
    assert result.code == 1
    assert "alias current is back on version 1 (version 2 kept)" in result.err
    assert watch.errors == [] and watch.while_split() == {"READY"}
    assert version_config(lam, name, "2") is None
    alias = lam.get_alias(FunctionName=name, Name="current")
    assert alias["FunctionVersion"] == "1"
    alias_config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="current")
    assert alias_config["Status"] == "READY"
    assert traffic.broken() == []


def test_a_failed_allocation_stops_the_rollout_before_any_traffic_moves(
    cloud, lh, tmp_path: Path, monkeypatch
) -> None:
    name = "pr-failed"
    lam = cloud("lambda")
    fn = provisioned_function(tmp_path / "fn", name, "one")
    assert lh("-C", fn, "deploy").code == 0
    before = lam.get_alias(FunctionName=name, Name="current")
    (fn / "app.py").write_text(BROKEN_INIT)
    rec = recording(monkeypatch)
    result = lh("-C", fn, "deploy", "--strategy", "canary10-5m")
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err  # one line says it (progress lines aside)
    assert errors[0].startswith(f"error: {name}:2: provisioned concurrency FAILED: "), errors
    assert "the rollout stopped before any traffic moved (alias current unchanged" in errors[0]
    assert "Traceback" not in result.err
    assert "UpdateAlias" not in rec.names
    after = lam.get_alias(FunctionName=name, Name="current")
    assert after["RevisionId"] == before["RevisionId"] and after["FunctionVersion"] == "1"
    assert version_config(lam, name, "2") is None


def left_split(cloud: Any, fn: Path, name: str) -> None:
    """Deploy version 2 linearly and Ctrl-C it once version 2 serves a share (left split)."""
    lam = cloud("lambda")

    def shifted() -> bool:
        alias = lam.get_alias(FunctionName=name, Name="current")
        return bool((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights"))

    code, err = interrupted_deploy(
        fn,
        *("--strategy", "linear:20:5s", "--on-interrupt", "leave"),
        when=shifted,
        what="version 2's first share",
    )
    assert code == 130, err
    assert "left split" in err
    assert version_config(lam, name, "2")["Status"] == "READY"  # it serves its share warm


@pytest.mark.parametrize("verb", ["resume", "abort"])
def test_ending_a_split_left_by_ctrl_c_releases_the_new_versions_configuration(
    verb: str, cloud, lh, tmp_path: Path
) -> None:
    name = f"pr-left-{verb}"
    lam = cloud("lambda")
    fn = provisioned_function(tmp_path / "fn", name, "one")
    assert lh("-C", fn, "deploy").code == 0
    provisioned_function(fn, name, "two")
    left_split(cloud, fn, name)
    ended = lh("-C", fn, "--output", "json", "rollout", verb)
    assert ended.code == 0, ended.err
    assert json.loads(ended.out)["ok"] is True
    assert version_config(lam, name, "2") is None
    alias = lam.get_alias(FunctionName=name, Name="current")
    assert alias["FunctionVersion"] == ("2" if verb == "resume" else "1")
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    alias_config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="current")
    assert alias_config["Status"] == "READY"
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)
    assert [
        c["FunctionArn"].rsplit(":", 1)[1] for c in listed["ProvisionedConcurrencyConfigs"]
    ] == ["current"]
