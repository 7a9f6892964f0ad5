"""Files of the state folder: private (0600 in a 0700 folder) and replaced atomically.

The state folder holds function configuration (environment variables included) and code, so
nobody but its owner may read it. A file that is rewritten (a snapshot, a journal after a
snapshot, a blob) is written beside its final name, fsync'd, renamed over it and the folder
fsync'd: a process killed at any moment leaves either the old file or the new one, never half
of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def secure_state_dir(state_dir: Path) -> Path:
    """Create ``state_dir`` 0700 (parents too), or tighten an existing one and what is in it.

    Folders written by older versions were 0755 with 0644 files; every file directly in the
    folder becomes 0600 and every subfolder 0700 (what is inside those is then unreachable).
    """
    state_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(state_dir, PRIVATE_DIR)
    for entry in os.scandir(state_dir):
        with contextlib.suppress(OSError):  # e.g. a file another user owns: left as it is
            if entry.is_symlink():
                continue
            if entry.is_dir():
                os.chmod(entry.path, PRIVATE_DIR)
            elif entry.is_file() and (entry.stat().st_mode & 0o777) != PRIVATE_FILE:
                os.chmod(entry.path, PRIVATE_FILE)
    return state_dir


def private_dir(path: Path) -> Path:
    """A 0700 folder (made, or tightened)."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR)
    return path


def open_private(path: Path, mode: str = "ab") -> IO[bytes]:
    """Open ``path`` for writing as a 0600 file whatever the umask (``"ab"`` or ``"wb"``)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        return os.fdopen(fd, mode, buffering=0 if "a" in mode else -1)
    except BaseException:
        os.close(fd)
        raise


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[bytes]]:
    """A file object whose content replaces ``path`` when the block ends without an error."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fh = open_private(tmp, "wb")
    try:
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def write_atomic(path: Path, chunks: Iterable[bytes]) -> int:
    """Replace ``path`` with ``chunks``; returns the bytes written."""
    size = 0
    with atomic_writer(path) as fh:
        for chunk in chunks:
            fh.write(chunk)
            size += len(chunk)
    return size


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files a killed writer left (``.<name>.<pid>.tmp``)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


class JsonLines:
    """An append-only file of JSON documents, one a line (0600).

    ``durable`` appends are fsync'd before ``append`` returns (the control-plane journal: an
    acknowledged write survives a power cut); others are written with one ``write`` and left to
    the kernel (they survive the process being killed, not the machine stopping). A torn last
    line (a write cut short) is ignored on reading and cut off before the next append.
    """

    def __init__(self, path: Path, *, durable: bool) -> None:
        self.path = path
        self.durable = durable
        self.lock = threading.RLock()
        self._fh: IO[bytes] | None = None

    def _open(self) -> IO[bytes]:
        if self._fh is None:
            _cut_torn_tail(self.path)
            self._fh = open_private(self.path, "ab")
        return self._fh

    def append(self, doc: dict[str, Any]) -> int:
        """Add one document; returns the bytes written."""
        line = json.dumps(doc, separators=(",", ":")).encode("utf-8") + b"\n"
        with self.lock:
            fh = self._open()
            fh.write(line)
            if self.durable:
                os.fsync(fh.fileno())
        return len(line)

    def docs(self) -> Iterator[dict[str, Any]]:
        """Every document, oldest first (lines that do not parse are skipped)."""
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            return
        with fh:
            for line in fh:
                if not line.endswith(b"\n") or not line.strip():
                    continue
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if isinstance(doc, dict):
                    yield doc

    def size(self) -> int:
        """Bytes in the file (0 when there is none)."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def rewrite(self, docs: Iterable[dict[str, Any]]) -> None:
        """Replace the whole file, atomically (callers hold ``lock``)."""
        with self.lock:
            self.close()
            write_atomic(
                self.path,
                (json.dumps(d, separators=(",", ":")).encode("utf-8") + b"\n" for d in docs),
            )

    def clear(self) -> None:
        """Delete the file."""
        with self.lock:
            self.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def close(self) -> None:
        """Close the append handle (reopened on the next append)."""
        with self.lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


def _cut_torn_tail(path: Path) -> None:
    """Cut a last line without its newline (a write cut short by a kill) off ``path``."""
    try:
        with open(path, "r+b") as fh:
            end = fh.seek(0, os.SEEK_END)
            if end == 0:
                return
            fh.seek(end - 1)
            if fh.read(1) == b"\n":
                return
            pos = end
            while pos > 0:
                step = min(65536, pos)
                fh.seek(pos - step)
                chunk = fh.read(step)
                cut = chunk.rfind(b"\n")
                if cut >= 0:
                    fh.truncate(pos - step + cut + 1)
                    return
                pos -= step
            fh.truncate(0)
    except FileNotFoundError:
        return
