"""A rollout's read-only checks, run while planning (so before any mutating call, for deploy,
``--dry-run``, ``plan`` and ``rollout resume`` alike): the pre- and post-traffic test cases are
loaded into their steps (a missing file, a bad case or an unknown case name is refused now, not
after the new version is published), and every gate alarm must exist.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from lambherd.errors import DefinitionError, DeployError
from lambherd.plan.rollout_planner import BakeTraffic, CheckAlarms, RunTrafficTests
from lambherd.plan.steps import Plan, Step


def prepare_rollout(plan: Plan, source_dir: Path | None, clients: Any) -> Plan:
    """``plan`` with its traffic tests' cases loaded; a DeployError when a gate alarm is missing."""
    steps: list[Step] = []
    alarms: dict[str, None] = {}
    for step in plan.steps:
        if isinstance(step, RunTrafficTests):
            step = _with_cases(step, source_dir)
        if isinstance(step, CheckAlarms):
            alarms.update(dict.fromkeys(step.alarms))
        if isinstance(step, BakeTraffic):
            alarms.update(dict.fromkeys(step.gates.alarms))
        steps.append(step)
    if alarms:
        from lambherd.rollout.evidence import missing_alarms

        missing = missing_alarms(clients, tuple(alarms))
        if missing:
            region = getattr(clients, "region", "")
            names = ", ".join(missing)
            raise DeployError(
                f"{plan.function_name}: rollout gate alarm{'s' if len(missing) > 1 else ''} "
                f"{names} not found in CloudWatch{f' ({region})' if region else ''}",
                hint="create the alarm first (PutMetricAlarm), or fix its name in the rollout "
                "settings (alarms = [...], --alarm)",
            )
    return replace(plan, steps=tuple(steps)) if steps != list(plan.steps) else plan


def _with_cases(step: RunTrafficTests, source_dir: Path | None) -> RunTrafficTests:
    from lambherd.testcases import find_tests_file, load_cases

    where = f"{step.phase}_traffic"
    if source_dir is None:
        raise DefinitionError(
            f"{where}: the test cases are read from the function's folder; run in it "
            "(or -C DIR) rather than with --function-name"
        )
    path = source_dir / step.tests.file if step.tests.file else find_tests_file(source_dir)
    cases = load_cases(path)
    if step.tests.names:
        by_name = {c.name: c for c in cases}
        unknown = [n for n in step.tests.names if n not in by_name]
        if unknown:
            raise DefinitionError(
                f"{where}: {path.name} has no case named {', '.join(repr(n) for n in unknown)} "
                f"(its cases: {', '.join(by_name)})"
            )
        cases = [by_name[n] for n in step.tests.names]
    return replace(step, cases=tuple(cases), source=path.name)
