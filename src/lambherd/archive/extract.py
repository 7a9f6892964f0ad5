"""``safe_extract``: unpack a zip (e.g. a downloaded function's code) without trusting it.

Refused, before anything is written: absolute names, ``..`` components, duplicate names,
symlink entries whose target leaves the target folder, more than ``max_files`` entries, and a
declared total size above ``max_total_bytes``. While extracting, actual bytes are counted
against both the declared sizes and the cap (a zip bomb may lie about its sizes).

Everything is extracted into a fresh temporary folder beside ``target``; symlinks are created
last (no file is ever written through a link from the archive) and their resolved targets are
checked again. Only when all of it succeeded are the files moved into ``target``: a refused
archive leaves nothing behind. Files are created 0o777 (any executable bit) or 0o666 less the
umask, folders 0o777 less the umask: 0755/0644 under the usual 022, 0700/0600 under 077.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

from lambherd.archive.limits import UNZIPPED_LIMIT
from lambherd.archive.tree import link_leaves, within
from lambherd.errors import ArchiveError

#: Lambda's unzipped package limit (250 MiB), the default cap on extracted bytes.
DEFAULT_MAX_TOTAL_BYTES = UNZIPPED_LIMIT
DEFAULT_MAX_FILES = 100_000
_MAX_LINK_TARGET = 4096
_CHUNK = 1024 * 1024


def safe_extract(
    zip_path_or_file: str | os.PathLike[str] | BinaryIO,
    target: Path,
    *,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
) -> list[Path]:
    """Extract a zip into ``target`` (created if missing); return the paths written, sorted.

    Existing files in ``target`` with the same names are replaced; a name that is a folder on
    one side and a file on the other is refused before anything moves.
    """
    target = Path(target)
    label = _label(zip_path_or_file)
    try:
        with zipfile.ZipFile(zip_path_or_file) as zf:
            plan = _check(zf, label, max_total_bytes, max_files)
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.unzip-", dir=target.parent))
            try:
                _extract(zf, plan, staging, label, max_total_bytes)
                return _move_into(staging, target, label)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"{label}: not a valid zip: {exc}") from exc
    except (OSError, RuntimeError, NotImplementedError) as exc:
        raise ArchiveError(f"{label}: cannot extract: {exc}") from exc


def _label(src: object) -> str:
    if isinstance(src, str | os.PathLike):
        return os.fspath(src)
    return str(getattr(src, "name", "zip"))


def _clean_name(info: zipfile.ZipInfo, label: str) -> str:
    name = info.filename.replace("\\", "/")
    if not name or "\x00" in name:
        raise ArchiveError(f"{label}: entry with an empty or invalid name refused")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"{label}: {info.filename}: absolute path refused")
    parts = [p for p in name.rstrip("/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"{label}: {info.filename}: '..' in path refused (zip-slip)")
    if not parts:
        raise ArchiveError(f"{label}: {info.filename}: entry with no name refused")
    return "/".join(parts)


def _is_link(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _check(
    zf: zipfile.ZipFile, label: str, max_total: int, max_files: int
) -> list[tuple[zipfile.ZipInfo, str]]:
    infos = zf.infolist()
    if len(infos) > max_files:
        raise ArchiveError(f"{label}: {len(infos)} entries, more than the limit of {max_files}")
    declared = sum(i.file_size for i in infos)
    if declared > max_total:
        raise ArchiveError(
            f"{label}: {declared} bytes unzipped, more than the limit of {max_total} bytes"
        )
    plan: list[tuple[zipfile.ZipInfo, str]] = []
    seen: set[str] = set()
    for info in infos:
        name = _clean_name(info, label)
        if name in seen:
            raise ArchiveError(f"{label}: {name}: appears twice in the zip, refused")
        seen.add(name)
        if _is_link(info):
            link = _read_link(zf, info, label)
            if link_leaves(name, link):
                raise ArchiveError(
                    f"{label}: {name}: symlink to {link} points outside the target, refused"
                )
        plan.append((info, name))
    return plan


def _read_link(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> str:
    if info.file_size > _MAX_LINK_TARGET:
        raise ArchiveError(f"{label}: {info.filename}: symlink target too long, refused")
    with zf.open(info) as f:
        data = f.read(_MAX_LINK_TARGET + 1)
    if len(data) > _MAX_LINK_TARGET or not data:
        raise ArchiveError(f"{label}: {info.filename}: invalid symlink target, refused")
    return data.decode("utf-8", "surrogateescape")


def _extract(
    zf: zipfile.ZipFile,
    plan: list[tuple[zipfile.ZipInfo, str]],
    staging: Path,
    label: str,
    max_total: int,
) -> None:
    total = 0
    links: list[tuple[str, str]] = []
    for info, name in plan:
        dest = staging / name
        if info.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        if _is_link(info):
            links.append((name, _read_link(zf, info, label)))
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        mode = (info.external_attr >> 16) & 0o777 if info.create_system == 3 else 0
        # created with 0777/0666 so that the kernel applies the umask, as to every other file
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o777 if mode & 0o111 else 0o666)
        with zf.open(info) as src, os.fdopen(fd, "wb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                total += len(chunk)
                if written > info.file_size or total > max_total:
                    raise ArchiveError(
                        f"{label}: {name}: more data than declared or over the limit of "
                        f"{max_total} bytes (zip bomb?), refused"
                    )
                out.write(chunk)
    root = os.path.realpath(staging)
    for name, link in links:
        dest = staging / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(link, dest)
    for name, _ in links:
        if not within(os.path.realpath(staging / name), root):
            raise ArchiveError(f"{label}: {name}: symlink resolves outside the target, refused")


def _move_into(staging: Path, target: Path, label: str) -> list[Path]:
    moves: list[tuple[Path, Path]] = []
    for dirpath, dirnames, filenames in os.walk(staging):
        rel = Path(dirpath).relative_to(staging)
        for d in list(dirnames):
            src = Path(dirpath) / d
            dst = target / rel / d
            if src.is_symlink():
                moves.append((src, dst))
                dirnames.remove(d)
            elif dst.is_symlink() or (dst.exists() and not dst.is_dir()):
                raise ArchiveError(f"{label}: {rel / d}: is a file in {target}, not a folder")
        for f in filenames:
            dst = target / rel / f
            if dst.is_dir() and not dst.is_symlink():
                raise ArchiveError(f"{label}: {rel / f}: is a folder in {target}, not a file")
            moves.append((Path(dirpath) / f, dst))
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for src, dst in moves:
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_dir() and not dst.is_symlink():
            raise ArchiveError(f"{label}: {dst}: is a folder, not replaced")
        os.replace(src, dst)
        written.append(dst)
    return sorted(written)
