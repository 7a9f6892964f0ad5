"""Large byte strings of the sandbox's state, stored once by content: ``blobs/<sha256>``.

Code zips, layer zips, S3 object bodies and large request bodies are kept here instead of inside
journal lines or the snapshot: the same zip published as twenty versions is one file, and a file
that neither the snapshot nor the journal tail names any more is deleted (``collect``), so a
deleted 1 GiB upload frees its space at the next snapshot.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path

from lambherd.sandbox.statefiles import private_dir, remove_leftovers, write_atomic

#: Byte strings at least this long are stored as blobs (shorter ones stay inline).
BLOB_MIN_BYTES = 16 * 1024
_HEX = frozenset("0123456789abcdef")


class BlobStore:
    """Content-addressed files in one folder (0700; each file 0600, written atomically)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._known: set[str] = set()
        self._ready = False

    def _prepare(self) -> None:
        if not self._ready:
            private_dir(self.root)
            remove_leftovers(self.root)
            self._ready = True

    def put(self, data: bytes) -> str:
        """Store ``data`` (once); its SHA-256 in hex."""
        sha = hashlib.sha256(data).hexdigest()
        with self._lock:
            if sha in self._known:
                return sha
            self._prepare()
            path = self.root / sha
            if not path.exists():
                write_atomic(path, [data])
            self._known.add(sha)
        return sha

    def path(self, sha: str) -> Path:
        """Where a blob lives (whether or not it exists)."""
        if len(sha) != 64 or not set(sha) <= _HEX:
            raise ValueError(f"not a blob name: {sha!r}")
        return self.root / sha

    def get(self, sha: str) -> bytes:
        """A blob's content (FileNotFoundError when it is missing)."""
        return self.path(sha).read_bytes()

    def names(self) -> set[str]:
        """Every blob on disk."""
        try:
            return {e.name for e in os.scandir(self.root) if len(e.name) == 64}
        except FileNotFoundError:
            return set()

    def size(self, names: set[str] | None = None) -> int:
        """Bytes on disk of ``names`` (default: every blob)."""
        total = 0
        for name in self.names() if names is None else names:
            with contextlib.suppress(OSError):
                total += (self.root / name).stat().st_size
        return total

    def collect(self, keep: set[str]) -> int:
        """Delete every blob not in ``keep``; returns the bytes freed.

        Callers hold the lock under which new references are made (the journal's), so a blob
        written for a line not yet appended is never taken.
        """
        freed = 0
        with self._lock:
            for name in self.names() - keep:
                path = self.root / name
                with contextlib.suppress(OSError):
                    freed += path.stat().st_size
                    path.unlink()
                self._known.discard(name)
        return freed

    def forget_all(self) -> None:
        """Delete every blob (``sandbox reset``)."""
        self.collect(set())
