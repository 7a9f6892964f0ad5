"""Rollout strategies (pure): SAM's names exactly, the short and custom forms, the weights each
goes through, and a clear error for anything else."""

from __future__ import annotations

import pytest

from lambherd.errors import UsageError
from lambherd.rollout.strategy import SAM_NAMES, Strategy, parse_strategy


@pytest.mark.parametrize(
    ("name", "text", "weights"),
    [
        ("Canary10Percent5Minutes", "canary:10:5m", (10, 100)),
        ("Canary10Percent10Minutes", "canary:10:10m", (10, 100)),
        ("Canary10Percent15Minutes", "canary:10:15m", (10, 100)),
        ("Canary10Percent30Minutes", "canary:10:30m", (10, 100)),
        ("Linear10PercentEvery1Minute", "linear:10:1m", (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)),
        ("Linear10PercentEvery2Minutes", "linear:10:2m", tuple(range(10, 101, 10))),
        ("Linear10PercentEvery3Minutes", "linear:10:3m", tuple(range(10, 101, 10))),
        ("Linear10PercentEvery10Minutes", "linear:10:10m", tuple(range(10, 101, 10))),
        ("AllAtOnce", "all-at-once", (100,)),
    ],
)
def test_sams_names_are_read_as_sam_means_them(name: str, text: str, weights: tuple) -> None:
    strategy = parse_strategy(name)
    assert strategy.text == text
    assert strategy.weights() == tuple(float(w) for w in weights)
    assert parse_strategy(f"CodeDeployDefault.Lambda{name}") == strategy  # CodeDeploy's names


def test_the_table_has_exactly_sams_nine_names() -> None:
    assert sorted(SAM_NAMES) == sorted(
        [
            "Canary10Percent5Minutes",
            "Canary10Percent10Minutes",
            "Canary10Percent15Minutes",
            "Canary10Percent30Minutes",
            "Linear10PercentEvery1Minute",
            "Linear10PercentEvery2Minutes",
            "Linear10PercentEvery3Minutes",
            "Linear10PercentEvery10Minutes",
            "AllAtOnce",
        ]
    )


@pytest.mark.parametrize(
    ("given", "kind", "percent", "seconds"),
    [
        ("canary10-5m", "canary", 10, 300),
        ("linear10-1m", "linear", 10, 60),
        ("canary:10:5m", "canary", 10, 300),
        ("linear:50:2s", "linear", 50, 2),
        ("linear:12.5:0.5s", "linear", 12.5, 0.5),
        ("CANARY:25:1h", "canary", 25, 3600),
        (" all-at-once ", "all-at-once", 100, 0),
    ],
)
def test_short_and_custom_forms(given: str, kind: str, percent: float, seconds: float) -> None:
    assert parse_strategy(given) == Strategy(kind, float(percent), float(seconds))


def test_linear_steps_end_at_100_even_when_the_step_does_not_divide_it() -> None:
    assert parse_strategy("linear:30:1m").weights() == (30.0, 60.0, 90.0, 100.0)
    assert parse_strategy("linear:50:2s").weights() == (50.0, 100.0)
    assert parse_strategy("linear:10:1m").next_weights(40.0) == (50, 60, 70, 80, 90, 100)
    assert parse_strategy("canary:10:5m").next_weights(10.0) == (100.0,)
    assert parse_strategy("linear:30:90s").text == "linear:30:90s"
    assert parse_strategy("canary:10:120s").text == "canary:10:2m"
    assert parse_strategy("linear:50:2s").describe() == "linear 50% every 2s up to 100%"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("canry10-5m", "'canry10-5m' is not a strategy (expected all-at-once, canary10-5m"),
        ("blue-green", "'blue-green' is not a strategy"),
        ("Canary20Percent7Minutes", "is not one of SAM's names"),
        ("canary:0:5m", "the percentage must be between 0 and 100 (both excluded), got 0"),
        ("canary:100:5m", "between 0 and 100 (both excluded), got 100"),
        ("linear:150:1m", "between 0 and 100 (both excluded), got 150"),
        ("linear:-10:1m", "between 0 and 100 (both excluded), got -10"),
        ("canary:ten:5m", "the percentage 'ten' is not a number"),
        ("canary:10:5", "the interval '5' is not a duration"),
        ("canary:10:0s", "the interval must be longer than zero"),
        ("canary:10:5d", "the interval '5d' is not a duration"),
        ("", "a strategy must be a non-empty name"),
    ],
)
def test_bad_strategies_are_one_clear_line(given: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_strategy(given)
    assert message in caught.value.message
    assert "\n" not in caught.value.message
