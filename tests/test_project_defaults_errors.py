"""A bad value in lambherd.toml's ``[defaults]`` (or a stage's defaults) is reported at
lambherd.toml, with its key, once — not at each function's file — by plan, deploy and validate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_testkit import assert_one_error
from project_testkit import write_project

ROLE = "arn:aws:iam::123456789012:role/lambherd-defaults"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write_project(tmp_path / "shop", ROLE, names=("alpha", "beta"))
    toml = root / "lambherd.toml"
    toml.write_text(toml.read_text().replace("MemorySize = 256", 'MemorySize = "big"'))
    return root


@pytest.mark.parametrize("command", ["plan", "deploy"])
def test_a_bad_default_is_reported_at_lambherd_toml(lh, project, aws, api_calls, command) -> None:
    result = lh("-C", project, "--yes", command)
    assert_one_error(
        result, 'lambherd.toml: [defaults] MemorySize: expected an integer, got string "big"'
    )
    assert "function.json" not in result.err
    assert api_calls == []


def test_validate_in_a_function_folder_names_lambherd_toml(lh, project) -> None:
    result = lh("-C", project / "functions" / "alpha", "validate")
    assert_one_error(result, "lambherd.toml: [defaults] MemorySize")
    assert "function.json" not in result.err


def test_an_unknown_default_key_is_named_with_a_hint(lh, project) -> None:
    toml = project / "lambherd.toml"
    toml.write_text(toml.read_text().replace('MemorySize = "big"', "Timout = 3"))
    result = lh("-C", project, "plan")
    assert_one_error(
        result, "lambherd.toml: [defaults] Timout: unknown field (did you mean Timeout?)"
    )


def test_a_bad_stage_default_names_the_stage(lh, project) -> None:
    toml = project / "lambherd.toml"
    text = toml.read_text().replace('MemorySize = "big"', "MemorySize = 256")
    toml.write_text(text + "[stages.prod]\ndefaults = { Timeout = 0 }\n")
    result = lh("-C", project, "--stage", "prod", "plan")
    assert_one_error(
        result, "lambherd.toml: [stages.prod] defaults Timeout: 0 is below Lambda's minimum of 1"
    )


def test_a_function_value_over_a_default_is_still_the_function_s(lh, project) -> None:
    toml = project / "lambherd.toml"
    toml.write_text(toml.read_text().replace('MemorySize = "big"', "MemorySize = 256"))
    (project / "functions" / "alpha" / "function.json").write_text(
        '{"FunctionName": "shop-alpha", "Timeout": 0}'
    )
    result = lh("-C", project, "plan")
    assert_one_error(result, "functions/alpha/function.json", "Timeout: 0 is below")
