"""Concurrency through the rest of a function's life, on the sandbox: imported into
concurrency.json (``init --download``, ``import --all``) so that the first plan is empty, and its
scaling removed with the function (``deploy --prune``, ``delete``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from concurrency_testkit import REGION, write_fn, write_project

pytestmark = pytest.mark.slow  # a sandbox server of the module's own

SCALED = {
    "ReservedConcurrentExecutions": 8,
    "ProvisionedConcurrency": {"current": 1},
    "Autoscaling": {
        "current": {
            "MinCapacity": 1,
            "MaxCapacity": 4,
            "ScheduledActions": [
                {
                    "Name": "night",
                    "Schedule": "cron(30 22 ? * MON-FRI *)",
                    "Timezone": "Europe/Paris",
                    "StartTime": "2027-01-04T00:00:00Z",
                    "MinCapacity": 1,
                    "MaxCapacity": 2,
                }
            ],
            "TargetTracking": {"TargetValue": 0.6, "ScaleInCooldown": 120},
        }
    },
}


@pytest.fixture
def aws(sandbox: Any, sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    return lambda service: boto3.client(service, endpoint_url=sandbox_endpoint, region_name=REGION)


def _targets(aws: Any, name: str) -> list[str]:
    found = aws("application-autoscaling").describe_scalable_targets(ServiceNamespace="lambda")
    return sorted(
        t["ResourceId"] for t in found["ScalableTargets"] if f":{name}:" in t["ResourceId"]
    )


def test_init_download_writes_concurrency_json_and_the_next_plan_is_empty(
    aws: Any, lh: Any, tmp_path: Path
) -> None:
    fn = write_fn(tmp_path / "src", "imp-one", concurrency=SCALED)
    assert lh("-C", fn, "deploy").code == 0
    plain = write_fn(tmp_path / "src2", "imp-plain")
    assert lh("-C", plain, "deploy").code == 0
    here = tmp_path / "imported"
    here.mkdir()
    r = lh("-C", here, "init", "--function-name", "imp-one", "--download", "--unzip")
    assert r.code == 0, r.err
    written = json.loads((here / "concurrency.json").read_text())
    assert written == {**SCALED, "ProvisionedConcurrency": {"current": 1}}
    r = lh("-C", here, "plan")
    assert r.code == 0 and "no changes" in r.out, r.out + r.err
    # a function with none of it gets no file: nothing is managed
    other = tmp_path / "imported-plain"
    other.mkdir()
    assert lh("-C", other, "init", "--function-name", "imp-plain", "--download").code == 0
    assert not (other / "concurrency.json").exists()


def test_import_all_then_the_project_plan_is_empty(aws: Any, lh: Any, tmp_path: Path) -> None:
    for name in ("impall-a", "impall-b"):
        fn = write_fn(tmp_path / "src" / name, name, concurrency=SCALED)
        assert lh("-C", fn, "deploy").code == 0
    root = tmp_path / "project"
    root.mkdir()
    r = lh("-C", root, "--yes", "import", "--all", "--prefix", "impall-")  # and tag them
    assert r.code == 0, r.err
    for name in ("impall-a", "impall-b"):
        assert (root / "functions" / name / "concurrency.json").is_file()
    r = lh("-C", root, "--output", "json", "plan")
    assert r.code == 0, r.err
    assert json.loads(r.out)["changed"] is False, r.out


def test_prune_and_delete_take_the_scaling_with_the_function(
    aws: Any, lh: Any, tmp_path: Path
) -> None:
    root = write_project(tmp_path / "shop", "prune-shop", ["pr-a", "pr-b"])
    assert lh("-C", root, "deploy").code == 0
    assert _targets(aws, "pr-a") == ["function:pr-a:current"]
    shutil.rmtree(root / "functions" / "pr-b")
    r = lh("-C", root, "--output", "json", "plan")
    (row,) = [f for f in json.loads(r.out)["functions"] if f["function"] == "pr-b"]
    assert row["operation"] == "delete"
    assert row["steps"] == [
        "DeregisterScalableTarget function:pr-b:current (with its actions and policies)",
        "DeleteFunction pr-b",
    ]
    assert lh("-C", root, "--yes", "deploy", "--prune").code == 0
    assert _targets(aws, "pr-b") == []
    scheduled = aws("application-autoscaling").describe_scheduled_actions(
        ServiceNamespace="lambda"
    )["ScheduledActions"]
    assert not [a for a in scheduled if ":pr-b:" in a["ResourceId"]]
    assert _targets(aws, "pr-a") == ["function:pr-a:current"]  # the other one kept
    r = lh("-C", root / "functions" / "pr-a", "--yes", "delete")
    assert r.code == 0, r.err
    assert _targets(aws, "pr-a") == []


def test_diff_shows_what_concurrency_json_changes(aws: Any, lh: Any, tmp_path: Path) -> None:
    fn = write_fn(tmp_path / "d", "diff-cc", concurrency=SCALED)
    assert lh("-C", fn, "deploy").code == 0
    r = lh("-C", fn, "diff", "--exit-code")
    assert r.code == 0 and r.out == "", r.out
    changed = json.loads(json.dumps(SCALED))
    changed["ReservedConcurrentExecutions"] = 9
    changed["Autoscaling"]["current"]["TargetTracking"] = None
    (fn / "concurrency.json").write_text(json.dumps(changed))
    r = lh("-C", fn, "diff", "--exit-code")
    assert r.code == 2
    assert '-    "ReservedConcurrentExecutions": 8\n' in r.out
    assert '+    "ReservedConcurrentExecutions": 9' in r.out
    assert '+        "TargetTracking": null' in r.out
