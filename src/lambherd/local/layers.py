"""Layers as Lambda lays them out: extracted into ``/opt`` in the function's order (a later
layer's file replaces an earlier one's), with ``/opt/python/lib/python3.X/site-packages`` and
``/opt/python`` on the import path after the task root.

Here ``/opt`` is a folder: one layer's own folder, or the layers merged into a folder of the
layer cache (hard links where possible) keyed by what they hold. The cache of account layers
(``$LAMBHERD_LAYER_CACHE``, else ``$XDG_CACHE_HOME/lambherd/layers``, else
``~/.cache/lambherd/layers``) keeps one folder per layer version ARN
(``REGION/ACCOUNT/NAME/VERSION``): versions never change, so a folder once complete is kept.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

#: A complete cached layer version holds this file (written last).
COMPLETE = ".lambherd-layer"


def layer_cache_root() -> Path:
    """Where account layers are cached (``LAMBHERD_LAYER_CACHE`` overrides)."""
    explicit = os.environ.get("LAMBHERD_LAYER_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lambherd" / "layers"


def layer_folder(arn: str, root: Path | None = None) -> Path:
    """The cache folder of a layer version ARN (``arn:aws:lambda:R:A:layer:NAME:VERSION``)."""
    parts = arn.split(":")
    if len(parts) != 8 or parts[5] != "layer" or not parts[7].isdigit():
        raise ValueError(f"not a layer version ARN: {arn!r}")
    region, account, name, version = parts[3], parts[4], parts[6], parts[7]
    return (root or layer_cache_root()) / region / account / name / version


def cached_layer(arn: str, root: Path | None = None) -> Path | None:
    """The cached content of a layer version, None when it is not (completely) cached."""
    folder = layer_folder(arn, root)
    return folder if (folder / COMPLETE).is_file() else None


def opt_folder(layer_dirs: tuple[Path, ...], root: Path | None = None) -> Path | None:
    """The ``/opt``-equivalent folder of these layers, in order (None without layers)."""
    if not layer_dirs:
        return None
    if len(layer_dirs) == 1:
        return Path(layer_dirs[0]).resolve()
    merged_root = (root or layer_cache_root()) / "merged"
    target = merged_root / _fingerprint(layer_dirs)
    if target.is_dir():
        return target
    merged_root.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".merge-", dir=merged_root))
    try:
        for layer in layer_dirs:
            shutil.copytree(layer, temp, dirs_exist_ok=True, copy_function=_link_or_copy)
        (temp / COMPLETE).unlink(missing_ok=True)
        try:
            os.rename(temp, target)
        except OSError:  # made by another process meanwhile
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return target


def python_paths(opt: Path | None, python_version: str) -> list[str]:
    """The layer folders on Lambda's Python import path, in its order (those that exist)."""
    if opt is None:
        return []
    candidates = [opt / "python" / "lib" / f"python{python_version}" / "site-packages"]
    candidates.append(opt / "python")
    return [str(c) for c in candidates if c.is_dir()]


def _fingerprint(layer_dirs: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for layer in layer_dirs:
        root = Path(layer).resolve()
        digest.update(f"layer {root}\n".encode())
        for path in sorted(root.rglob("*")):
            if path.is_file():
                info = path.stat()
                rel = path.relative_to(root).as_posix()
                digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def _link_or_copy(src: str, dst: str) -> None:
    if os.path.lexists(dst):
        os.unlink(dst)  # a later layer replaces the file
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
