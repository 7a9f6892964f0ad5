"""What the executor and the runner give steps that take long (a rollout's bake), with no
server (the steps call no AWS): a wait the run's stop signal ends, progress reports, state
chained between a concern's steps, a timeline kept on the result, Ctrl-C turned into the
exception a step asks for; ``--fail-fast`` and a Ctrl-C of a parallel run reach the steps of
the other functions under way."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from lambherd.apply import Executor, registry
from lambherd.apply.executor import StepRun
from lambherd.apply.stopping import FAIL_FAST, INTERRUPTED, StopSignal
from lambherd.errors import LambherdError, RolloutInterrupted
from lambherd.pipeline.planning import MODIFY, Changeset, PlannedFunction
from lambherd.pipeline.runner import FAILED, SKIPPED, run_changeset
from lambherd.plan.steps import Plan, Step


@dataclass(frozen=True)
class Hold(Step):
    """Waits up to ``seconds`` (a stand-in for a bake); ``fail`` fails instead."""

    seconds: float
    fail: bool = False

    def describe(self) -> str:
        return f"Hold {self.seconds}"


@dataclass(frozen=True)
class Split(Step):
    """Asks for Ctrl-C to be raised as a RolloutInterrupted from now on."""

    def describe(self) -> str:
        return "Split"


@pytest.fixture
def long_steps():
    seen: dict[str, list] = {"stopped": [], "held": []}

    @registry.handles(Hold)
    def hold(run: StepRun, step: Hold) -> tuple[str, int]:
        if step.fail:
            raise LambherdError(f"{run.name}: failed")
        run.progress(step, "holding", weight=10)
        run.state["holds"] = run.state.get("holds", 0) + 1
        run.timeline.append({"event": "hold", "n": run.state["holds"]})
        seen["held"].append(run.name)
        if run.wait(step.seconds):
            seen["stopped"].append((run.name, run.stop.reason))
            if run.stop.reason == INTERRUPTED:
                raise RolloutInterrupted(f"{run.name}: interrupted", function=run.name)
            raise LambherdError(f"{run.name}: stopped ({run.stop.reason})")
        return "held", 0

    @registry.handles(Split)
    def split(run: StepRun, step: Split) -> tuple[str, int]:
        run.on_interrupt = lambda: RolloutInterrupted(f"{run.name}: left split", function=run.name)
        return "", 0

    yield seen
    registry._HANDLERS.pop(Hold)
    registry._HANDLERS.pop(Split)


def test_state_timeline_and_progress(long_steps) -> None:
    reports = []
    executor = Executor(None, on_progress=lambda step, detail, data: reports.append((detail, data)))
    result = executor.run(Plan("orders", (Hold(0), Hold(0))))
    assert result.timeline == [{"event": "hold", "n": 1}, {"event": "hold", "n": 2}]
    assert reports == [("holding", {"weight": 10})] * 2


def test_a_wait_ends_early_on_the_stop_signal(long_steps) -> None:
    stop = StopSignal()
    threading.Timer(0.2, stop.stop, args=(FAIL_FAST,)).start()
    with pytest.raises(LambherdError, match="stopped \\(fail-fast\\)"):
        Executor(None, stop=stop).run(Plan("orders", (Hold(60),)))
    assert long_steps["stopped"] == [("orders", FAIL_FAST)]
    stop.stop(INTERRUPTED)
    assert stop.reason == FAIL_FAST  # the first reason stays


def test_ctrl_c_is_raised_as_the_exception_a_step_asked_for(long_steps, monkeypatch) -> None:
    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    executor = Executor(None, sleep=interrupted)
    with pytest.raises(RolloutInterrupted, match="orders: left split"):
        executor.run(Plan("orders", (Split(), Hold(5))))
    with pytest.raises(KeyboardInterrupt):  # no step asked: Ctrl-C stays Ctrl-C
        executor.run(Plan("orders", (Hold(5),)))


def changeset(*plans: Plan) -> Changeset:
    rows = tuple(PlannedFunction(p.function_name, MODIFY, p) for p in plans)
    return Changeset(project="shop", changes=rows)


def test_fail_fast_stops_the_long_steps_of_the_others(long_steps) -> None:
    plans = changeset(
        Plan("a-slow", (Hold(60),)), Plan("b-fails", (Hold(0.3, fail=True),)), Plan("c", (Hold(0),))
    )
    result = run_changeset(None, plans, parallel=2, fail_fast=True)
    outcomes = {o.name: o for o in result.outcomes}
    assert outcomes["b-fails"].status == FAILED
    assert outcomes["a-slow"].status == FAILED and "stopped (fail-fast)" in outcomes["a-slow"].error
    assert outcomes["c"].status == SKIPPED
    assert long_steps["stopped"] == [("a-slow", FAIL_FAST)]
    assert not result.interrupted


def test_ctrl_c_in_a_parallel_run_leaves_the_rollouts_to_the_command(
    long_steps, monkeypatch
) -> None:
    import concurrent.futures

    from lambherd.pipeline import runner

    calls = {"n": 0}
    real_wait = concurrent.futures.wait

    def wait_then_ctrl_c(futures, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:  # the first wait: both are holding; the user presses Ctrl-C
            # (the main thread is the one a SIGINT interrupts)
            while len(long_steps["held"]) < 2:
                threading.Event().wait(0.01)
            raise KeyboardInterrupt
        return real_wait(futures, *args, **kwargs)

    monkeypatch.setattr(runner, "wait_for", wait_then_ctrl_c)
    plans = changeset(Plan("a", (Hold(60),)), Plan("b", (Hold(60),)), Plan("c", (Hold(60),)))
    result = run_changeset(None, plans, parallel=2)
    assert result.interrupted
    assert sorted(e.function for e in result.interruptions) == ["a", "b"]
    assert {o.name: o.status for o in result.outcomes}["c"] == SKIPPED
    assert sorted(long_steps["stopped"]) == [("a", INTERRUPTED), ("b", INTERRUPTED)]


def test_ctrl_c_in_an_adaptive_run_skips_the_functions_waiting_for_a_slot(
    long_steps, monkeypatch
) -> None:
    import concurrent.futures

    from lambherd.defaults import PARALLEL_START
    from lambherd.pipeline import runner

    calls = {"n": 0}
    real_wait = concurrent.futures.wait

    def wait_then_ctrl_c(futures, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:  # the first wait: the limit's slots are all holding
            while len(long_steps["held"]) < PARALLEL_START:
                threading.Event().wait(0.01)
            raise KeyboardInterrupt
        return real_wait(futures, *args, **kwargs)

    monkeypatch.setattr(runner, "wait_for", wait_then_ctrl_c)
    names = [f"f{i}" for i in range(PARALLEL_START + 2)]
    plans = changeset(*(Plan(name, (Split(), Hold(60))) for name in names))
    result = run_changeset(None, plans)  # no --parallel: the adaptive limit, no AWS to grow on
    assert result.interrupted
    held = sorted(long_steps["held"])
    assert len(held) == PARALLEL_START  # no more ran than the limit let in
    assert sorted(e.function for e in result.interruptions) == held
    skipped = {o.name for o in result.outcomes if o.status == SKIPPED}
    assert skipped == set(names) - set(held)  # woken by the stop, never started
    assert result.pacing is not None and result.pacing.peak == PARALLEL_START
