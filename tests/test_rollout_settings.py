"""A function's rollout settings come through the one settings resolution: ``strategy`` and the
``rollout`` gate table from lambherd.toml (``[defaults]``, a stage's defaults, a folder's table)
under the command line; the gate table merges key by key; bad values name where they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambherd.errors import DefinitionError, UsageError
from lambherd.project.config import load_project
from lambherd.settings import DeploySettings, command_line, resolve_settings

TOML = """
[project]
name = "shop"

[defaults]
strategy = "linear10-1m"
[defaults.rollout]
alarms = ["shop-5xx"]
max_error_rate = 0.02

[functions."functions/orders"]
strategy = "canary:10:5m"
rollout = { min_invocations = 50, pre_traffic = true }

[stages.prod.defaults.rollout]
max_error_rate = 0.001
"""


def project(tmp_path: Path, text: str = TOML, stage: str | None = None):
    path = tmp_path / "lambherd.toml"
    path.write_text(text)
    return load_project(path, stage)


def test_the_default_is_all_at_once_without_gates() -> None:
    settings = DeploySettings()
    assert settings.strategy == "all-at-once" and dict(settings.rollout) == {}


def test_strategy_and_gates_follow_the_settings_precedence(tmp_path: Path) -> None:
    shop = project(tmp_path)
    other = shop.settings_for("functions/cart")
    assert other.strategy == "linear10-1m"
    assert dict(other.rollout) == {"alarms": ["shop-5xx"], "max_error_rate": 0.02}
    orders = shop.settings_for("functions/orders")
    assert orders.strategy == "canary:10:5m"
    assert dict(orders.rollout) == {
        "alarms": ["shop-5xx"],
        "max_error_rate": 0.02,
        "min_invocations": 50,
        "pre_traffic": True,
    }
    cli = command_line(strategy="all-at-once", rollout={"alarms": ["mine"]})
    mine = resolve_settings(cli, *shop.settings_layers("functions/orders"))
    assert mine.strategy == "all-at-once"
    assert mine.rollout["alarms"] == ["mine"] and mine.rollout["min_invocations"] == 50
    prod = project(tmp_path, stage="prod").settings_for("functions/cart")
    assert prod.rollout["max_error_rate"] == 0.001 and prod.rollout["alarms"] == ["shop-5xx"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[defaults]\nstrategy = "canry10-5m"',
            "lambherd.toml: [defaults]: strategy: 'canry10-5m' is not a strategy",
        ),
        (
            '[functions."functions/a"]\nstrategy = "linear:120:1m"',
            "lambherd.toml: functions.functions/a: strategy: 'linear:120:1m': the percentage "
            "must be between 0 and 100",
        ),
        (
            "[defaults.rollout]\nmax_error_rate = 2",
            "lambherd.toml: [defaults]: rollout: max_error_rate: expected a fraction",
        ),
        (
            '[defaults]\nrollout = "strict"',
            "lambherd.toml: [defaults]: rollout: expected dict, got 'strict'",
        ),
    ],
)
def test_bad_rollout_settings_in_lambherd_toml_name_where(
    tmp_path: Path, table: str, message: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        shop = project(tmp_path, '[project]\nname = "shop"\n' + table)
        shop.settings_for("functions/a")
    assert message in caught.value.message


def test_a_bad_strategy_on_the_command_line_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"^--strategy 'canary:0:5m': the percentage must be"):
        resolve_settings(command_line(strategy="canary:0:5m"))
    with pytest.raises(UsageError, match=r"^--rollout alarms: expected a list of alarm names"):
        resolve_settings(command_line(rollout={"alarms": [""]}))
