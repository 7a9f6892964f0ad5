"""A project plan's two kinds of work bounded apart (``planning.PlanSlots``): code identities
at one thread per CPU, AWS reads by an adaptive limit that backs off when the API throttles
(a 429 token bucket in ``fault_testkit.FaultProxy``), every function still planned."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from fault_testkit import fast_retries, fault_proxy, rate_limited
from lambherd.pipeline.pacing import AdaptiveLimit
from lambherd.pipeline.planning import PlanSlots
from project_testkit import write_project
from sandbox_testkit import REGION

ROLE = "arn:aws:iam::123456789012:role/lambherd-plan-reads"
NAMES = tuple(f"r{i:02d}" for i in range(24))


def test_code_work_takes_one_slot_per_cpu_and_reads_take_the_limits_slots() -> None:
    slots = PlanSlots(1, AdaptiveLimit(start=2, maximum=4))
    inside, second_in = threading.Event(), threading.Event()
    release = threading.Event()

    def first() -> None:
        with slots.code():
            inside.set()
            release.wait(10)

    def second() -> None:
        with slots.code():
            second_in.set()

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    assert inside.wait(10)
    b.start()
    assert not second_in.wait(0.2), "two code identities ran at once on one CPU"
    release.set()
    assert second_in.wait(10)
    a.join(10), b.join(10)
    assert slots.reads is not None
    with slots.read(), slots.read():
        assert slots.reads.in_flight == 2  # the limit's slots (start 2)
    assert slots.reads.in_flight == 0
    with PlanSlots(2).read():  # no limit: a fixed pool bounds the reads itself
        pass


def plan_through(root: Path, endpoint: str) -> Any:
    from lambherd.app import App, AwsSettings
    from lambherd.pipeline.planning import plan_targets
    from lambherd.pipeline.targets import project_targets
    from lambherd.project.scope import project_clients, project_scope

    app = App(workdir=root, aws=AwsSettings(region=REGION, endpoint_url=endpoint))
    scope = project_scope(app, ())
    assert scope is not None
    clients = project_clients(app, scope.project)
    targets = project_targets(scope.project, app.render, lambda: clients)
    return plan_targets(clients, targets, project=scope.project, retry=fast_retries())


@pytest.mark.slow
def test_a_projects_plan_reads_back_off_on_throttles_and_every_function_is_planned(
    sandbox, sandbox_endpoint, tmp_path
) -> None:
    from lambherd.app import App, AwsSettings
    from lambherd.services.deploy import DeployRequest, deploy

    root = write_project(tmp_path / "reads", ROLE, names=NAMES)
    app = App(workdir=root, aws=AwsSettings(region=REGION, endpoint_url=sandbox_endpoint))
    assert deploy(app, DeployRequest(), retry=fast_retries()).run.ok  # 3 reads each to plan
    with fault_proxy(sandbox_endpoint, decide=rate_limited(per_second=40, burst=8)) as proxy:
        changeset = plan_through(root, proxy.url)
    assert proxy.counts["throttle"] > 0, proxy.counts  # the rate limit was met
    reads = changeset.reads
    assert reads is not None, "no fixed workers: the reads' limit is adaptive"
    assert reads.throttles > 0 and reads.decreases >= 1, reads  # seen and backed off from
    assert reads.peak > reads.start, reads  # it grew before meeting the limit
    assert reads.maximum == len(NAMES) + 1  # never more readers than functions (+ orphans)
    assert sorted(c.name for c in changeset.changes) == [f"shop-{n}" for n in NAMES]
    assert not changeset.changed, changeset.summary()  # read whole: nothing to change
