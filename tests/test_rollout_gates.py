"""Rollout gates (pure): their settings checked key by key, and the judgement of one reading —
alarms, the new version's error rate once it has served enough, p99 against the old version,
no evidence (passes unless traffic is required)."""

from __future__ import annotations

import pytest

from lambherd.errors import UsageError
from lambherd.rollout.gates import (
    AlarmState,
    Figures,
    GateSettings,
    TrafficTests,
    format_rate,
    gate_settings,
    judge,
)


def test_no_settings_is_the_default_gate() -> None:
    gates = gate_settings(None)
    assert gates == GateSettings(max_error_rate=0.01, min_invocations=5)
    assert gates.describe() == "error rate <= 1% (after 5 invocations)"
    assert gates.poll_for(300) == 10.0 and gates.poll_for(2) == 0.5 and gates.poll_for(20) == 4.0


def test_every_key_is_read() -> None:
    gates = gate_settings(
        {
            "alarms": ["a", "b", "a"],
            "max_error_rate": 0.05,
            "min_invocations": 20,
            "max_p99_ratio": 1.5,
            "require_traffic": True,
            "pre_traffic": True,
            "post_traffic": ["smoke", "greets"],
            "poll": "2s",
            "metric_wait": "3m",
        }
    )
    assert gates.alarms == ("a", "b")
    assert (gates.max_error_rate, gates.min_invocations, gates.max_p99_ratio) == (0.05, 20, 1.5)
    assert gates.pre_traffic == TrafficTests() and gates.require_traffic
    assert gates.post_traffic == TrafficTests(names=("smoke", "greets"))
    assert gates.poll_for(600) == 2.0 and gates.metric_wait_s == 180.0
    assert gate_settings({"pre_traffic": "smoke.yaml"}).pre_traffic == TrafficTests("smoke.yaml")
    assert gate_settings({"alarms": "one"}).alarms == ("one",)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"alarm": ["a"]}, "unknown key 'alarm' (expected one of: alarms,"),
        ({"alarms": [1]}, "alarms: expected a list of alarm names"),
        ({"max_error_rate": 1.5}, "max_error_rate: expected a fraction from 0 up to 1, got 1.5"),
        ({"max_error_rate": "1%"}, "max_error_rate: expected a number, got '1%'"),
        ({"min_invocations": 0}, "min_invocations: expected a whole number of 1 or more, got 0"),
        ({"max_p99_ratio": 0.5}, "max_p99_ratio: expected a number of 1 or more, got 0.5"),
        ({"require_traffic": "yes"}, "require_traffic: expected true or false"),
        ({"pre_traffic": 3}, "pre_traffic: expected true, false, a tests file or a list"),
        ({"poll": 10}, 'poll: expected a duration such as "10s", got 10'),
        ({"metric_wait": "soon"}, "metric_wait: 'soon' is not a duration"),
    ],
)
def test_bad_gate_settings_say_which_key(table: dict, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        gate_settings(table)
    assert message in caught.value.message


GATES = GateSettings()


def test_an_error_rate_above_the_threshold_fails_once_there_is_evidence() -> None:
    few = Figures(invocations=3, errors=3)
    assert judge(few, GATES, final=False).ok  # 3 < min_invocations: not judged yet
    verdict = judge(Figures(invocations=30, errors=9), GATES, final=False)
    assert not verdict.ok and verdict.gate == "error rate"
    assert verdict.reason == (
        "error rate 30% of the new version is above 1% (9 errors, 0 throttles / 30 invocations)"
    )
    assert judge(Figures(invocations=200, errors=2), GATES, final=True).ok  # exactly 1 %


def test_throttles_count_as_failed_attempts() -> None:
    verdict = judge(Figures(invocations=4, throttles=2), GATES, final=False)
    assert not verdict.ok and "(0 errors, 2 throttles / 4 invocations)" in verdict.reason
    assert Figures(invocations=4, throttles=2).error_rate == pytest.approx(2 / 6)


def test_no_invocations_is_no_evidence_and_passes_unless_traffic_is_required() -> None:
    quiet = Figures()
    assert judge(quiet, GATES, final=True).ok
    assert not judge(quiet, GATES, final=True).evidence
    strict = GateSettings(require_traffic=True)
    assert judge(quiet, strict, final=False).ok  # during the step it may still come
    verdict = judge(quiet, strict, final=True)
    assert not verdict.ok and verdict.gate == "traffic"
    assert "served 0 invocations, fewer than min_invocations 5 (require_traffic)" in verdict.reason


def test_an_alarm_in_alarm_fails_whatever_the_figures() -> None:
    figures = Figures(
        invocations=100,
        alarms=(AlarmState("ok-one", "OK"), AlarmState("errors", "ALARM", "Threshold Crossed")),
    )
    verdict = judge(figures, GateSettings(alarms=("ok-one", "errors")), final=False)
    assert (verdict.ok, verdict.gate) == (False, "alarm errors")
    assert verdict.reason == "alarm errors is in ALARM: Threshold Crossed"
    insufficient = Figures(invocations=100, alarms=(AlarmState("errors", "INSUFFICIENT_DATA"),))
    assert judge(insufficient, GATES, final=True).ok


def test_p99_against_the_old_versions_when_both_served_enough() -> None:
    gates = GateSettings(max_p99_ratio=1.5)
    slow = Figures(invocations=50, p99_ms=400.0, old_invocations=500, old_p99_ms=200.0)
    verdict = judge(slow, gates, final=False)
    assert not verdict.ok and verdict.gate == "p99 duration"
    assert "400.0 ms of the new version is above 1.5 x the old version's 200.0 ms" in verdict.reason
    assert judge(
        Figures(50, p99_ms=290.0, old_invocations=500, old_p99_ms=200.0), gates, final=True
    ).ok
    unjudged = Figures(invocations=50, p99_ms=400.0, old_invocations=2, old_p99_ms=200.0)
    assert judge(unjudged, gates, final=True).ok  # the old version served too little
    assert judge(slow, GATES, final=True).ok  # p99 is not gated unless asked


def test_figures_summary_and_rates() -> None:
    figures = Figures(invocations=31, errors=1, p99_ms=12.4, old_p99_ms=11.0, complete=False)
    assert figures.summary() == (
        "error rate 3.2% (1 errors, 0 throttles / 31 invocations), p99 12 ms (old 11 ms), "
        "metrics incomplete"
    )
    assert [format_rate(r) for r in (0, 0.01, 0.005, 0.333)] == ["0%", "1%", "0.5%", "33.3%"]
