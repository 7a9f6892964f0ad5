"""Where builds live and how they are recognised.

A build is keyed by (dependency set, Python version, CPU). Each function folder keeps its build
in ``.lambherd/build/`` (what the archive adds as an extra tree and the local emulator puts on
``PYTHONPATH``) and the key it was made from in ``.lambherd/build.json``. A shared cache
(``$LAMBHERD_CACHE_DIR``, else ``~/.cache/lambherd/build``) holds one tree per key, so functions
with the same dependencies install them once; folders get hard links into it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from lambherd.build.requirements import DependencySpec

BUILD_DIR = ".lambherd/build"
STAMP_FILE = ".lambherd/build.json"
#: Bump when the layout of a build changes, so older builds are not reused.
FORMAT = 2  # 2: no installer lock file in the tree

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def build_dir(folder: Path) -> Path:
    """The folder's build tree (``.lambherd/build``)."""
    return folder / BUILD_DIR


def cache_key(spec: DependencySpec, python_version: str, machine: str) -> str:
    """A hex digest naming the build of ``spec`` for this Python and CPU."""
    doc = {
        "format": FORMAT,
        "python": python_version,
        "machine": machine,
        "files": [list(f) for f in spec.fingerprint],
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def shared_cache_root() -> Path:
    """The shared cache folder."""
    env = os.environ.get("LAMBHERD_CACHE_DIR")
    if env:
        return Path(env) / "build"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "lambherd" / "build"


def key_lock(key: str) -> threading.Lock:
    """One lock per key: parallel builds of the same dependency set install once."""
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def read_stamp(folder: Path) -> dict[str, Any] | None:
    """The folder's build stamp, or None when missing or unreadable."""
    try:
        data = json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_stamp(folder: Path, data: dict[str, Any]) -> None:
    """Record what the folder's build was made from (written last: a stamp means complete)."""
    path = folder / STAMP_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def clear_build(folder: Path) -> None:
    """Remove the folder's build tree and stamp."""
    (folder / STAMP_FILE).unlink(missing_ok=True)
    shutil.rmtree(build_dir(folder), ignore_errors=True)


def link_tree(source: Path, dest: Path) -> None:
    """Replace ``dest`` with a copy of ``source`` made of hard links (copies across devices)."""
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp, symlinks=True, copy_function=_link_or_copy)
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
