"""Which Python executable runs a function's runtime (``python3.12`` -> an interpreter).

The interpreter must be able to import ``awslambdaric`` *including* its C extension
``runtime_client`` (built per Python version), so sharing our own site-packages with another
version does not work: the pure-Python part imports, then every ``/next`` call fails. When no
interpreter of the right version has awslambdaric, we fall back to the current one with a warning.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

from lambherd.errors import LocalRuntimeError

_PYTHON_RUNTIME = re.compile(r"^python(3)\.(\d+)$")
_PROBE = "import awslambdaric, runtime_client"


@dataclass(frozen=True)
class Interpreter:
    """The executable chosen for a runtime, and a warning when it is not an exact match."""

    executable: str
    version: str  # "3.11"
    warning: str | None = None


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


def _has_awslambdaric(executable: str) -> bool:
    try:
        done = subprocess.run(
            [executable, "-c", _PROBE],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@functools.cache
def resolve_interpreter(runtime: str) -> Interpreter:
    """The interpreter for ``runtime``; raises ``LocalRuntimeError`` for non-Python runtimes."""
    match = _PYTHON_RUNTIME.match(runtime or "")
    if not match:
        raise LocalRuntimeError(
            f"runtime {runtime or '(none)'}: not supported locally yet "
            "(the local emulator runs python3.x functions only)"
        )
    wanted = f"{match.group(1)}.{match.group(2)}"
    current = _current_version()
    if wanted == current:
        return Interpreter(sys.executable, current)
    candidates = _candidates(wanted)
    for exe in candidates:
        if _has_awslambdaric(exe):
            return Interpreter(exe, wanted)
    if candidates:
        why = (
            f"the Python {wanted} interpreter found ({candidates[0]}) cannot import awslambdaric "
            f"(install it with: python{wanted} -m pip install awslambdaric)"
        )
    else:
        why = f"no Python {wanted} interpreter found"
    return Interpreter(
        sys.executable,
        current,
        warning=f"runtime {runtime}: {why}; running with Python {current} instead",
    )
