"""Prepared Node.js runtime environments: the official runtime interface client, built once.

A Node function runs ``node <aws-lambda-ric entry> <handler>`` against our Runtime API, as
Lambda's managed Node runtimes do. ``aws-lambda-ric`` (npm) has a native part (aws-lambda-cpp
over a static libcurl, built by its install scripts with autotools, cmake, make, g++ and
node-gyp): we install it once per Node.js major version and CPU under the runtime cache
(``runtimes.cache_root()``: ``$LAMBHERD_RUNTIME_CACHE``...), in ``node<major>-<machine>``.

The version of the client follows the Node major running it: aws-lambda-ric 4 requires Node 22
or later, so Node 20 gets the last 3.x (``RIC_FOR_NODE``). Safe across threads and processes
(the same lock, temporary folder, rename and stamp as the Python environments). The build's
sources (``deps/``) are removed afterwards: what stays is the client's JavaScript, its native
addon and its runtime dependencies.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lambherd.errors import LocalRuntimeError
from lambherd.local import runtimes

#: Bumped when the layout of a prepared Node environment changes (old ones are rebuilt).
STAMP_FORMAT = 1
#: aws-lambda-ric release per Node major: 4.x needs Node >= 22 (its package.json engines).
RIC_FOR_NODE: tuple[tuple[int, str], ...] = ((22, "4.0.2"), (0, "3.3.0"))
#: The ric build compiles curl and aws-lambda-cpp: minutes on a small machine.
BUILD_TIMEOUT_S = 1800.0
#: Tools the ric's install scripts run, and the Debian package that has each.
BUILD_TOOLS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("cmake", "cmake3"), "cmake"),
    (("make",), "make"),
    (("g++", "c++"), "g++"),
    (("autoreconf",), "autoconf"),
    (("aclocal", "automake"), "automake"),
    (("libtoolize",), "libtool"),
    (("python3",), "python3"),
)


@dataclass(frozen=True)
class PreparedNodeRuntime:
    """A ready ric: the command's entry script and what the stamp says."""

    entry: Path
    folder: Path
    stamp: dict[str, object]


def ric_version(node_major: int) -> str:
    """The aws-lambda-ric release for a Node major."""
    return next(version for floor, version in RIC_FOR_NODE if node_major >= floor)


def environment_folder(node_major: int, root: Path | None = None) -> Path:
    """``<cache>/node<major>-<machine>``."""
    machine = platform.machine() or "unknown"
    return (root or runtimes.cache_root()) / f"node{node_major}-{machine}"


def _package_dir(folder: Path) -> Path:
    return folder / "node_modules" / "aws-lambda-ric"


#: Our start script: the ric's module, started as Lambda's bootstrap starts it (3.x exports
#: ``run(appRoot, handler)``; 4.x starts itself from ``LAMBDA_TASK_ROOT`` and ``_HANDLER``),
#: without the banner line 3.x's own command prints.
ENTRY = "lambherd-entry.mjs"
_ENTRY_SOURCE = """\
// Written by lambherd: starts aws-lambda-ric as Lambda's Node.js bootstrap does.
const ric = await import(%s);
if (typeof ric.run === "function") {
  await ric.run(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);
}
"""


