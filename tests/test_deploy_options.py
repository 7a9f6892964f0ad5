"""``deploy``'s options per mode: its help groups them by where they apply, project options are
refused without a project, and the project deploy takes its switches as arguments.
"""

from __future__ import annotations

import pytest

from deploy_testkit import recording
from project_testkit import write_project


def test_deploy_help_groups_options_by_where_they_apply(lh) -> None:
    result = lh("deploy", "--help")
    assert result.code == 0
    text = result.out
    both = text.index("Options for a function and for a project (applied to every function):")
    single = text.index("Single-function options (refused in a project):")
    project = text.index("Project options (refused without lambherd.toml):")
    assert both < single < project
    assert all(o in text[single:project] for o in ("--src", "--skip-archive", "--skip-function"))
    assert all(o in text[project:] for o in ("--parallel", "--only", "--fail-fast", "--prune"))
    assert all(o in text[both:single] for o in ("--alias ", "--keep-versions", "--dry-run"))


@pytest.mark.parametrize("args", [("--parallel", "2"), ("--only", "x"), ("--prune",)])
def test_project_options_without_a_project_are_refused(lh, tmp_path, monkeypatch, args) -> None:
    (tmp_path / "function.json").write_text('{"FunctionName": "lonely"}')
    calls = recording(monkeypatch)
    result = lh("-C", tmp_path, "deploy", *args)
    assert result.code == 1
    assert result.err == f"error: {args[0]}: a project option; no lambherd.toml here\n"
    assert calls.names == []


def test_project_deploy_takes_its_overrides_as_arguments(tmp_path, lambda_role, boto) -> None:
    """No click context here: the switches reach the project deploy only as arguments."""
    from lambherd.app import App
    from lambherd.project.context import attach_project
    from lambherd.services.deploy import DeployRequest, deploy
    from lambherd.settings import RunSettings, command_line

    root = write_project(tmp_path / "shop", lambda_role, names=("alpha", "beta"))
    app = attach_project(App(workdir=root, assume_yes=True))
    assert app.project is not None
    request = DeployRequest(
        settings=command_line(alias="live"), run=RunSettings(parallel=1, only=("alpha",))
    )
    report = deploy(app, request)
    assert report.run.ok
    lam = boto("lambda")
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["shop-alpha"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName="shop-alpha")["Aliases"]] == ["live"]
