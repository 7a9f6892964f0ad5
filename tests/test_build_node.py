"""``build`` for Node.js: production dependencies for Lambda's platform, cached by lockfile, in
the zip at its root, and found by the local emulator. The install tests fetch one tiny package
(is-number) from the npm registry, its lockfile made at test time."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from deploy_testkit import LAMBDAIGNORE
from lambherd.build import build_function
from lambherd.build.cache import BUILD_DIR
from lambherd.build.node import find_node_dependencies, install_command
from lambherd.errors import ArchiveError
from local_testkit import NODE, needs_node

pytestmark = [needs_node, pytest.mark.slow, pytest.mark.timeout(300)]

CONFIG = {"FunctionName": "nodedeps", "Runtime": NODE, "Handler": "index.handler"}
HANDLER = 'const isNumber = require("is-number");\nexports.handler = async () => isNumber(7);\n'


@pytest.fixture(autouse=True)
def shared_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("LAMBHERD_CACHE_DIR", str(cache))
    return cache


def node_folder(root: Path, *, lock: bool = True, **config) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "function.json").write_text(json.dumps({**CONFIG, **config}))
    (root / ".lambdaignore").write_text(LAMBDAIGNORE)
    (root / "index.js").write_text(HANDLER)
    manifest = {
        "name": "nodedeps",
        "private": True,
        "dependencies": {"is-number": "7.0.0"},
        "devDependencies": {"is-odd": "3.0.1"},
    }
    (root / "package.json").write_text(json.dumps(manifest))
    if lock:
        subprocess.run(
            ["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit"],
            cwd=root,
            check=True,
            capture_output=True,
        )
    return root


def test_the_lockfile_names_the_package_manager(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "package.json").write_text('{"dependencies": {"x": "1"}}')
    assert find_node_dependencies(folder).manager == "npm"  # no lockfile: npm install
    for lockfile in ("yarn.lock", "pnpm-lock.yaml"):
        (folder / lockfile).write_text("")
    assert find_node_dependencies(folder).manager == "pnpm"  # pnpm's is looked for first
    (folder / "package-lock.json").write_text("{}")
    deps = find_node_dependencies(folder)
    assert deps.manager == "npm" and deps.lockfile == "package-lock.json"
    argv = install_command(deps, "arm64")
    assert argv[:3] == ["npm", "ci", "--omit=dev"] and "--cpu=arm64" in argv
    assert "--os=linux" in argv
    (folder / "package.json").write_text('{"devDependencies": {"x": "1"}}')
    assert find_node_dependencies(folder) is None  # nothing ships: nothing to build


def test_a_missing_package_manager_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "package.json").write_text('{"dependencies": {"x": "1"}}')
    (folder / "pnpm-lock.yaml").write_text("lockfileVersion: '9.0'\n")
    if shutil.which("pnpm"):
        pytest.skip("pnpm is installed here")
    with pytest.raises(ArchiveError, match=r"pnpm is not installed \(the lockfile is pnpm's\)"):
        build_function(folder, CONFIG)


def test_npm_ci_builds_once_then_from_cache_and_ships_at_the_zip_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambherd.archive.build import build_archive
    from lambherd.archive.function_package import package_options
    from lambherd.definition import load_function

    folder = node_folder(tmp_path / "one")
    first = build_function(folder, CONFIG)
    assert first.status == "installed" and first.installer == "npm"
    modules = folder / BUILD_DIR / "node_modules"
    assert (modules / "is-number" / "package.json").is_file()
    assert not (modules / "is-odd").exists()  # --omit=dev
    assert build_function(folder, CONFIG).status == "fresh"
    other = node_folder(tmp_path / "two")
    shutil.copy2(folder / "package-lock.json", other / "package-lock.json")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))  # npm cannot run: a hit or nothing
    assert build_function(other, CONFIG).status == "cached"
    monkeypatch.undo()
    # the folder's own node_modules (dev tools) is left out; the build's is at the zip root
    (folder / "node_modules" / "is-odd").mkdir(parents=True)
    (folder / "node_modules" / "is-odd" / "index.js").write_text("module.exports = 1;\n")
    defn = load_function(folder / "function.json")
    zipped = tmp_path / "f.zip"
    build_archive(folder, zipped, **package_options(defn))
    names = zipfile.ZipFile(zipped).namelist()
    assert "node_modules/is-number/index.js" in names and "index.js" in names
    assert not [n for n in names if n.startswith("node_modules/is-odd")]


def test_the_local_emulator_finds_the_build_from_commonjs_and_es_modules(tmp_path: Path) -> None:
    from lambherd.local import FunctionSpec, LocalRuntime

    folder = node_folder(tmp_path / "run")
    (folder / "esm.mjs").write_text(
        'import isNumber from "is-number";\nexport const handler = async () => isNumber("x");\n'
    )
    build_function(folder, CONFIG)
    assert not (folder / "node_modules").exists()  # only the build has the package
    with LocalRuntime() as rt:
        for handler in ("index.handler", "esm.handler"):
            name = handler.split(".")[0]
            rt.register(FunctionSpec(name=name, handler=handler, runtime=NODE, code_dir=folder))
        cjs, esm = rt.invoke("index", b"{}"), rt.invoke("esm", b"{}")
    assert (cjs.function_error, cjs.payload) == (None, b"true"), cjs.payload
    assert (esm.function_error, esm.payload) == (None, b"false"), esm.payload


def test_cli_build_of_a_node_function(lh, tmp_path: Path) -> None:
    folder = node_folder(tmp_path / "cli", Architectures=["arm64"])
    res = lh("-C", folder, "build")
    assert res.code == 0, res.err
    assert "installed with npm (node20 linux-arm64, npm (package-lock.json))" in res.out
