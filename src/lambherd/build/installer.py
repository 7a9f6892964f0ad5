"""Install wheels for Lambda's platform into a folder: uv when available, else pip.

Both are told the target platform (manylinux2014 on the function's CPU), the runtime's Python
version and CPython, and to take binary wheels only, so nothing is compiled for this machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from lambherd.errors import ArchiveError, UsageError

INSTALLERS = ("uv", "pip")


@dataclass(frozen=True)
class Installer:
    """An installer command: ``uv`` (its binary) or ``pip`` (this Python's module)."""

    name: str
    argv: tuple[str, ...]


def find_installer(prefer: str | None = None) -> Installer:
    """uv (the PyPI package's binary, or one on PATH) unless ``prefer`` says pip."""
    if prefer not in (None, *INSTALLERS):
        raise UsageError(f"--installer: expected uv or pip, got {prefer!r}")
    if prefer in (None, "uv"):
        uv = _uv_binary()
        if uv:
            return Installer("uv", (uv, "pip", "install"))
        if prefer == "uv":
            raise UsageError("--installer uv: uv is not installed (pip install uv)")
    return Installer("pip", (sys.executable, "-m", "pip", "install"))


def _uv_binary() -> str | None:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def install_command(
    installer: Installer,
    requirements: Path,
    target: Path,
    python_version: str,
    machine: str,
) -> list[str]:
    """The command line that installs ``requirements`` into ``target`` for Lambda."""
    argv = [*installer.argv]
    if installer.name == "uv":
        argv += [
            "--target",
            str(target),
            "--python-platform",
            f"{machine}-manylinux2014",
            "--python-version",
            python_version,
            "--only-binary",
            ":all:",
            "--quiet",
        ]
    else:
        argv += [
            "--target",
            str(target),
            "--platform",
            f"manylinux2014_{machine}",
            "--implementation",
            "cp",
            "--python-version",
            python_version,
            "--only-binary=:all:",
            "--no-compile",
            "--disable-pip-version-check",
            "--quiet",
        ]
    return [*argv, "-r", str(requirements)]


def run_install(
    installer: Installer,
    requirements: Path,
    target: Path,
    python_version: str,
    machine: str,
    *,
    cwd: Path,
    label: str,
) -> None:
    """Run the installer; an ``ArchiveError`` with its last error line when it fails."""
    argv = install_command(installer, requirements, target, python_version, machine)
    env = dict(os.environ)
    env.setdefault("PIP_NO_INPUT", "1")
    env.setdefault("UV_NO_PROGRESS", "1")
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"exit status {proc.returncode}"
        raise ArchiveError(
            f"{label}: {installer.name} could not install dependencies for "
            f"python{python_version} {machine}: {reason}",
            hint="only wheels for manylinux2014 can be used; check the package names and versions",
        )
