"""Empty environment values are values: ``""`` set remotely or locally is compared, while an
absent Environment, ``{}`` and ``{"Variables": {}}`` all still mean "no variables"."""

from __future__ import annotations

from lambherd.definition.normalize import definition_from_remote, normalize_config
from lambherd.plan.function_planner import changed_paths

BASE = {"FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler", "Role": "r"}


def remote(**fields: object) -> dict[str, object]:
    return {**BASE, "FunctionArn": "arn:aws:lambda:eu-west-1:123456789012:function:f", **fields}


def test_an_empty_value_is_kept_on_both_sides() -> None:
    local = {**BASE, "Environment": {"Variables": {"A": "", "B": "x"}}}
    assert normalize_config(local)["Environment"] == {"Variables": {"A": "", "B": "x"}}
    imported = definition_from_remote(remote(Environment={"Variables": {"A": "", "B": "x"}}))
    assert imported["Environment"] == {"Variables": {"A": "", "B": "x"}}
    assert changed_paths(local, remote(Environment={"Variables": {"A": "", "B": "x"}})) == []


def test_an_empty_value_that_drifts_away_is_a_difference() -> None:
    local = {**BASE, "Environment": {"Variables": {"A": "", "B": "x"}}}
    gone = remote(Environment={"Variables": {"B": "x"}})
    assert changed_paths(local, gone) == ["Environment.Variables.A"]
    filled = remote(Environment={"Variables": {"A": "now set", "B": "x"}})
    assert changed_paths(local, filled) == ["Environment.Variables.A"]
    # and the other way: set remotely to "", absent locally
    assert changed_paths(
        {**BASE, "Environment": {"Variables": {"B": "x"}}},
        remote(Environment={"Variables": {"A": "", "B": "x"}}),
    ) == ["Environment.Variables.A"]


def test_absent_environment_still_means_no_variables() -> None:
    for local_env in (None, {}, {"Variables": {}}):
        local = dict(BASE) if local_env is None else {**BASE, "Environment": local_env}
        assert "Environment" not in normalize_config(local)
        for remote_env in (None, {}, {"Variables": {}}):
            deployed = remote() if remote_env is None else remote(Environment=remote_env)
            assert changed_paths(local, deployed) == [], (local_env, remote_env)
    assert "Environment" not in definition_from_remote(remote(Environment={"Variables": {}}))
