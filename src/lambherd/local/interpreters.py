"""Which Python executable runs a function's runtime (``python3.12`` -> an interpreter).

Every runtime runs isolated: in a prepared environment (``runtimes``) holding only what Lambda's
runtime has, never with lambherd's own site-packages (where yaml, requests, rich, moto and click
would hide a dependency missing from the package). In order of preference:

1. ``LAMBHERD_LOCAL_PYTHON``: that executable, whatever it is (checked that it runs).
2. The prepared environment for that version in the runtime cache (see ``runtimes``).
3. An installed interpreter of that version (for our own version, the base interpreter our
   venv was made from): a prepared environment is made from it, once (unless
   ``LAMBHERD_RUNTIME_PROVISION=0``).
4. Our own interpreter, with one warning saying why (it sees lambherd's packages) and how to
   fix it.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambherd.errors import LocalRuntimeError
from lambherd.local import runtimes

_PYTHON_RUNTIME = re.compile(r"^python(3)\.(\d+)$")
_PROBE = (
    "import json, sys, importlib.util as u\n"
    "try:\n"
    "    import awslambdaric, runtime_client\n"
    "    ric = True\n"
    "except Exception:\n"
    "    ric = False\n"
    "print(json.dumps({'version': '%d.%d' % sys.version_info[:2], 'awslambdaric': ric, "
    "'boto3': u.find_spec('boto3') is not None}))\n"
)
_OFF = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Interpreter:
    """The executable chosen for a runtime, and a warning when it is not an exact match."""

    executable: str
    version: str  # "3.11"
    warning: str | None = None

    def command(self, handler: str, memory_mb: int = 128) -> list[str]:
        """The child's command line: ``python -m awslambdaric <handler>``."""
        return [self.executable, "-m", "awslambdaric", handler]

    def adapt_environment(self, env: dict[str, str], spec: Any) -> dict[str, str]:
        """The child's variables for this kind of runtime (Python's are made as they are)."""
        return env


@dataclass(frozen=True)
class _Probe:
    executable: str
    version: str
    awslambdaric: bool
    boto3: bool


def _current_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _candidates(version: str) -> list[str]:
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", "python")))
    exe = shutil.which(f"python{version}")
    if exe:
        found.append(exe)
    for prefix in ("/usr/local/bin", "/usr/bin"):
        path = os.path.join(prefix, f"python{version}")
        if os.path.exists(path):
            found.append(path)
    return list(dict.fromkeys(found))


def _probe(executable: str) -> _Probe | None:
    """What ``executable`` is (None when it does not run, e.g. a pyenv shim of another version)."""
    try:
        done = subprocess.run(
            [executable, "-c", _PROBE],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0:
            return None
        info = json.loads(done.stdout.strip().splitlines()[-1])
        return _Probe(executable, str(info["version"]), bool(info["awslambdaric"]), info["boto3"])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError, KeyError, TypeError):
        return None


def _base_interpreter() -> str:
    """The interpreter our own venv was made from (a venv of it does not see our packages)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base)


def _stderr_notify(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def resolve_interpreter(runtime: str, notify: Callable[[str], None] | None = None) -> Interpreter:
    """The interpreter for ``runtime``; raises ``LocalRuntimeError`` for non-Python runtimes.

    May prepare a runtime environment (once per machine, cached on disk); ``notify`` (default:
    a line on stderr) then gets one line saying so. The answer is remembered per runtime and
    ``LAMBHERD_*`` settings.
    """
    match = _PYTHON_RUNTIME.match(runtime or "")
    if not match:
        raise LocalRuntimeError(
            f"runtime {runtime or '(none)'}: not supported locally yet "
            "(the local emulator runs python3.x functions only)"
        )
    settings = (
        os.environ.get("LAMBHERD_LOCAL_PYTHON") or None,
        os.environ.get("LAMBHERD_RUNTIME_PROVISION", "1").strip().lower() not in _OFF,
        str(runtimes.cache_root()),
    )
    wanted = f"{match.group(1)}.{match.group(2)}"
    return _resolve(runtime, wanted, *settings, _Notify(notify or _stderr_notify))


class _Notify:
    """A callback that does not take part in the memo key of ``_resolve``."""

    def __init__(self, fn: Callable[[str], None]) -> None:
        self.fn = fn

    def __call__(self, message: str) -> None:
        self.fn(message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Notify)

    def __hash__(self) -> int:
        return 0


@functools.lru_cache(maxsize=64)
def _resolve(
    runtime: str, wanted: str, forced: str | None, provision: bool, cache: str, notify: _Notify
) -> Interpreter:
    current = _current_version()
    if forced:
        return _forced(runtime, wanted, forced)
    root = Path(cache)
    prepared = runtimes.cached_runtime(wanted, root)
    if prepared is not None:
        return Interpreter(prepared.python, wanted)
    bases = [_base_interpreter()] if wanted == current else _candidates(wanted)
    found = [p for p in map(_probe, bases) if p is not None and p.version == wanted]
    if not found:
        why = (
            f"no Python {wanted} interpreter found; running with Python {current} instead "
            f"(install Python {wanted}, or set LAMBHERD_LOCAL_PYTHON to a python{wanted})"
        )
        return Interpreter(sys.executable, current, warning=f"runtime {runtime}: {why}")
    base = found[0].executable
    if not provision:
        why = (
            f"Python {wanted} ({base}) has no prepared environment and "
            f"LAMBHERD_RUNTIME_PROVISION=0 keeps lambherd from making one; running with "
            f"lambherd's own Python {current} instead, which "
            f"also sees lambherd's packages (unset LAMBHERD_RUNTIME_PROVISION, or set "
            f"LAMBHERD_LOCAL_PYTHON to a python{wanted} with awslambdaric and boto3)"
        )
        return Interpreter(sys.executable, current, warning=f"runtime {runtime}: {why}")
    try:
        prepared = runtimes.prepare_runtime(wanted, base, root=root, notify=notify)
    except LocalRuntimeError as exc:
        why = (
            f"could not prepare a Python {wanted} environment in {cache} ({exc}); running with "
            f"Python {current} instead (check access to PyPI and run again, or set "
            f"LAMBHERD_LOCAL_PYTHON to a python{wanted} with awslambdaric and boto3)"
        )
        return Interpreter(sys.executable, current, warning=f"runtime {runtime}: {why}")
    return Interpreter(prepared.python, wanted)


def _forced(runtime: str, wanted: str, forced: str) -> Interpreter:
    """``LAMBHERD_LOCAL_PYTHON``: used as given; an error when it does not run or lacks the RIC."""
    executable = shutil.which(forced) or forced
    probe = _probe(executable)
    if probe is None:
        raise LocalRuntimeError(
            f"LAMBHERD_LOCAL_PYTHON={forced}: not a Python interpreter that runs"
        )
    if not probe.awslambdaric:
        raise LocalRuntimeError(
            f"LAMBHERD_LOCAL_PYTHON={forced}: cannot import awslambdaric "
            f"(install it with: {forced} -m pip install awslambdaric boto3)"
        )
    warning = None
    if probe.version != wanted:
        warning = (
            f"runtime {runtime}: LAMBHERD_LOCAL_PYTHON={forced} is Python {probe.version}; "
            f"running with it"
        )
    return Interpreter(executable, probe.version, warning=warning)
