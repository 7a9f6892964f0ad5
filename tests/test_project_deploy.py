"""Project deploys and plans on moto's server: AWS settings precedence (command line > stage >
environment), deploy switches applied to every function or refused with one line, the progress
views, the reads of a no-op plan, a plan after a fresh checkout, glob and prune safety, Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import pytest

from deploy_testkit import recording
from project_testkit import deploy, write_function, write_project


@pytest.fixture
def project(tmp_path: Path, lambda_role: str) -> Path:
    return write_project(tmp_path / "shop", lambda_role, names=("alpha", "beta"))


def _names(boto, region: str | None = None) -> set[str]:
    import boto3

    if region is None:
        lam = boto("lambda")
    else:
        lam = boto3.client(
            "lambda", region_name=region, endpoint_url=boto("lambda").meta.endpoint_url
        )
    return {f["FunctionName"] for f in lam.list_functions()["Functions"]}


@pytest.mark.slow
def test_command_line_region_wins_over_stage_which_wins_over_env(
    lh, tmp_path, lambda_role, boto
) -> None:
    root = write_project(
        tmp_path / "shop",
        lambda_role,
        names=("alpha",),
        extra='[stages.prod]\nregion = "eu-west-1"\n',
    )
    # AWS_REGION=us-east-1 comes from the environment: the stage beats it
    staged = lh("-C", root, "--stage", "prod", "--yes", "deploy")
    assert staged.code == 0, staged.err
    assert _names(boto, "eu-west-1") == {"shop-alpha"}
    assert _names(boto) == set()
    # an explicit --region beats the stage
    flagged = lh("-C", root, "--region", "ap-south-1", "--stage", "prod", "--yes", "deploy")
    assert flagged.code == 0, flagged.err
    assert _names(boto, "ap-south-1") == {"shop-alpha"}
    assert _names(boto) == set()


def test_command_line_profile_wins_over_stage(lh, tmp_path, lambda_role, monkeypatch) -> None:
    root = write_project(
        tmp_path / "shop", lambda_role, names=("alpha",), extra='[stages.prod]\nprofile = "nope"\n'
    )
    missing = lh("-C", root, "--stage", "prod", "plan")
    assert missing.code != 0 and "profile 'nope' not found" in missing.err
    config = Path(__import__("os").environ["AWS_CONFIG_FILE"])
    config.write_text("[profile mine]\nregion = us-east-1\n")
    creds = Path(__import__("os").environ["AWS_SHARED_CREDENTIALS_FILE"])
    creds.write_text("[mine]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    explicit = lh("-C", root, "--profile", "mine", "--stage", "prod", "plan")
    assert explicit.code == 0, explicit.err
    assert "1 to add" in explicit.out


@pytest.mark.slow
def test_alias_keep_versions_and_no_publish_apply_to_every_function(lh, project, boto) -> None:
    assert deploy(lh, project, "--alias", "live").code == 0
    lam = boto("lambda")
    for name in ("shop-alpha", "shop-beta"):
        assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"
        assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["live"]
    alpha = project / "functions" / "alpha" / "app.py"
    alpha.write_text("def handler(e, c):\n    return 2\n")
    assert deploy(lh, project, "--alias", "live").code == 0
    alpha.write_text("def handler(e, c):\n    return 3\n")
    assert deploy(lh, project, "--alias", "live", "--keep-versions", "1").code == 0
    versions = [
        v["Version"] for v in lam.list_versions_by_function(FunctionName="shop-alpha")["Versions"]
    ]
    assert versions == ["$LATEST", "3"]
    (project / "functions" / "beta" / "app.py").write_text("def handler(e, c):\n    return 9\n")
    result = deploy(lh, project, "--no-publish")
    assert result.code == 0, result.err
    beta = lam.list_versions_by_function(FunctionName="shop-beta")["Versions"]
    assert [v["Version"] for v in beta] == ["$LATEST", "1"]  # code updated, nothing published


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("--src", "."), "--src"),
        (("--skip-archive",), "--skip-archive"),
        (("--skip-function",), "--skip-function"),
    ],
)
def test_single_function_switches_are_refused_for_a_project(
    lh, project, monkeypatch, args, flag
) -> None:
    calls = recording(monkeypatch)
    result = deploy(lh, project, *args)
    assert result.code == 1
    assert result.err.startswith(f"error: {flag}: a single-function option")
    assert "Traceback" not in result.err
    assert calls.names == []


def test_bad_keep_versions_is_refused_before_any_call(lh, project, monkeypatch) -> None:
    calls = recording(monkeypatch)
    result = deploy(lh, project, "--keep-versions", "0")
    assert result.code == 1 and "--keep-versions must be at least 1" in result.err
    assert calls.names == []


def test_only_without_a_project_is_an_error(lh, tmp_path) -> None:
    for command in ("plan", "build"):
        result = lh("-C", tmp_path, command, "--only", "x")
        assert result.code == 1 and "no lambherd.toml here" in result.err, command


def test_live_progress_view_on_a_terminal(lh, project) -> None:
    import re

    result = lh("-C", project, "--color", "--yes", "deploy")
    assert result.code == 0, result.err
    err = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.err)  # colours and cursor codes
    # rich's Live table on a (forced) terminal: box-drawn rows, final state of each function
    assert "┃ Function" in err and "Status" in err
    for name in ("shop-alpha", "shop-beta"):
        assert any(
            name in line and "done" in line and "version 1" in line for line in err.splitlines()
        )
    assert "shop-alpha: running" not in err  # not the line-per-event fallback


def test_progress_view_renders_steps_and_failures() -> None:
    from rich.console import Console

    from lambherd.app import App
    from lambherd.cli.project_view import DeployProgress
    from lambherd.pipeline.runner import ProgressEvent

    view = DeployProgress(App(color=False), ["fn-a", "fn-b", "fn-c"])
    view(ProgressEvent("fn-a", "start", "code", 0, 3))
    view(ProgressEvent("fn-a", "step", "UploadCode fn-a", 2, 3))
    view(ProgressEvent("fn-b", "failed", "AccessDenied: no"))
    out = Console(width=100, record=True, color_system=None)
    out.print(view._table())
    text = out.export_text()
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 2}
    assert "step 2/3" in rows["fn-a"] and "UploadCode fn-a" in rows["fn-a"]
    assert "failed" in rows["fn-b"] and "AccessDenied" in rows["fn-b"]
    assert "waiting" in rows["fn-c"]


@pytest.mark.slow
def test_noop_plan_reads_three_calls_per_function(lh, project, monkeypatch) -> None:
    assert deploy(lh, project).code == 0
    calls = recording(monkeypatch)
    result = lh("-C", project, "plan", "--exit-code")
    assert result.code == 0, result.err
    per_function = [
        n for n, p in calls.calls if p.get("FunctionName") == "shop-alpha" and n != "ListTags"
    ]
    assert sorted(per_function) == ["GetFunction", "ListAliases", "ListVersionsByFunction"]
    assert "GetAlias" not in calls.names


@pytest.mark.slow
def test_plan_builds_first_so_a_fresh_checkout_plans_no_change(
    lh, project, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("LAMBHERD_CACHE_DIR", str(tmp_path / "cache"))
    folder = project / "functions" / "alpha"
    (folder / "requirements.txt").write_text("six==1.17.0\n")
    assert deploy(lh, project).code == 0
    assert not (folder / ".lambherd" / "build" / ".lock").exists()  # installer noise not shipped
    shutil.rmtree(folder / ".lambherd")  # a fresh clone: .lambherd/ is not in git
    result = lh("-C", project, "plan", "--exit-code")
    assert result.code == 0, result.out + result.err
    assert "alpha: dependencies cached" in result.err
    assert "0 to modify" in result.out


@pytest.mark.parametrize("glob", ["/etc/*", "../*", "functions/../../x/*"])
def test_globs_outside_the_project_are_one_line_errors(lh, tmp_path, glob) -> None:
    (tmp_path / "lambherd.toml").write_text(f'[project]\nname = "x"\nfunctions = ["{glob}"]\n')
    result = lh("-C", tmp_path, "plan")
    assert result.code == 1
    assert result.err.strip() == (
        f"error: lambherd.toml: [project] functions: '{glob}' must be a relative glob inside "
        "the project folder"
    )


def test_symlinked_function_folder_outside_the_project_plans(lh, project, tmp_path) -> None:
    outside = write_function(tmp_path / "elsewhere", "delta")
    (project / "functions" / "delta").symlink_to(outside)
    result = lh("-C", project, "--output", "json", "plan")
    assert result.code == 0, result.err
    rows = {f["function"]: f["folder"] for f in json.loads(result.out)["functions"]}
    assert rows["shop-delta"] == "functions/delta"


@pytest.mark.slow
def test_prune_with_no_function_folder_deletes_nothing(lh, project, boto) -> None:
    assert deploy(lh, project).code == 0
    toml = project / "lambherd.toml"
    toml.write_text(toml.read_text().replace('"functions/*"', '"fucntions/*"'))  # a typo
    plan = lh("-C", project, "plan")  # a glob matching nothing fails plan and deploy alike
    assert plan.code == 1
    assert "error: lambherd.toml: [project] functions: 'fucntions/*' matches no" in plan.err
    result = deploy(lh, project, "--prune")
    assert result.code == 1
    assert "'fucntions/*' matches no function folder" in result.err
    assert _names(boto) == {"shop-alpha", "shop-beta"}


@pytest.mark.slow
def test_unconfirmed_prune_shows_the_changeset_first(lh, project, boto) -> None:
    assert deploy(lh, project).code == 0
    shutil.rmtree(project / "functions" / "beta")
    result = lh("-C", project, "deploy", "--prune")
    assert result.code == 1 and "prune not confirmed" in result.err
    assert "- Delete" in result.out and "shop-beta" in result.out
    assert _names(boto) == {"shop-alpha", "shop-beta"}


def test_interrupt_starts_no_more_functions(tmp_path, lambda_role, boto) -> None:
    from lambherd.app import App
    from lambherd.services.deploy import DeployRequest, deploy
    from lambherd.settings import RunSettings

    names = ("a", "b", "c", "d", "e", "f")
    root = write_project(tmp_path / "shop", lambda_role, names=names)
    started: list[str] = []

    def on_event(event) -> None:  # type: ignore[no-untyped-def]
        if event.kind == "start":
            started.append(event.function)
            if len(started) == 1:
                raise KeyboardInterrupt

    app = App(workdir=root)
    request = DeployRequest(run=RunSettings(parallel=1))
    with pytest.raises(KeyboardInterrupt):
        deploy(app, request, on_planned=lambda _changes, _builds: contextlib.nullcontext(on_event))
    assert len(started) <= 2, started  # the one interrupted, at most one already picked up
    assert len(_names(boto)) <= 1
