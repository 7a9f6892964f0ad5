"""lint's package checks: they read the file list the deploy zip holds (lambherd.archive)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lambherd.archive.function_package import build_function_zip
from lambherd.definition import load_function
from lambherd.lint.package import package_facts
from lint_testkit import findings, ids, run, write_function


def _sparse(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.truncate(size)


def test_package_facts_list_exactly_what_the_deploy_zip_holds(tmp_path: Path) -> None:
    import zipfile

    folder = write_function(
        tmp_path / "fn",
        {
            "app.py": "def handler(e, c):\n    return 1\n",
            "lib/x.py": "",
            "notes.md": "n\n",
            ".lambdaignore": "*.md\nfunction.json\n.lambdaignore\n",
        },
    )
    (folder / ".lambherd" / "build" / "dep").mkdir(parents=True)
    (folder / ".lambherd" / "build" / "dep" / "__init__.py").write_text("")
    defn = load_function(folder / "function.json")
    build_function_zip(defn, tmp_path / "out.zip")
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        zipped = sorted(zf.namelist())
    facts = package_facts(defn)
    assert sorted(facts.names) == zipped == ["app.py", "dep/__init__.py", "lib/x.py"]
    assert facts.zipped_size == (tmp_path / "out.zip").stat().st_size


def test_unzipped_package_over_lambdas_limit(tmp_path: Path) -> None:
    folder = write_function(tmp_path / "fn")
    _sparse(folder / "data" / "model.bin", 251 * 1024 * 1024)  # sparse: nothing is written
    result = run(folder)
    (finding,) = findings(result, "LH201")
    assert "over Lambda's limit of 250.0 MiB" in finding.message and "data/" in finding.message
    assert finding.severity.label == "error"
    assert findings(result, "LH202") == []  # one finding for one problem


@pytest.mark.slow
def test_zipped_package_over_the_direct_upload_limit_but_not_through_s3(tmp_path: Path) -> None:
    folder = write_function(tmp_path / "fn")
    (folder / "blob.bin").write_bytes(os.urandom(51 * 1024 * 1024))  # does not compress
    (finding,) = findings(run(folder), "LH201")
    assert "for a direct upload" in finding.message and "S3" in finding.fix
    write_function(folder, Code={"S3Bucket": "artifacts", "S3Key": "fn.zip"})
    assert findings(run(folder), "LH201") == []


def test_package_over_the_cold_start_budget(tmp_path: Path) -> None:
    folder = write_function(tmp_path / "project" / "functions" / "fn")
    (folder / "vendor.bin").write_bytes(os.urandom(64 * 1024))
    project = tmp_path / "project" / "lambherd.toml"
    project.write_text('[project]\nname = "p"\n\n[lint]\npackage_budget_mb = 0.05\n')
    (finding,) = findings(run(tmp_path / "project"), "LH202")
    assert "over the cold-start budget of 51.2 KiB" in finding.message
    assert "vendor.bin" in finding.message
    project.write_text('[project]\nname = "p"\n')  # lambherd's default budget: 10 MiB
    assert findings(run(tmp_path / "project"), "LH202") == []


def test_tests_and_caches_shipped(tmp_path: Path) -> None:
    folder = write_function(
        tmp_path / "fn",
        {
            "app.py": "def handler(e, c):\n    return 1\n",
            "tests/test_app.py": "def test_x():\n    pass\n",
            "__pycache__/app.cpython-312.pyc": "x",
            ".pytest_cache/v/cache/nodeids": "[]",
            "node_modules/.cache/babel/x.json": "{}",
            "node_modules/left-pad/index.js": "module.exports = 1;\n",
        },
    )
    (finding,) = findings(run(folder), "LH203")
    for part in ("tests/", "__pycache__/", ".pytest_cache/", "node_modules/.cache/"):
        assert part in finding.message
    assert "left-pad" not in finding.message
    (folder / ".lambdaignore").write_text(
        "tests/*\n*__pycache__/*\n.pytest_cache/*\nnode_modules/.cache/*\n"
    )
    assert findings(run(folder), "LH203") == []


def test_tests_inside_built_dependencies_are_not_reported(tmp_path: Path) -> None:
    folder = write_function(tmp_path / "fn")
    build = folder / ".lambherd" / "build" / "somelib" / "tests"
    build.mkdir(parents=True)
    (build / "test_lib.py").write_text("")
    assert findings(run(folder), "LH203") == []


def test_boto3_bundled_although_the_runtime_has_it(tmp_path: Path) -> None:
    folder = write_function(tmp_path / "fn")
    for name in ("boto3/__init__.py", "botocore/__init__.py"):
        path = folder / ".lambherd" / "build" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# bundled\n")
    (finding,) = findings(run(folder), "LH204")
    assert finding.severity.label == "info" and "boto3/botocore" in finding.message
    assert not run(folder).failed


def test_sdk_v3_bundled_on_node_18_and_later_only(tmp_path: Path) -> None:
    files = {
        "index.js": "exports.handler = async () => 1;\n",
        "node_modules/@aws-sdk/client-s3/index.js": "module.exports = {};\n",
    }
    folder = write_function(tmp_path / "fn", files, runtime="nodejs22.x", handler="index.handler")
    assert ids(run(folder)) >= {"LH204"}
    write_function(folder, runtime="nodejs16.x", handler="index.handler", files={})
    assert findings(run(folder), "LH204") == []  # nodejs16.x ships SDK v2 only


def test_without_a_bundled_sdk_nothing_is_reported(tmp_path: Path) -> None:
    assert findings(run(write_function(tmp_path / "fn")), "LH204") == []


@pytest.mark.slow
def test_measured_init_duration_over_the_budget(tmp_path: Path) -> None:
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    slow = "import time\ntime.sleep(0.4)\n\ndef handler(event, context):\n    return 1\n"
    project = tmp_path / "project"
    folder = write_function(project / "functions" / "slow", {"app.py": slow}, runtime=runtime)
    write_function(project / "functions" / "fast", runtime=runtime)
    (project / "lambherd.toml").write_text(
        '[project]\nname = "p"\n\n[lint]\ninit_budget_ms = 300\n'
    )
    result = run(project, measure=True)
    by_folder = {r.folder: r for r in result.report.functions}
    assert by_folder["functions/slow"].measured_init_ms >= 400
    assert by_folder["functions/fast"].measured_init_ms < 300
    (finding,) = findings(result, "LH205")
    assert finding.folder == "functions/slow" and "over the budget of 300 ms" in finding.message
    assert folder.is_dir()


@pytest.mark.slow
def test_init_failure_is_a_note_not_a_crash(tmp_path: Path) -> None:
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    broken = "raise RuntimeError('no config')\n\ndef handler(event, context):\n    return 1\n"
    folder = write_function(tmp_path / "fn", {"app.py": broken}, runtime=runtime)
    result = run(folder, measure=True)
    (report,) = result.report.functions
    assert report.measured_init_ms is None
    assert any("init failed" in note for note in report.notes)
    assert findings(result, "LH205") == []


def test_the_projects_ignore_style_decides_what_is_shipped(tmp_path: Path) -> None:
    """`tests/` in .lambdaignore leaves the folder out in gitignore style only (lambroll's
    wildcard matches the path `tests/` itself, not the files under it); lint reads the package
    in the style lambherd.toml sets, as deploy does."""
    root = tmp_path / "shop"
    fn = write_function(
        root / "functions" / "orders",
        {"app.py": "def handler(e, c):\n    return 1\n", "tests/test_app.py": "def t(): ...\n"},
    )
    (fn / ".lambdaignore").write_text("tests/\n")
    (root / "lambherd.toml").write_text('[project]\nname = "shop"\n')
    assert [f.function for f in findings(run(root), "LH203")] == ["orders"]
    (root / "lambherd.toml").write_text(
        '[project]\nname = "shop"\n\n[defaults]\nignore_style = "gitignore"\n'
    )
    assert findings(run(root), "LH203") == []
