"""The adaptive parallelism of project deploys (pipeline/pacing.py), without a server: how the
limit grows, halves, stays bounded, hands out slots, and reads botocore's answers."""

from __future__ import annotations

import threading

import pytest

from lambherd.defaults import PARALLEL_MAX, PARALLEL_START
from lambherd.pipeline.pacing import AdaptiveLimit, answer_signal, is_throttle, watch_calls


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_default_limit_starts_at_its_default_and_is_bounded_by_the_maximum() -> None:
    limit = AdaptiveLimit()
    assert limit.limit == PARALLEL_START
    for _ in range(10 * PARALLEL_MAX):
        limit.call_succeeded()
    assert limit.limit == PARALLEL_MAX
    assert limit.report().peak == PARALLEL_MAX


def test_slow_start_adds_one_per_success_until_the_first_throttle() -> None:
    limit = AdaptiveLimit(start=2, maximum=64, clock=Clock())
    for _ in range(6):
        limit.call_succeeded()
    assert limit.limit == 8


def test_a_throttle_halves_the_limit_and_then_growth_is_additive() -> None:
    clock = Clock()
    limit = AdaptiveLimit(start=4, maximum=64, clock=clock)
    for _ in range(12):
        limit.call_succeeded()
    assert limit.limit == 16
    limit.call_throttled()
    assert limit.limit == 8
    # congestion avoidance: about one more per ``limit`` successes, not one per success
    for _ in range(8):
        limit.call_succeeded()
    assert limit.limit == 8
    limit.call_succeeded()  # the 9th success of the window
    assert limit.limit == 9
    for _ in range(8):
        limit.call_succeeded()
    assert limit.limit == 9
    limit.call_succeeded()
    assert limit.limit == 10


def test_a_burst_of_throttles_within_the_window_halves_once() -> None:
    clock = Clock()
    limit = AdaptiveLimit(start=16, maximum=16, window=1.0, clock=clock)
    for _ in range(10):
        limit.call_throttled()
    assert limit.limit == 8
    clock.now += 0.5
    limit.call_throttled()
    assert limit.limit == 8
    clock.now += 0.6  # past the window: a new overload
    limit.call_throttled()
    assert limit.limit == 4
    report = limit.report()
    assert (report.throttles, report.decreases, report.peak, report.final) == (12, 2, 16, 4)
    assert report.lowest == 4


def test_the_report_keeps_the_low_point_after_the_limit_grew_back() -> None:
    clock = Clock()
    limit = AdaptiveLimit(start=4, maximum=32, window=1.0, clock=clock)
    for _ in range(8):  # slow start: 4 -> 12
        limit.call_succeeded()
    limit.call_throttled()  # 12 -> 6
    for _ in range(200):  # congestion avoidance: back up past 12
        limit.call_succeeded()
    report = limit.report()
    assert (report.peak, report.lowest) == (report.final, 6)
    assert report.final > 12
    assert "low 6, final" in report.describe()
    assert report.to_json()["lowest"] == 6
    assert AdaptiveLimit(start=4).report().lowest is None  # never backed off


def test_the_limit_never_drops_below_the_minimum() -> None:
    clock = Clock()
    limit = AdaptiveLimit(start=4, minimum=1, maximum=8, window=1.0, clock=clock)
    for _ in range(10):
        limit.call_throttled()
        clock.now += 2
    assert limit.limit == 1


def test_bounds_are_checked() -> None:
    with pytest.raises(ValueError):
        AdaptiveLimit(start=8, maximum=4)
    with pytest.raises(ValueError):
        AdaptiveLimit(start=0, minimum=0)


def test_slots_never_exceed_the_limit_and_a_release_lets_a_waiter_in() -> None:
    limit = AdaptiveLimit(start=2, maximum=4)
    assert limit.acquire() and limit.acquire()
    entered = threading.Event()

    def third() -> None:
        with limit.slot() as taken:
            assert taken
            entered.set()

    worker = threading.Thread(target=third)
    worker.start()
    assert not entered.wait(0.05)  # both slots are held: the third waits
    assert limit.in_flight == 2
    limit.release()
    assert entered.wait(5)
    worker.join(5)
    limit.release()
    assert limit.in_flight == 0


def test_growth_lets_a_waiter_in_and_close_wakes_the_rest_without_a_slot() -> None:
    limit = AdaptiveLimit(start=1, maximum=4)
    assert limit.acquire()
    results: list[bool] = []
    got_one = threading.Event()

    def wait_for_slot() -> None:
        results.append(limit.acquire())
        got_one.set()

    waiters = [threading.Thread(target=wait_for_slot) for _ in range(2)]
    for w in waiters:
        w.start()
    limit.call_succeeded()  # limit 2: one of the two waiters gets in
    assert got_one.wait(5)
    limit.close()
    for w in waiters:
        w.join(5)
    assert sorted(results) == [False, True]
    assert limit.in_flight == 2
    assert not limit.acquire()  # closed: nothing more is handed out


def _answer(status: int, code: str | None = None) -> tuple[object, dict]:
    parsed: dict = {"ResponseMetadata": {"HTTPStatusCode": status}}
    if code:
        parsed["Error"] = {"Code": code, "Message": "m"}
    return object(), parsed


def test_answers_are_read_as_throttles_successes_or_neither() -> None:
    assert answer_signal(_answer(429, "TooManyRequestsException")) == "throttled"
    assert answer_signal(_answer(400, "ThrottlingException")) == "throttled"
    assert answer_signal(_answer(200)) == "ok"
    assert answer_signal(_answer(201)) == "ok"
    assert answer_signal(_answer(409, "ResourceConflictException")) is None
    assert answer_signal(_answer(500, "ServiceException")) is None
    assert answer_signal(None) is None  # a connection error: no answer
    assert is_throttle(429, None) and not is_throttle(404, "ResourceNotFoundException")


class Hooks:
    """Something with register_hook/unregister_hook, as AwsClients has."""

    def __init__(self) -> None:
        self.handlers: list[tuple[str, object]] = []

    def register_hook(self, event: str, handler: object) -> None:
        self.handlers.append((event, handler))

    def unregister_hook(self, event: str, handler: object) -> None:
        self.handlers.remove((event, handler))


def test_watch_calls_feeds_the_limit_for_the_block_only() -> None:
    hooks = Hooks()
    limit = AdaptiveLimit(start=4, maximum=8, clock=Clock())
    with watch_calls(hooks, limit):
        ((event, handler),) = hooks.handlers
        assert event == "needs-retry"
        assert handler(response=_answer(200), attempts=1) is None  # never decides a retry
        handler(response=_answer(200))
        assert limit.limit == 6
        handler(response=_answer(429, "TooManyRequestsException"))
        assert limit.limit == 3
        handler(response=None, caught_exception=OSError())
        assert limit.limit == 3
    assert hooks.handlers == []
