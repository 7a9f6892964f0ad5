"""``build_function``: install a function's dependencies for Lambda into ``.lambherd/build``.

Nothing is installed when the folder's stamp already names the same key (``fresh``) or the
shared cache has it (``cached``); otherwise the installer runs once into the shared cache
(``installed``). A folder without a requirements file, or a non-Python runtime, has no build.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from lambherd.build import cache
from lambherd.build.installer import Installer, find_installer, run_install
from lambherd.build.requirements import find_dependencies, lambda_machine, python_version
from lambherd.build.result import BuildResult

#: Definition fields a build depends on: the platform (Python version, CPU) it installs for.
BUILD_FIELDS = ("Runtime", "Architectures")
#: Files installers leave at the top of ``--target`` (uv's lock file) that must not ship.
INSTALLER_LEFTOVERS = (".lock",)


def build_function(
    folder: Path,
    config: dict[str, Any],
    *,
    force: bool = False,
    installer: Installer | None = None,
) -> BuildResult:
    """Make ``folder/.lambherd/build`` match the dependencies and platform of ``config``."""
    from lambherd.build.node import build_node_function, node_major

    if node_major(config.get("Runtime")) is not None:  # package.json + lockfile (build.node)
        return build_node_function(folder, config, force=force)
    start = time.monotonic()
    spec = find_dependencies(folder)
    if spec is None:
        if cache.read_stamp(folder) is not None:
            cache.clear_build(folder)  # the requirements file is gone: so is its build
        return BuildResult(folder, "none", detail="no requirements.txt or pyproject.toml")
    version = python_version(config.get("Runtime"))
    if version is None:
        return BuildResult(folder, "none", detail=f"runtime {config.get('Runtime')} is not Python")
    machine = lambda_machine(config)
    key = cache.cache_key(spec, version, machine)
    target = cache.build_dir(folder)
    stamp = cache.read_stamp(folder)
    if not force and stamp and stamp.get("key") == key and target.is_dir():
        return BuildResult(folder, "fresh", time.monotonic() - start, key)
    label = spec.source.name
    with cache.key_lock(key):
        shared = cache.shared_cache_root() / key
        status, used = "cached", None
        if force or not shared.is_dir():
            installer = installer or find_installer()
            _install_shared(spec.requirements, shared, installer, version, machine, folder, label)
            status, used = "installed", installer.name
    target.parent.mkdir(parents=True, exist_ok=True)
    cache.link_tree(shared, target)
    cache.write_stamp(
        folder,
        {"key": key, "python": version, "machine": machine, "source": label},
    )
    detail = f"python{version} {machine}, {len(spec.requirements)} requirement(s)"
    return BuildResult(folder, status, time.monotonic() - start, key, used, detail)


def _install_shared(
    requirements: tuple[str, ...],
    shared: Path,
    installer: Installer,
    version: str,
    machine: str,
    folder: Path,
    label: str,
) -> None:
    """Install into a temporary folder beside ``shared``, then move it into place."""
    shared.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{shared.name[:12]}.", dir=shared.parent))
    try:
        req = work / "requirements.txt"
        req.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        tree = work / "tree"
        tree.mkdir()
        if requirements:
            run_install(installer, req, tree, version, machine, cwd=folder, label=label)
        for noise in INSTALLER_LEFTOVERS:  # the installer's own files, not the function's
            (tree / noise).unlink(missing_ok=True)
        shutil.rmtree(shared, ignore_errors=True)
        os.replace(tree, shared)
    finally:
        shutil.rmtree(work, ignore_errors=True)