def _main_module(package: Path) -> Path | None:
    """The ric's module (its package.json ``main``), when the package is there."""
    try:
        doc = json.loads((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    main = doc.get("main")
    return package / main if isinstance(main, str) else None


def _addon(package: Path) -> Path | None:
    for candidate in (package / "rapid-client.node", package / "dist" / "rapid-client.node"):
        if candidate.is_file():
            return candidate
    return None


def cached_node_runtime(node_major: int, root: Path | None = None) -> PreparedNodeRuntime | None:
    """The prepared ric for ``node_major`` when complete and current (file checks only)."""
    folder = environment_folder(node_major, root)
    stamp = runtimes.read_stamp(folder)
    if stamp is None or stamp.get("format") != STAMP_FORMAT:
        return None
    if stamp.get("requirement") != f"aws-lambda-ric@{ric_version(node_major)}":
        return None
    entry = folder / ENTRY
    if not entry.is_file() or _addon(_package_dir(folder)) is None:
        return None
    return PreparedNodeRuntime(entry, folder, stamp)


def missing_build_tools() -> list[str]:
    """Debian packages whose tools the ric's build needs and this machine lacks."""
    return [pkg for names, pkg in BUILD_TOOLS if not any(shutil.which(n) for n in names)]


def prepare_node_runtime(
    node: str,
    node_version: str,
    *,
    root: Path | None = None,
    notify: Callable[[str], None] | None = None,
) -> PreparedNodeRuntime:
    """The ric for ``node`` (version ``node_version``, e.g. "20.20.2"), built unless cached.

    ``notify`` gets one line when a build starts. Raises ``LocalRuntimeError`` saying what is
    missing when the client cannot be built here.
    """
    from lambherd.build.cache import key_lock

    major = int(node_version.split(".")[0])
    found = cached_node_runtime(major, root)
    if found is not None:
        return found
    folder = environment_folder(major, root)
    requirement = f"aws-lambda-ric@{ric_version(major)}"
    missing = missing_build_tools()
    if missing:
        raise LocalRuntimeError(
            f"cannot build {requirement} for Node.js {major}: missing build tools "
            f"(Debian packages: {' '.join(missing)}; apt-get install {' '.join(missing)})"
        )
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LocalRuntimeError(f"cannot create the runtime cache {folder.parent}: {exc}") from exc
    with key_lock(str(folder)), runtimes.file_lock(folder.parent / f"{folder.name}.lock"):
        found = cached_node_runtime(major, root)
        if found is not None:
            return found
        if notify is not None:
            notify(
                f"preparing the Node.js {major} runtime environment (once, a few minutes: "
                f"{requirement} compiles its native client) in {folder}"
            )
        try:
            runtimes.remove_leftovers(folder)
            temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        except OSError as exc:
            raise LocalRuntimeError(f"cannot write in {folder.parent}: {exc}") from exc
        try:
            os.chmod(temp, 0o755)
            stamp = _build(temp, node, node_version, requirement)
            (temp / runtimes.STAMP).write_text(json.dumps(stamp, indent=2) + "\n", "utf-8")
            runtimes.replace_folder(temp, folder)
        except OSError as exc:
            raise LocalRuntimeError(f"cannot write {folder}: {exc}") from exc
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    found = cached_node_runtime(major, root)
    if found is None:
        raise LocalRuntimeError(f"the Node.js runtime built in {folder} is incomplete")
    return found


def _npm(node: str) -> str:
    """npm next to ``node`` (nvm, fnm, volta keep them together), else the one on PATH."""
    beside = Path(node).resolve().parent / "npm"
    if beside.exists():
        return str(beside)
    found = shutil.which("npm")
    if not found:
        raise LocalRuntimeError(f"npm not found (next to {node} or on PATH): it installs the ric")
    return found


def _build(temp: Path, node: str, node_version: str, requirement: str) -> dict[str, object]:
    (temp / "package.json").write_text(
        json.dumps({"name": "lambherd-node-runtime", "private": True}) + "\n", "utf-8"
    )
    env = dict(os.environ)
    # the node that will run the client builds it (node-gyp compiles against its headers)
    env["PATH"] = os.pathsep.join([str(Path(node).resolve().parent), env.get("PATH", "")])
    env.update({"npm_config_update_notifier": "false", "npm_config_fund": "false"})
    for name in ("NODE_OPTIONS", "npm_config_prefix", "npm_config_global"):
        env.pop(name, None)
    argv = [_npm(node), "install", "--no-audit", "--no-fund", "--no-package-lock", requirement]
    _run(argv, temp, env, f"npm install {requirement}")
    package = _package_dir(temp)
    if _addon(package) is None:
        raise LocalRuntimeError(f"npm install {requirement}: the native client was not built")
    for leftover in ("deps", "build", "src/native/build"):  # sources and objects of the build
        shutil.rmtree(package / leftover, ignore_errors=True)
    main = _main_module(package)
    if main is None or not main.is_file():
        raise LocalRuntimeError(f"npm install {requirement}: its main module is missing")
    (temp / ENTRY).write_text(_ENTRY_SOURCE % json.dumps(f"./{main.relative_to(temp)}"), "utf-8")
    installed = json.loads((package / "package.json").read_text("utf-8")).get("version")
    return {
        "format": STAMP_FORMAT,
        "runtime": f"node{node_version.split('.')[0]}",
        "machine": platform.machine(),
        "node": os.path.realpath(node),
        "node_version": node_version,
        "requirement": requirement,
        "installed": {"aws-lambda-ric": installed},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _run(argv: list[str], cwd: Path, env: dict[str, str], what: str) -> None:
    noise = ("npm error A complete log",)  # npm's pointer to its log file, not the reason
    runtimes.run_tool(argv, what, env=env, timeout_s=BUILD_TIMEOUT_S, cwd=cwd, noise=noise)


def prepare_for_machine(
    root: Path | None = None, notify: Callable[[str], None] | None = None
) -> str:
    """Prepare the ric for the ``node`` on PATH (CI does this once before its tests); a line
    saying what was done, or why nothing was."""

    node = shutil.which("node")
    if node is None:
        return "Node.js runtimes: no node on PATH; nothing prepared"
    version = subprocess.run(
        [node, "-p", "process.versions.node"], capture_output=True, text=True, check=False
    ).stdout.strip()
    started = time.monotonic()
    cached = cached_node_runtime(int(version.split(".")[0]), root) is not None
    prepared = prepare_node_runtime(node, version, root=root, notify=notify)
    took = "cached" if cached else f"built in {time.monotonic() - started:.0f} s"
    installed = prepared.stamp.get("installed", {})
    ric = installed.get("aws-lambda-ric") if isinstance(installed, dict) else None
    return f"Node.js {version}: aws-lambda-ric {ric} ready in {prepared.folder} ({took})"


def main() -> None:
    """``python3 -c 'from lambherd.local.node_runtimes import main; main()'``: prepare the ric
    for this machine's node into the runtime cache and say so (one line; exit 1 on failure)."""
    import sys

    try:
        print(prepare_for_machine(notify=lambda line: print(line, flush=True)), flush=True)
    except LocalRuntimeError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        raise SystemExit(1) from None
