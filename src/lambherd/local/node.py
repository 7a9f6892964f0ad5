"""Node.js runtimes (``nodejs20.x``, ``nodejs22.x``, ``nodejs24.x``) in the local emulator.

Which ``node`` runs a function, in order of preference:

1. ``LAMBHERD_LOCAL_NODE``: that executable, whatever its version (one warning when its major
   is not the runtime's).
2. A Node.js of the runtime's major version on this machine: version managers' folders (nvm,
   fnm, volta, asdf, n), ``node<major>`` on PATH, then ``node`` on PATH.
3. Any other Node.js found, with one warning saying which version runs the function and how to
   get the right one.

The runtime interface client (``aws-lambda-ric``) is prepared once per Node major
(``node_runtimes``). The child gets what Lambda's Node bootstrap gives: ``NODE_PATH`` (layers'
``nodejs/node<major>/node_modules`` and ``nodejs/node_modules``, the build's ``node_modules``,
the task root), ``--max-old-space-size``/``--max-semi-space-size`` from the memory size,
``--expose-gc`` and an 80 KiB header limit.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lambherd.errors import LocalRuntimeError
from lambherd.local import node_runtimes, runtimes
from lambherd.local.interpreters import Interpreter

if TYPE_CHECKING:
    from lambherd.local.spec import FunctionSpec

_NODE_RUNTIME = re.compile(r"^nodejs(\d+)\.x$")
#: The Node.js runtimes the emulator runs (Lambda's supported ones).
NODE_RUNTIMES = ("nodejs20.x", "nodejs22.x", "nodejs24.x")
_PYTHON_ONLY = ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")


def _has_module_hooks(version: str) -> bool:
    """``module.register`` and ``--import``: Node 20.6 and later."""
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (20, 6)


def is_node_runtime(runtime: str | None) -> bool:
    """True for ``nodejsNN.x``."""
    return bool(_NODE_RUNTIME.match(runtime or ""))


@dataclass(frozen=True)
class NodeInterpreter(Interpreter):
    """A ``node`` executable with its prepared runtime interface client."""

    entry: str = ""  # the ric's command script
    full_version: str = ""  # "20.20.2"

    def command(self, handler: str, memory_mb: int = 128) -> list[str]:
        """``node <Lambda's flags> <ric> <handler>`` (the flags of Lambda's Node bootstrap),
        with lambherd's ESM fallback to ``NODE_PATH`` preloaded where Node has module hooks."""
        new_space = max(1, memory_mb // 10)
        argv = [
            self.executable,
            "--expose-gc",
            "--max-http-header-size=81920",
            f"--max-semi-space-size={max(1, new_space // 2)}",
            f"--max-old-space-size={memory_mb - new_space}",
        ]
        if _has_module_hooks(self.full_version):
            argv += ["--import", Path(__file__).with_name("node_preload.mjs").as_uri()]
        return [*argv, self.entry, handler]

    def adapt_environment(self, env: dict[str, str], spec: FunctionSpec) -> dict[str, str]:
        """Lambda's Node variables instead of the Python ones."""
        from lambherd.build.cache import build_dir

        out = {k: v for k, v in env.items() if k not in _PYTHON_ONLY}
        major = self.version
        code = Path(spec.code_dir).resolve()
        paths: list[str] = []
        for layer in spec.layer_dirs:
            base = Path(layer).resolve() / "nodejs"
            for sub in (base / f"node{major}" / "node_modules", base / "node_modules"):
                if sub.is_dir():
                    paths.append(str(sub))
        build = build_dir(code) / "node_modules"
        if build.is_dir():
            paths.append(str(build))
        paths.append(str(code))
        out.setdefault("NODE_PATH", os.pathsep.join(paths))
        out["LAMBDA_RUNTIME_DIR"] = str(Path(self.entry).parent)
        return out


@dataclass(frozen=True)
class _Found:
    executable: str
    version: str  # "20.20.2"

    @property
    def major(self) -> str:
        return self.version.split(".")[0]


def _probe(executable: str) -> _Found | None:
    try:
        done = subprocess.run(
            [executable, "-p", "process.versions.node"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = done.stdout.strip()
    if done.returncode != 0 or not re.fullmatch(r"\d+\.\d+\.\d+", version):
        return None
    return _Found(os.path.realpath(executable), version)


def _candidates(major: str) -> list[str]:
    """Node executables of ``major`` first (version managers, ``node<major>``), then ``node``."""
    home = os.path.expanduser("~")
    nvm = os.environ.get("NVM_DIR") or os.path.join(home, ".nvm")
    fnm = os.environ.get("FNM_DIR") or os.path.join(home, ".local", "share", "fnm")
    patterns = [
        os.path.join(nvm, "versions", "node", f"v{major}.*", "bin", "node"),
        os.path.join(fnm, "node-versions", f"v{major}.*", "installation", "bin", "node"),
        os.path.join(home, ".volta", "tools", "image", "node", f"{major}.*", "bin", "node"),
        os.path.join(home, ".asdf", "installs", "nodejs", f"{major}.*", "bin", "node"),
        os.path.join("/usr/local/n/versions/node", f"{major}.*", "bin", "node"),
    ]
    found: list[str] = []
    for pattern in patterns:
        found += sorted(glob.glob(pattern), reverse=True)  # newest first
    for name in (f"node{major}", "node"):
        exe = shutil.which(name)
        if exe:
            found.append(exe)
    return list(dict.fromkeys(found))


def resolve_node(runtime: str, notify: Callable[[str], None]) -> NodeInterpreter:
    """The ``node`` and prepared ric for ``runtime`` (may build the ric once, see the module)."""
    match = _NODE_RUNTIME.match(runtime)
    if not match or runtime not in NODE_RUNTIMES:
        raise LocalRuntimeError(
            f"runtime {runtime}: not supported locally (Node.js runtimes: "
            f"{', '.join(NODE_RUNTIMES)})"
        )
    forced = os.environ.get("LAMBHERD_LOCAL_NODE") or None
    return _resolve(runtime, match.group(1), forced, str(runtimes.cache_root()), _Quiet(notify))


class _Quiet:
    """A callback left out of ``_resolve``'s memo key."""

    def __init__(self, fn: Callable[[str], None]) -> None:
        self.fn = fn

    def __call__(self, message: str) -> None:
        self.fn(message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Quiet)

    def __hash__(self) -> int:
        return 0


@functools.lru_cache(maxsize=16)
def _resolve(
    runtime: str, wanted: str, forced: str | None, cache: str, notify: _Quiet
) -> NodeInterpreter:
    if forced:
        node = _probe(shutil.which(forced) or forced)
        if node is None:
            raise LocalRuntimeError(f"LAMBHERD_LOCAL_NODE={forced}: not a Node.js that runs")
        warning = None
        if node.major != wanted:
            warning = (
                f"runtime {runtime}: LAMBHERD_LOCAL_NODE={forced} is Node.js {node.version}; "
                "running with it"
            )
    else:
        found = [p for p in map(_probe, _candidates(wanted)) if p is not None]
        if not found:
            raise LocalRuntimeError(
                f"runtime {runtime}: Node.js is not installed (no node on PATH; install "
                f"Node.js {wanted}, or set LAMBHERD_LOCAL_NODE to a node executable)"
            )
        exact = [p for p in found if p.major == wanted]
        node = (exact or found)[0]
        warning = None
        if not exact:
            warning = (
                f"runtime {runtime}: no Node.js {wanted} found; running with Node.js "
                f"{node.version} ({node.executable}) instead (install Node.js {wanted}, e.g. "
                f"with nvm, or set LAMBHERD_LOCAL_NODE to a node{wanted})"
            )
    prepared = node_runtimes.prepare_node_runtime(
        node.executable, node.version, root=Path(cache), notify=notify
    )
    return NodeInterpreter(
        node.executable,
        node.major,
        warning=warning,
        entry=str(prepared.entry),
        full_version=node.version,
    )
