"""Deploy settings: the one resolution (command line > [functions."<folder>"] > stage defaults >
project [defaults] > built-in defaults), each level on its own, and the one validation of every
value with a message naming where it came from. No AWS."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambherd.defaults import DEFAULT_ALIAS, DEFAULT_PARALLEL
from lambherd.errors import DefinitionError, UsageError
from lambherd.project.config import load_project
from lambherd.settings import (
    COMMAND_LINE,
    DeploySettings,
    RunSettings,
    SettingsLayer,
    command_line,
    file_layer,
    resolve_settings,
)


def project_with(tmp_path: Path, *, defaults: str = "", stage: str = "", folder: str = ""):
    """A lambherd.toml whose [defaults], stage ``prod`` defaults and [functions."functions/a"]
    set the given settings (TOML ``key = value`` pairs, comma-separated)."""
    text = '[project]\nname = "p"\n'
    text += f"[defaults]\n{defaults.replace(', ', chr(10))}\n"
    if folder:
        text += f'[functions."functions/a"]\n{folder.replace(", ", chr(10))}\n'
    text += f"[stages.prod]\ndefaults = {{ {stage} }}\n"
    (tmp_path / "lambherd.toml").write_text(text)
    return load_project(tmp_path / "lambherd.toml", "prod")


def test_built_in_defaults_without_any_layer() -> None:
    settings = resolve_settings()
    assert settings == DeploySettings()
    assert settings.alias == DEFAULT_ALIAS == "current"
    assert settings.publish is True and settings.keep_versions is None
    assert not (settings.alias_to_latest or settings.force_code or settings.skip_function)


@pytest.mark.parametrize(
    ("defaults", "stage", "folder", "cli", "expected"),
    [
        ("", "", "", None, "current"),  # 5. built-in
        ('alias = "project"', "", "", None, "project"),  # 4. [defaults]
        ('alias = "project"', 'alias = "stage"', "", None, "stage"),  # 3. stage defaults
        ('alias = "project"', 'alias = "stage"', 'alias = "folder"', None, "folder"),  # 2.
        ('alias = "project"', 'alias = "stage"', 'alias = "folder"', "cli", "cli"),  # 1.
        ("", "", 'alias = "folder"', None, "folder"),
        ("", 'alias = "stage"', "", "cli", "cli"),
    ],
)
def test_each_level_wins_over_the_ones_below(
    tmp_path: Path, defaults: str, stage: str, folder: str, cli: str | None, expected: str
) -> None:
    project = project_with(tmp_path, defaults=defaults, stage=stage, folder=folder)
    settings = resolve_settings(command_line(alias=cli), *project.settings_layers("functions/a"))
    assert settings.alias == expected


def test_levels_merge_key_by_key(tmp_path: Path) -> None:
    project = project_with(
        tmp_path, defaults="keep_versions = 3", stage="publish = false", folder='alias = "live"'
    )
    settings = resolve_settings(
        command_line(force_code=True), *project.settings_layers("functions/a")
    )
    assert (settings.alias, settings.publish, settings.keep_versions) == ("live", False, 3)
    assert settings.force_code is True
    # another folder gets the project's and the stage's settings, not functions/a's
    other = project.settings_for("functions/b")
    assert (other.alias, other.publish, other.keep_versions) == ("current", False, 3)
    assert project.settings == other


def test_a_folder_is_found_by_its_name_too(tmp_path: Path) -> None:
    (tmp_path / "lambherd.toml").write_text(
        '[project]\nname = "p"\n[functions.legacy]\npublish = false\n'
    )
    project = load_project(tmp_path / "lambherd.toml")
    assert project.settings_for("functions/legacy").publish is False
    assert project.settings_for("functions/other").publish is True


def test_command_line_layer_keeps_what_was_given() -> None:
    layer = command_line(alias=None, publish=False, force_code=False, keep_versions=2, src=None)
    assert layer.where == COMMAND_LINE and layer.from_command_line
    assert dict(layer.values) == {"publish": False, "keep_versions": 2}  # --no-publish is given


def test_alias_to_latest_publishes_nothing_even_over_a_project_publish(tmp_path: Path) -> None:
    project = project_with(tmp_path, defaults="publish = true")
    layers = project.settings_layers("functions/a")
    assert resolve_settings(command_line(alias_to_latest=True), *layers).publish is False
    with pytest.raises(UsageError, match="--alias-to-latest and --no-publish contradict"):
        resolve_settings(command_line(alias_to_latest=True, publish=False), *layers)


def test_project_publish_false_with_alias_to_latest_is_no_contradiction(tmp_path: Path) -> None:
    project = project_with(tmp_path, folder="publish = false")
    layers = project.settings_layers("functions/a")
    settings = resolve_settings(command_line(alias_to_latest=True), *layers)
    assert settings.alias_to_latest and not settings.publish


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"keep_versions": 0}, "--keep-versions must be at least 1"),
        ({"keep_versions": -2}, "--keep-versions must be at least 1"),
        ({"alias": "  "}, "--alias must not be empty"),
    ],
)
def test_command_line_values_are_checked_as_options(given: dict, message: str) -> None:
    with pytest.raises(UsageError) as info:
        resolve_settings(command_line(**given))
    assert info.value.message == message


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"keep_versions": 0},
            "lambherd.toml: [defaults]: keep_versions: must be at least 1, got 0",
        ),
        ({"keep_versions": True}, "keep_versions: expected int, got True"),
        ({"publish": "yes"}, "lambherd.toml: [defaults]: publish: expected bool, got 'yes'"),
        ({"alias": ""}, "alias: must not be empty"),
    ],
)
def test_file_values_are_checked_with_where_they_come_from(values: dict, message: str) -> None:
    with pytest.raises(DefinitionError) as info:
        file_layer(values, "lambherd.toml: [defaults]")
    assert message in info.value.message


def test_a_file_cannot_set_command_line_only_switches() -> None:
    layer = SettingsLayer("lambherd.toml: [defaults]", {"force_code": True})
    with pytest.raises(DefinitionError, match="force_code: is not a deploy setting"):
        resolve_settings(layer)
    # file_layer takes only the setting keys of a table (the rest are CreateFunction fields)
    assert dict(file_layer({"Runtime": "python3.12", "alias": "a"}, "x").values) == {"alias": "a"}


def test_a_bad_project_setting_is_refused_when_the_project_loads(tmp_path: Path) -> None:
    (tmp_path / "lambherd.toml").write_text(
        '[project]\nname = "p"\n[stages.prod]\ndefaults = { keep_versions = 0 }\n'
    )
    load_project(tmp_path / "lambherd.toml")  # the stage is not used: fine
    with pytest.raises(
        DefinitionError, match=r"\[stages.prod\]: keep_versions: must be at least 1"
    ):
        load_project(tmp_path / "lambherd.toml", "prod")


def test_run_settings() -> None:
    assert RunSettings().workers == DEFAULT_PARALLEL
    assert RunSettings(parallel=2).workers == 2
    with pytest.raises(UsageError, match="--parallel must be at least 1"):
        RunSettings(parallel=0)
    given = RunSettings(parallel=2, only=("a",), fail_fast=True, prune=True).project_options()
    assert given == ("--parallel", "--only", "--fail-fast", "--prune")
    assert RunSettings(dry_run=True).project_options() == ()


def test_builds_code_only_when_zipping_the_definitions_folder(tmp_path: Path) -> None:
    assert DeploySettings().builds_code
    assert not DeploySettings(skip_archive=True).builds_code
    assert not DeploySettings(skip_function=True).builds_code
    assert not DeploySettings(src=tmp_path).builds_code
