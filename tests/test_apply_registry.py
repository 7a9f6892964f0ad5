"""The executor core runs whatever handler a concern registered for a step type (no server:
the steps here call no AWS): results in order, progress per step, a clear error for a step
type nobody handles, and one handler per step type."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lambherd.apply import DisplayExecutor, Executor, executor_for, registry
from lambherd.apply.executor import StepRun
from lambherd.errors import LambherdError
from lambherd.plan.steps import Plan, Step


@dataclass(frozen=True)
class Chime(Step):
    note: str

    def describe(self) -> str:
        return f"Chime {self.note}"


@dataclass(frozen=True)
class Unhandled(Step):
    def describe(self) -> str:
        return "Unhandled"


@pytest.fixture
def chime_handler():
    heard: list[tuple[str, str]] = []

    @registry.handles(Chime)
    def chime(run: StepRun, step: Chime) -> tuple[str, int]:
        heard.append((run.name, step.note))
        return f"rang {step.note}", len(step.note)

    yield heard
    registry._HANDLERS.pop(Chime)


def test_a_registered_handler_runs_its_steps_in_order(chime_handler) -> None:
    done = []
    executor = Executor(clients=None, on_step=done.append)
    plan = Plan("orders", steps=(Chime("a"), Chime("bb")))
    result = executor.run(plan)
    assert chime_handler == [("orders", "a"), ("orders", "bb")]
    assert [r.detail for r in result.results] == ["rang a", "rang bb"]
    assert result.bytes_uploaded == 3 and done == result.results and not result.dry_run


def test_a_step_type_without_a_handler_is_a_clear_error() -> None:
    with pytest.raises(LambherdError, match="no executor for step Unhandled"):
        Executor(clients=None).run(Plan("orders", steps=(Unhandled(),)))


def test_a_step_type_has_one_handler(chime_handler) -> None:
    with pytest.raises(RuntimeError, match="Chime has two handlers"):
        registry.handles(Chime)(lambda run, step: ("", 0))


def test_every_step_type_of_the_planners_has_a_handler() -> None:
    from lambherd.plan import steps

    kinds = [
        c
        for c in vars(steps).values()
        if isinstance(c, type)
        and issubclass(c, Step)
        and not c.__name__.startswith("_")
        and c is not Step
    ]
    assert len(kinds) >= 13
    assert [k.__name__ for k in kinds if registry.handler_for(k) is None] == []


def test_executor_for_picks_the_display_executor_for_a_dry_run(chime_handler) -> None:
    shown = executor_for(None, dry_run=True)
    assert isinstance(shown, DisplayExecutor)
    result = shown.run(Plan("orders", steps=(Chime("a"),)))
    assert result.dry_run and [r.step for r in result.results] == [Chime("a")]
    assert chime_handler == []  # displayed, not run
    assert isinstance(executor_for(None, dry_run=False), Executor)
