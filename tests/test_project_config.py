"""lambherd.toml loading, defaults merge, stages, discovery and change descriptions (no AWS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambherd.errors import DefinitionError, UsageError
from lambherd.plan.steps import (
    CodeSource,
    CreateAlias,
    PublishVersion,
    TagResource,
    UpdateConfiguration,
    UploadCode,
    describe_changes,
)
from lambherd.project.config import (
    OWNER_TAG,
    find_project,
    load_project,
    merge_definitions,
    project_definition,
)
from lambherd.project.discovery import discover_functions, matches_any

TOML = """
[project]
name = "shop"
functions = ["functions/*", "jobs/*"]

[defaults]
Runtime = "python3.12"
MemorySize = 256
Tags = { team = "orders", cost = "a" }
Environment = { Variables = { LOG = "info", REGION = "x" } }
alias = "live"
keep_versions = 3

[functions."functions/legacy"]
publish = false

[stages.prod]
region = "eu-west-1"
profile = "prod"
envfile = [".env.prod"]
defaults = { MemorySize = 1024, Environment = { Variables = { LOG = "warn" } } }
"""


def write(root: Path, text: str = TOML) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "lambherd.toml"
    path.write_text(text)
    return path


def test_load_and_merge(tmp_path: Path) -> None:
    project = load_project(write(tmp_path))
    assert project.name == "shop" and project.function_globs == ("functions/*", "jobs/*")
    assert "alias" not in project.defaults and project.settings.alias == "live"
    assert project.settings.keep_versions == 3
    assert project.settings_for("functions/legacy").publish is False
    assert project.settings_for("functions/other").publish is True
    merged = project_definition(
        project, {"FunctionName": "f", "Tags": {"cost": "b"}, "Environment": {"Variables": {}}}
    )
    assert merged["MemorySize"] == 256 and merged["Runtime"] == "python3.12"
    assert merged["Tags"] == {"team": "orders", "cost": "b", OWNER_TAG: "shop"}
    assert merged["Environment"]["Variables"] == {"LOG": "info", "REGION": "x"}


def test_stage_overrides_defaults(tmp_path: Path) -> None:
    project = load_project(write(tmp_path), "prod")
    assert project.stage is not None and project.stage.region == "eu-west-1"
    assert project.stage.envfiles == (".env.prod",)
    assert project.defaults["MemorySize"] == 1024
    assert project.defaults["Environment"]["Variables"] == {"LOG": "warn", "REGION": "x"}
    with pytest.raises(UsageError, match=r"no stage 'qa' \(stages: prod\)"):
        load_project(write(tmp_path), "qa")


def test_merge_replaces_lists() -> None:
    merged = merge_definitions({"Layers": ["a"], "X": {"y": 1}}, {"Layers": ["b"]})
    assert merged == {"Layers": ["b"], "X": {"y": 1}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[project]\n", "[project] name: required"),
        ('[project]\nname="x"\nfunction=["a"]\n', "unknown key 'function'"),
        ('[project]\nname="x"\n[defaults]\nkeep_versions=0\n', "keep_versions: must be at least 1"),
        ('[project]\nname="x"\n[defaults]\npublish="yes"\n', "publish: expected bool"),
        ('[project]\nname="x"\n[stage.prod]\n', "unknown key 'stage'"),
        ("[project\n", "invalid TOML"),
    ],
)
def test_bad_project_files_say_what_and_where(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=r"lambherd\.toml") as info:
        load_project(write(tmp_path, text))
    assert message in info.value.message


def test_find_project_in_parents(tmp_path: Path) -> None:
    path = write(tmp_path)
    deep = tmp_path / "functions" / "a" / "src"
    deep.mkdir(parents=True)
    assert find_project(deep) == path
    assert find_project(tmp_path.parent) is None


def test_discovery_is_sorted_and_needs_a_definition(tmp_path: Path) -> None:
    project = load_project(write(tmp_path))
    for folder in ("functions/b", "functions/a", "jobs/n", "functions/empty"):
        (tmp_path / folder).mkdir(parents=True)
    for folder in ("functions/b", "functions/a"):
        (tmp_path / folder / "function.json").write_text(json.dumps({"FunctionName": "x"}))
    (tmp_path / "jobs/n/function.jsonnet").write_text("{}")
    found = discover_functions(project)
    assert [f.key for f in found] == ["functions/a", "functions/b", "jobs/n"]
    assert found[2].definition.name == "function.jsonnet"


def test_only_patterns() -> None:
    assert matches_any((), "anything")
    assert matches_any(("shop-*",), "shop-a", "functions/a")
    assert matches_any(("functions/a",), "shop-a", "functions/a")
    assert not matches_any(("b*",), "shop-a", "functions/a")


def test_changes_are_described_in_words() -> None:
    steps = (
        UpdateConfiguration(params={"MemorySize": 512}, changed=("MemorySize", "Timeout")),
        UploadCode(code=CodeSource(sha256="x")),
        PublishVersion(),
        CreateAlias(name="current", version="<published>"),
        TagResource(tags={"a": "b"}),
    )
    assert describe_changes(steps) == (
        "MemorySize",
        "Timeout",
        "code",
        "version",
        "alias current",
        "tags",
    )
