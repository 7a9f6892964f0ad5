"""Node.js builds: a function's production dependencies installed for Lambda's platform, cached.

The lockfile names the package manager, as each tool expects: ``package-lock.json`` (or
``npm-shrinkwrap.json``) -> ``npm ci --omit=dev``; ``pnpm-lock.yaml`` -> ``pnpm install
--frozen-lockfile --prod``; ``yarn.lock`` -> ``yarn install --frozen-lockfile --production``; a
``package.json`` without a lockfile -> ``npm install --omit=dev`` (said in the result). The
platform is Lambda's: ``--os=linux --cpu=<x64|arm64>`` (npm's choice of optional, per-platform
packages such as esbuild's) and ``npm_config_arch``/``npm_config_platform`` (prebuild-install
and node-gyp), the CPU from ``Architectures``.

Like the Python builds (``builder``): keyed by (lockfile and package.json, manager, Node major,
CPU), installed once into the shared cache, linked into ``.lambherd/build/node_modules``, which
the archive merges at the zip's root (the folder's own ``node_modules`` is then left out of the
zip: ``archive.function_package``) and the local emulator puts on ``NODE_PATH``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambherd.build import cache
from lambherd.build.result import BuildResult
from lambherd.errors import ArchiveError

#: (lockfile, package manager), in the order they are looked for.
LOCKFILES = (
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
)
#: Files copied next to package.json for the install (registry settings, workspaces...).
EXTRA_FILES = (".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml")
FORMAT = 1
INSTALL_TIMEOUT_S = 900.0
_NODE_RUNTIME = re.compile(r"^nodejs(\d+)\.x$")


@dataclass(frozen=True)
class NodeDependencies:
    """A Node function's dependency set: its manifest, lockfile and package manager."""

    folder: Path
    manager: str
    lockfile: str | None
    files: tuple[str, ...]  # what the install reads, relative to the folder

    def fingerprint(self) -> list[list[str]]:
        """Each file and the SHA-256 of its content (the cache key hashes these)."""
        out = []
        for name in self.files:
            digest = hashlib.sha256((self.folder / name).read_bytes()).hexdigest()
            out.append([name, digest])
        return out


def node_major(runtime: Any) -> str | None:
    """``nodejs20.x`` -> ``20``; None for other runtimes."""
    match = _NODE_RUNTIME.match(str(runtime or ""))
    return match.group(1) if match else None


def npm_cpu(config: dict[str, Any]) -> str:
    """The function's CPU in npm's words: ``x64`` or ``arm64``."""
    return "arm64" if "arm64" in (config.get("Architectures") or ["x86_64"]) else "x64"


def find_node_dependencies(folder: Path) -> NodeDependencies | None:
    """The folder's dependency set, or None without a package.json listing dependencies."""
    manifest = folder / "package.json"
    if not manifest.is_file():
        return None
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{manifest}: cannot read: {exc}") from exc
    if not isinstance(doc, dict) or not (
        doc.get("dependencies") or doc.get("optionalDependencies")
    ):
        return None
    manager, lockfile = "npm", None
    for name, tool in LOCKFILES:
        if (folder / name).is_file():
            manager, lockfile = tool, name
            break
    files = ["package.json", *([lockfile] if lockfile else [])]
    files += [name for name in EXTRA_FILES if (folder / name).is_file()]
    return NodeDependencies(folder, manager, lockfile, tuple(files))


def install_command(deps: NodeDependencies, cpu: str) -> list[str]:
    """The package manager's command for a production install for Lambda (linux, ``cpu``)."""
    if deps.manager == "pnpm":
        return ["pnpm", "install", "--frozen-lockfile", "--prod", "--config.node-linker=hoisted"]
    if deps.manager == "yarn":
        return ["yarn", "install", "--frozen-lockfile", "--production", "--non-interactive"]
    verb = "ci" if deps.lockfile else "install"
    return [
        "npm",
        verb,
        "--omit=dev",
        "--os=linux",
        f"--cpu={cpu}",
        "--no-audit",
        "--no-fund",
        "--no-update-notifier",
    ]


def build_node_function(folder: Path, config: dict[str, Any], *, force: bool = False) -> Any:
    """Make ``folder/.lambherd/build/node_modules`` match the dependencies and platform."""
    start = time.monotonic()
    deps = find_node_dependencies(folder)
    if deps is None:
        if cache.read_stamp(folder) is not None:
            cache.clear_build(folder)
        return BuildResult(folder, "none", detail="no package.json with dependencies")
    major = node_major(config.get("Runtime")) or "20"
    cpu = npm_cpu(config)
    doc = {"format": FORMAT, "node": major, "cpu": cpu, "manager": deps.manager}
    doc["files"] = deps.fingerprint()
    key = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
    target = cache.build_dir(folder)
    stamp = cache.read_stamp(folder)
    detail = f"node{major} linux-{cpu}, {deps.manager} ({deps.lockfile or 'no lockfile'})"
    if not force and stamp and stamp.get("key") == key and target.is_dir():
        return BuildResult(folder, "fresh", time.monotonic() - start, key, detail=detail)
    with cache.key_lock(key):
        shared = cache.shared_cache_root() / key
        status, used = "cached", None
        if force or not shared.is_dir():
            _install_shared(deps, shared, cpu, major)
            status, used = "installed", deps.manager
    target.parent.mkdir(parents=True, exist_ok=True)
    cache.link_tree(shared, target)
    cache.write_stamp(
        folder,
        {"key": key, "node": major, "machine": cpu, "manager": deps.manager, "kind": "node"},
    )
    return BuildResult(folder, status, time.monotonic() - start, key, used, detail)


def _install_shared(deps: NodeDependencies, shared: Path, cpu: str, major: str) -> None:
    """Install in a scratch copy of the manifest and lockfile, then move node_modules."""
    argv = install_command(deps, cpu)
    if shutil.which(argv[0]) is None:
        raise ArchiveError(
            f"{deps.folder / (deps.lockfile or 'package.json')}: {argv[0]} is not installed "
            f"(the lockfile is {deps.manager}'s)",
            hint=f"install {argv[0]}, or use the lockfile of a package manager you have",
        )
    shared.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{shared.name[:12]}.", dir=shared.parent))
    try:
        project = work / "project"
        project.mkdir()
        for name in deps.files:
            shutil.copy2(deps.folder / name, project / name)
        env = dict(os.environ)
        env.update(
            {
                "npm_config_arch": cpu,
                "npm_config_platform": "linux",
                "npm_config_target_arch": cpu,
                "npm_config_update_notifier": "false",
                "NODE_ENV": "production",
            }
        )
        _run(argv, project, env, deps)
        tree = work / "tree"
        tree.mkdir()
        modules = project / "node_modules"
        if modules.is_dir():
            os.replace(modules, tree / "node_modules")
        shutil.rmtree(shared, ignore_errors=True)
        os.replace(tree, shared)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(argv: list[str], cwd: Path, env: dict[str, str], deps: NodeDependencies) -> None:
    label = deps.folder / (deps.lockfile or "package.json")
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ArchiveError(
            f"{label}: {argv[0]} gave no result in {INSTALL_TIMEOUT_S:.0f} s"
        ) from None
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        useful = [ln for ln in lines if "complete log of this run" not in ln]
        reason = (useful or lines or [f"exit status {proc.returncode}"])[-1]
        raise ArchiveError(
            f"{label}: {' '.join(argv[:2])} could not install the dependencies: {reason}",
            hint="check package.json and the lockfile agree (npm ci needs them in sync)",
        )
