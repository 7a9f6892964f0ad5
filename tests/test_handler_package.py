"""The Handler's module must be in the package deploy uploads: ``validate``, ``local invoke``,
``deploy`` and ``plan`` (and lint's LH002) ask the one finder (``archive.handler``) over the one
file list (``archive.build.collect_package``), so they agree. A module that may come from a
layer is a warning. A ``[project] functions`` glob that matches no function folder fails plan
and deploy.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from cli_testkit import assert_one_error
from deploy_testkit import LAMBDAIGNORE, mutating, recording
from project_testkit import write_project

ROLE = "arn:aws:iam::123456789012:role/lambherd-handler"
BODY = "def handler(event, context):\n    return {'ok': True}\n"


def function_folder(root: Path, handler: str = "app.handler", **config: object) -> Path:
    """fn/ (function.json, .lambdaignore) next to shared/ (app.py, pkg/mod.py)."""
    shared = root / "shared"
    (shared / "pkg").mkdir(parents=True)
    (shared / "app.py").write_text(BODY)
    (shared / "pkg" / "__init__.py").write_text("")
    (shared / "pkg" / "mod.py").write_text(BODY)
    fn = root / "fn"
    fn.mkdir()
    definition = {
        "FunctionName": "handler-check",
        "Runtime": "python3.12",
        "Handler": handler,
        "Role": ROLE,
        **config,
    }
    (fn / "function.json").write_text(json.dumps(definition))
    (fn / ".lambdaignore").write_text(LAMBDAIGNORE)
    return fn


# -- round one's symlink rule, as the package holds it -------------------------------------------


def test_handler_file_linked_out_of_the_folder_ships_its_content(lh, tmp_path) -> None:
    fn = function_folder(tmp_path)
    os.symlink("../shared/app.py", fn / "app.py")  # the monorepo layout of the issue
    assert lh("-C", fn, "validate").code == 0
    result = lh("-C", fn, "archive", "--dest", tmp_path / "out.zip")
    assert result.code == 0, result.err
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        assert zf.read("app.py").decode() == BODY


# -- a module the package does not hold --------------------------------------------------------


@pytest.fixture
def linked_package(tmp_path: Path) -> Path:
    """Handler pkg.mod.handler, where fn/pkg is a symlink to a folder: the zip skips it."""
    fn = function_folder(tmp_path, "pkg.mod.handler")
    os.symlink("../shared/pkg", fn / "pkg")
    return fn


def test_validate_refuses_a_module_behind_a_skipped_folder_link(lh, linked_package) -> None:
    result = lh("-C", linked_package, "validate")
    assert result.code == 1
    assert_one_error(result, "function.json: Handler: module pkg.mod is not in the package")
    assert "pkg is a symlink the zip skips" in result.err


def test_validate_json_lists_the_handler_problem(lh, linked_package) -> None:
    result = lh("-C", linked_package, "--output", "json", "validate")
    doc = json.loads(result.out)
    assert result.code == 1 and doc["valid"] is False
    assert any("pkg/mod.py, pkg/mod/__init__.py" in e for e in doc["errors"])


@pytest.mark.slow
def test_local_invoke_refuses_what_deploy_would_not_ship(lh, linked_package) -> None:
    result = lh("-C", linked_package, "local", "invoke")
    assert_one_error(result, "Handler: module pkg.mod is not in the package deploy would upload")


def test_deploy_stops_before_any_aws_call(lh, linked_package, aws, api_calls) -> None:
    result = lh("-C", linked_package, "deploy")
    assert_one_error(result, "Handler: module pkg.mod is not in the package deploy would upload")
    assert len(result.err.strip().splitlines()) == 1  # one clear line
    assert api_calls == []


def test_module_left_out_by_lambdaignore_is_refused(lh, tmp_path, aws, api_calls) -> None:
    fn = function_folder(tmp_path)
    (fn / "app.py").write_text(BODY)
    (fn / ".lambdaignore").write_text(LAMBDAIGNORE + "app.py\n")
    result = lh("-C", fn, "deploy")
    assert_one_error(result, "module app is not in the package", ".lambdaignore leaves it out")
    assert api_calls == []


def test_plan_refuses_it_too(lh, linked_package, aws, api_calls) -> None:
    result = lh("-C", linked_package, "plan")
    assert_one_error(result, "Handler: module pkg.mod is not in the package")
    assert api_calls == []


def test_src_is_the_package_deploy_checks(lh, tmp_path, aws, api_calls) -> None:
    fn = function_folder(tmp_path)
    (fn / "app.py").write_text(BODY)  # the folder has it, --src does not
    other = tmp_path / "build"
    other.mkdir()
    (other / "main.py").write_text(BODY)
    result = lh("-C", fn, "deploy", "--src", other)
    assert_one_error(result, "module app is not in the package")
    assert api_calls == []


# -- handler shapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "files"),
    [
        ("pkg.mod.handler", {"pkg/__init__.py": "", "pkg/mod.py": BODY}),
        ("pkg/mod.handler", {"pkg/mod.py": BODY}),
        ("pkg.handler", {"pkg/__init__.py": BODY}),
        ("fast.handler", {"fast.cpython-312-x86_64-linux-gnu.so": "\x7fELF"}),
    ],
)
def test_python_module_paths_found_in_the_package(lh, tmp_path, handler, files) -> None:
    fn = function_folder(tmp_path, handler)
    for name, text in files.items():
        (fn / name).parent.mkdir(parents=True, exist_ok=True)
        (fn / name).write_text(text)
    result = lh("-C", fn, "validate")
    assert result.code == 0, result.err


@pytest.mark.parametrize("suffix", [".js", ".mjs", ".cjs"])
def test_node_handler_module_is_any_javascript_suffix(lh, tmp_path, suffix) -> None:
    fn = function_folder(tmp_path, "src/index.handler", Runtime="nodejs24.x")
    (fn / "src").mkdir()
    (fn / "src" / f"index{suffix}").write_text("exports.handler = async () => 1;\n")
    result = lh("-C", fn, "validate")
    assert result.code == 0, result.err


def test_node_handler_missing_is_refused(lh, tmp_path) -> None:
    fn = function_folder(tmp_path, "index.handler", Runtime="nodejs24.x")
    (fn / "main.js").write_text("exports.handler = async () => 1;\n")
    result = lh("-C", fn, "validate")
    assert_one_error(result, "module index is not in the package", "index.js, index.mjs, index.cjs")


def test_typescript_without_its_javascript_is_refused(lh, tmp_path) -> None:
    fn = function_folder(tmp_path, "index.handler", Runtime="nodejs24.x")
    (fn / "index.ts").write_text("export const handler = async () => 1;\n")
    result = lh("-C", fn, "validate")
    assert_one_error(result, "index.ts is TypeScript; Lambda runs the compiled JavaScript")


# -- layers: a warning, not a refusal --------------------------------------------------------


LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:shared:1"


def test_a_module_that_may_come_from_a_layer_is_a_warning(lh, tmp_path) -> None:
    fn = function_folder(tmp_path, "shared_handler.handler", Layers=[LAYER])
    (fn / "app.py").write_text(BODY)
    result = lh("-C", fn, "validate")
    assert result.code == 0, result.err
    assert "warning: function.json: Handler: module shared_handler is not in the package" in (
        result.err
    )
    assert "it may come from a layer" in result.err


def test_deploy_with_layers_warns_and_goes_on(lh, tmp_path, aws, monkeypatch) -> None:
    fn = function_folder(tmp_path, "shared_handler.handler", Layers=[LAYER])
    (fn / "app.py").write_text(BODY)
    recorder = recording(monkeypatch)
    result = lh("-C", fn, "deploy", "--dry-run")
    assert result.code == 0, result.err
    assert "it may come from a layer" in result.err
    assert mutating(recorder.names) == []
    assert "GetFunction" in recorder.names  # planned against AWS: not refused


def test_lint_and_validate_find_the_same_module(tmp_path) -> None:
    """lint's LH002 uses the same finder: a module behind a skipped folder link is missing for
    both, a linked file is present for both."""
    from lambherd.archive.handler import check_handler_in_package
    from lambherd.definition import load_function
    from lambherd.lint.context import FunctionContext
    from lambherd.lint.settings import FunctionSettings

    fn = function_folder(tmp_path, "pkg.mod.handler")
    os.symlink("../shared/pkg", fn / "pkg")
    defn = load_function(fn / "function.json")
    ctx = FunctionContext(defn, ".", fn, FunctionSettings())
    assert ctx.handler_module is not None and ctx.handler_module.arcname is None
    assert check_handler_in_package(defn) is not None
    os.unlink(fn / "pkg")
    (fn / "pkg").mkdir()
    os.symlink("../../shared/pkg/mod.py", fn / "pkg" / "mod.py")
    ctx = FunctionContext(defn, ".", fn, FunctionSettings())
    assert ctx.handler_module is not None and ctx.handler_module.arcname == "pkg/mod.py"
    assert check_handler_in_package(defn) is None


# -- project globs ---------------------------------------------------------------------------


@pytest.fixture
def two_globs(tmp_path: Path) -> Path:
    root = write_project(tmp_path / "shop", ROLE, names=("alpha",))
    toml = root / "lambherd.toml"
    toml.write_text(toml.read_text().replace('["functions/*"]', '["functions/*", "jobs/*"]'))
    return root


@pytest.mark.parametrize("command", ["plan", "deploy"])
def test_a_glob_matching_no_function_folder_fails(lh, two_globs, aws, api_calls, command) -> None:
    result = lh("-C", two_globs, "--yes", command)
    assert_one_error(result, "lambherd.toml: [project] functions: 'jobs/*' matches no function")
    assert api_calls == []


def test_every_glob_matching_nothing_fails(lh, tmp_path, aws, api_calls) -> None:
    root = write_project(tmp_path / "shop", ROLE, names=())
    result = lh("-C", root, "--yes", "deploy")
    assert_one_error(result, "'functions/*' matches no function folder")
    assert api_calls == []


def test_a_glob_matching_folders_without_definitions_fails(lh, two_globs, aws) -> None:
    (two_globs / "jobs" / "empty").mkdir(parents=True)
    result = lh("-C", two_globs, "plan")
    assert_one_error(result, "'jobs/*' matches no function folder (each needs a function.json")
