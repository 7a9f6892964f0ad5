"""``build``: dependencies installed for Lambda's platform into .lambherd/build, cached.

The real-install tests fetch one tiny pure-Python wheel (six) from PyPI.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from deploy_testkit import LAMBDAIGNORE
from lambherd.build import build_function, find_dependencies
from lambherd.build.cache import BUILD_DIR
from lambherd.build.installer import Installer, find_installer, install_command
from lambherd.build.requirements import lambda_machine, python_version
from lambherd.errors import ArchiveError

pytestmark = pytest.mark.slow  # dependency installs (uv, pip)

CONFIG = {"FunctionName": "deps", "Runtime": "python3.12", "Handler": "app.handler"}
#: An installer that fails if it is ever run: proves a build did not install anything.
NEVER = Installer("uv", ("/nonexistent/never-run",))


@pytest.fixture(autouse=True)
def shared_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("LAMBHERD_CACHE_DIR", str(cache))
    return cache


def function_folder(root: Path, requirements: str | None = "six==1.17.0\n", **config) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "function.json").write_text(json.dumps({**CONFIG, **config}))
    (root / ".lambdaignore").write_text(LAMBDAIGNORE)
    (root / "app.py").write_text("import six\n\ndef handler(event, context):\n    return 1\n")
    if requirements is not None:
        (root / "requirements.txt").write_text(requirements)
    return root


# --- what to install, for which platform (no network) ------------------------------------
def test_requirements_with_comments_and_includes(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("idna==3.10  # pinned\n")
    (tmp_path / "requirements.txt").write_text("# deps\n-r base.txt\n\nsix==1.17.0\n")
    spec = find_dependencies(tmp_path)
    assert spec is not None and spec.requirements == ("idna==3.10", "six==1.17.0")
    assert [name for name, _ in spec.fingerprint] == ["base.txt", "requirements.txt"]


def test_pyproject_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\ndependencies=["six>=1"]\n')
    spec = find_dependencies(tmp_path)
    assert spec is not None and spec.requirements == ("six>=1",)
    (tmp_path / "pyproject.toml").write_text("[tool.x]\na=1\n")
    assert find_dependencies(tmp_path) is None


def test_platform_of_runtime_and_architecture() -> None:
    assert python_version("python3.12") == "3.12" and python_version("nodejs20.x") is None
    assert lambda_machine({}) == "x86_64"
    assert lambda_machine({"Architectures": ["arm64"]}) == "aarch64"


def test_install_commands_target_lambda(tmp_path: Path) -> None:
    req, target = tmp_path / "r.txt", tmp_path / "t"
    uv = install_command(Installer("uv", ("uv", "pip", "install")), req, target, "3.12", "aarch64")
    assert uv[uv.index("--python-platform") + 1] == "aarch64-manylinux2014"
    assert uv[uv.index("--python-version") + 1] == "3.12" and ":all:" in uv
    pip = install_command(Installer("pip", ("pip", "install")), req, target, "3.11", "x86_64")
    assert pip[pip.index("--platform") + 1] == "manylinux2014_x86_64"
    assert "--only-binary=:all:" in pip and pip[pip.index("--implementation") + 1] == "cp"
    assert find_installer().name == "uv"
    assert find_installer("pip").name == "pip"


def test_no_requirements_or_not_python_means_no_build(tmp_path: Path) -> None:
    plain = function_folder(tmp_path / "plain", requirements=None)
    assert build_function(plain, CONFIG, installer=NEVER).status == "none"
    node = function_folder(tmp_path / "node")
    assert (
        build_function(node, {**CONFIG, "Runtime": "nodejs20.x"}, installer=NEVER).status == "none"
    )


def test_bad_requirement_is_one_clear_error(tmp_path: Path) -> None:
    folder = function_folder(tmp_path / "bad", requirements="six===>>1\n")
    with pytest.raises(ArchiveError, match=r"requirements.txt: uv could not install"):
        build_function(folder, CONFIG)
    assert not (folder / BUILD_DIR).exists()


# --- real installs (six from PyPI) -------------------------------------------------------
def test_build_then_cache_hits(tmp_path: Path) -> None:
    folder = function_folder(tmp_path / "a")
    first = build_function(folder, CONFIG)
    assert first.status == "installed" and first.installer == "uv"
    assert (folder / BUILD_DIR / "six.py").is_file()
    again = build_function(folder, CONFIG, installer=NEVER)
    assert again.status == "fresh"
    other = function_folder(tmp_path / "b")  # same dependency set: the shared cache serves it
    shared = build_function(other, CONFIG, installer=NEVER)
    assert shared.status == "cached" and (other / BUILD_DIR / "six.py").is_file()
    arm = build_function(other, {**CONFIG, "Architectures": ["arm64"]})
    assert arm.status == "installed" and arm.key != first.key
    (folder / "requirements.txt").unlink()
    assert build_function(folder, CONFIG, installer=NEVER).status == "none"
    assert not (folder / BUILD_DIR).exists()


def test_pip_fallback_installs_for_the_platform(tmp_path: Path) -> None:
    folder = function_folder(tmp_path / "p")
    result = build_function(
        folder, {**CONFIG, "Runtime": "python3.13"}, installer=find_installer("pip")
    )
    assert result.status == "installed" and result.installer == "pip"
    assert (folder / BUILD_DIR / "six.py").is_file()


def test_cli_build_single_function(lh, tmp_path: Path) -> None:
    folder = function_folder(tmp_path / "cli")
    first = lh("-C", folder, "build")
    assert first.code == 0, first.err
    assert "installed with uv" in first.out or "from cache" in first.out
    second = lh("-C", folder, "build")
    assert second.code == 0 and "up to date" in second.out


def test_project_archive_has_build_at_root_and_no_state(tmp_path: Path) -> None:
    from lambherd.definition import load_function
    from lambherd.pipeline.code import code_identity

    folder = function_folder(tmp_path / "z")
    build_function(folder, CONFIG)
    defn = load_function(folder / "function.json")
    code = code_identity(defn, dest=tmp_path / "out.zip").source
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        names = zf.namelist()
    assert "six.py" in names and "app.py" in names and "requirements.txt" in names
    assert not [n for n in names if n.startswith(".lambherd") or n == "function.json"]
    hashed = code_identity(defn).source
    assert hashed.sha256 == code.sha256


def test_single_function_deploy_builds_and_ships_dependencies(
    lh, boto, lambda_role, tmp_path: Path
) -> None:
    folder = function_folder(tmp_path / "solo", Role=lambda_role)
    result = lh("-C", folder, "deploy")
    assert result.code == 0, result.err
    assert (folder / BUILD_DIR / "six.py").is_file()
    size = boto("lambda").get_function(FunctionName="deps")["Configuration"]["CodeSize"]
    assert size > 5000  # app.py alone zips to a few hundred bytes; six.py is in the zip
    again = lh("-C", folder, "deploy")
    assert again.code == 0 and "no changes" in again.out
