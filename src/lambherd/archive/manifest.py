"""The code manifest: an unchanged tree is recognised without compressing it (issue #20).

A function's zip is a pure function of its files' names, kinds (file, executable, link) and
contents, and of how it is packaged. The manifest (``.lambherd/code-manifest.json`` in the
function's folder, 0600, never zipped) keeps two tables, as git's index does for a work tree:

``files``  arcname -> (size, mtime_ns, ctime_ns, mode, inode, device) as the walk saw the file,
           and the SHA-256 of the content read then;
``zips``   packaging key -> the tree digest (every entry's name, kind and content hash) and the
           zip that tree made: its SHA-256 (the CodeSha256), size, entry count.

The packaging key covers everything else the bytes depend on: the compressor (backend, level,
the ``deflate`` package that bundles libdeflate, zlib's version for the streaming fallback, the
whole-file limit), the ignore rules in effect and the ignore file's bytes, the ignore style,
the roots (the source folder, the dependency build), how symlinks are treated, lambherd's
version and this file's format. Any of them changing is a different key: a new zip.

Each zip also keeps ``stamps``: one SHA-256 of every entry's name and stat fields (or stored
link target) as the tree was when the zip's tree digest was known to hold. A walk whose stamps
digest is the recorded one, with every mtime and ctime older than the manifest, is every file
trusted by the rule below at once: the zip is answered without looking at the per-file table.
The file is written with the zips on its first line and ``files`` after it, so that check parses
only the first line; any other outcome goes through the per-file table as before.

What is trusted, exactly: a file whose six stat fields equal the recorded ones is taken to hold
the content hashed before, unless its mtime or ctime is not older than the manifest itself
(git's "racy git" rule: a file changed in the same clock tick as the manifest was written could
look unchanged, so it is hashed again). Anything else is read and hashed again. Writing a file
changes its mtime and ctime; setting the mtime back (``touch -d``, ``os.utime``) still moves the
ctime, which only the kernel sets. So the manifest is fooled only by what also fools git with
``core.trustctime``: content changed with every stat field kept — the clock set back around the
write, a filesystem that does not keep ctime, a write through ``mmap`` not yet flushed, or the
block device written behind the filesystem's back. ``lambherd archive`` always compresses, and
``code_sha256(..., manifest=None)`` is the full hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import struct
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

from lambherd.archive.tree import SourceEntry

#: Where a function keeps its manifest, relative to its folder.
MANIFEST_FILE = ".lambherd/code-manifest.json"
FORMAT = 1
#: Zips remembered per manifest (packaging keys: the deploy's, ``archive --exclude-file``...).
MAX_ZIPS = 8
#: Files to hash again before the work is spread over threads.
_PARALLEL_HASH_BYTES = 8 * 1024 * 1024

_KIND_FILE, _KIND_EXEC, _KIND_LINK = b"f", b"x", b"l"
#: Names what ``stamps_digest`` hashes (a change of the layout is another digest).
_STAMPS_LAYOUT = "2 names | link name target | size mtime_ns ctime_ns mode inode device: <q"
_STAMPS_LAYOUT_MARSHAL = "2 names | link name target | size mtime_ns ctime_ns mode inode device"
_GITIGNORE = "# made by lambherd: builds and caches, not for git\n*\n"


@dataclass(frozen=True)
class KnownZip:
    """A zip the manifest knows: what ``ArchiveResult`` reports of it."""

    sha256_b64: str
    size: int
    uncompressed_size: int
    file_count: int


@dataclass
class CodeManifest:
    """One function's manifest, loaded (or empty), updated, saved."""

    path: Path
    files: dict[str, list[Any]] = field(default_factory=dict)
    zips: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The manifest file's own mtime when it was loaded (None: there was none).
    written_ns: int | None = None
    changed: bool = False
    #: The per-file table not parsed yet (``load`` parses the zips' line only).
    _rest: bytes | None = None

    @classmethod
    def load(cls, path: Path) -> CodeManifest:
        """The manifest at ``path``; an empty one when it is missing, unreadable or of
        another format (it is only a cache: the answer is then computed in full). Only the
        zips' line is parsed here; the per-file table when a lookup needs it."""
        try:
            with open(path, "rb") as fh:
                written = os.fstat(fh.fileno()).st_mtime_ns
                data = fh.read()
        except OSError:
            return cls(path)
        head, sep, rest = data.partition(b"\n")
        if sep and head.endswith(b","):
            try:
                doc = json.loads(head[:-1] + b"}")
            except ValueError:
                doc = None
            if isinstance(doc, dict) and doc.get("format") == FORMAT:
                zips = doc.get("zips")
                if isinstance(zips, dict) and "files" not in doc:
                    return cls(path, {}, zips, written, _rest=b"{" + rest)
        return cls._parsed(path, data, written)

    @classmethod
    def _parsed(cls, path: Path, data: bytes, written: int) -> CodeManifest:
        try:
            doc = json.loads(data)
        except ValueError:
            return cls(path)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            return cls(path)
        files, zips = doc.get("files"), doc.get("zips")
        if not isinstance(files, dict) or not isinstance(zips, dict):
            return cls(path)
        return cls(path, files, zips, written)

    def _load_files(self) -> None:
        """Parse the per-file table (once); a broken one is an empty manifest."""
        rest, self._rest = self._rest, None
        if rest is None:
            return
        try:
            doc = json.loads(rest)
        except ValueError:
            doc = None
        files = doc.get("files") if isinstance(doc, dict) else None
        if isinstance(files, dict):
            self.files = files
        else:
            self.files, self.zips, self.written_ns = {}, {}, None

    # -- reading -----------------------------------------------------------------------------
    def trusted_digest(self, entry: SourceEntry) -> bytes | None:
        """The recorded content hash of ``entry`` when it may be trusted (see the module
        docstring), else None."""
        if entry.link_target is not None:
            return link_digest(entry)
        self._load_files()
        record = self.files.get(entry.arcname)
        stamp = entry.stamp
        if record is None or stamp is None or self.written_ns is None or len(record) != 7:
            return None
        if stamp[0] != record[0] or stamp[1] != record[1] or stamp[2] != record[2]:
            return None
        if stamp[3] != record[3] or stamp[4] != record[4] or stamp[5] != record[5]:
            return None
        if stamp[1] >= self.written_ns or stamp[2] >= self.written_ns:  # racily clean
            return None
        try:
            return bytes.fromhex(record[6])
        except (TypeError, ValueError):
            return None

    def known_zip(self, key: str, entries: Sequence[SourceEntry]) -> KnownZip | None:
        """The zip of ``entries`` packaged as ``key``, when the manifest knows it; files it
        cannot trust are hashed again (and remembered), nothing is compressed."""
        known = self.zips.get(key)
        if not isinstance(known, dict):
            return None
        stamps, newest = stamps_digest(entries)
        if (
            stamps is not None
            and known.get("stamps") == stamps
            and self.written_ns is not None
            and newest < self.written_ns  # racily clean otherwise: per file, below
        ):
            return _known(known)  # every entry as recorded: all trusted at once
        self._load_files()
        known = self.zips.get(key)  # (a broken per-file table is no manifest)
        if not isinstance(known, dict):
            return None
        digests = [self.trusted_digest(e) for e in entries]
        stale = [i for i, d in enumerate(digests) if d is None]
        if stale:
            hashed = hash_files([entries[i] for i in stale])
            for i, digest in zip(stale, hashed, strict=True):
                digests[i] = digest
                self._remember(entries[i], digest)
            # written again even when nothing differs: racily clean entries are then older
            # than the manifest and trusted next time (git rewrites its index alike)
            self.changed = True
        if known.get("tree") != tree_digest(entries, digests):  # type: ignore[arg-type]
            return None
        result = _known(known)
        if result is not None and stamps is not None and known.get("stamps") != stamps:
            known["stamps"] = stamps  # every digest checked: the next walk may trust at once
            self.changed = True
        return result

    # -- recording ---------------------------------------------------------------------------
    def record(
        self,
        key: str,
        entries: Sequence[SourceEntry],
        digests: Sequence[bytes | None],
        result: KnownZip,
    ) -> None:
        """Remember every file's hash and the zip ``entries`` made as ``key``. A file whose
        hash is missing (it changed while it was read) leaves the zip unrecorded."""
        self._load_files()
        for entry, digest in zip(entries, digests, strict=True):
            if digest is not None:
                self._remember(entry, digest)
        if any(d is None for d in digests):
            return
        self.zips.pop(key, None)
        self.zips[key] = {
            "tree": tree_digest(entries, digests),  # type: ignore[arg-type]
            "stamps": stamps_digest(entries)[0],
            "sha256": result.sha256_b64,
            "size": result.size,
            "uncompressed": result.uncompressed_size,
            "count": result.file_count,
        }
        while len(self.zips) > MAX_ZIPS:
            self.zips.pop(next(iter(self.zips)))
        if len(self.files) > 2 * len(entries) + 1000:  # files long gone: keep this tree's
            names = {e.arcname for e in entries}
            self.files = {k: v for k, v in self.files.items() if k in names}
        self.changed = True

    def _remember(self, entry: SourceEntry, digest: bytes) -> None:
        if entry.stamp is None or entry.link_target is not None:
            return
        record = [*entry.stamp, digest.hex()]
        if self.files.get(entry.arcname) != record:
            self.files[entry.arcname] = record
            self.changed = True

    def save(self) -> bool:
        """Write the manifest (0600, atomically) when it changed; False when it could not be
        written (a read-only folder: the next run hashes again)."""
        if not self.changed:
            return True
        self._load_files()
        folder = self.path.parent
        try:
            if not folder.is_dir():
                folder.mkdir(mode=0o700, parents=True)
                # a folder of caches: kept out of git, as pytest and ruff do with theirs
                (folder / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
            fd, tmp = tempfile.mkstemp(prefix=".code-manifest.", dir=folder)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp makes it 0600
                # one JSON document; the zips alone on its first line (``load`` reads that
                # line only): json.dumps writes no newline without ``indent``
                fh.write(f'{{"format":{FORMAT},"zips":{_compact(self.zips)},\n"files":')
                json.dump(self.files, fh, separators=(",", ":"))  # in pieces: no 2nd copy
                fh.write("}")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return False
        self.changed = False
        return True


def _known(known: dict[str, Any]) -> KnownZip | None:
    try:
        return KnownZip(
            str(known["sha256"]),
            int(known["size"]),
            int(known["uncompressed"]),
            int(known["count"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def stamps_digest(entries: Sequence[SourceEntry]) -> tuple[str | None, int]:
    """One SHA-256 (hex) of every entry's name and stat fields (a stored link: its target),
    and the newest mtime or ctime among them; (None, 0) when an entry has no stat fields.

    Hashed: the names, NUL-separated; the stored links' names and targets; the stat fields of
    the other entries, in order, as little-endian 64-bit integers packed in one call (a walk
    of 20,000 files: ~4 ms, where marshalling the tuples took ~12). A field out of that range
    (an inode number above 2**63) hashes the tuples' marshalled form instead."""
    stamps = [e.stamp for e in entries if e.link_target is None]
    if None in stamps:
        return None, 0
    names = "\0".join(map(attrgetter("arcname"), entries))
    links = "\0".join(f"{e.arcname}\0{e.link_target}" for e in entries if e.link_target is not None)
    fields = list(chain.from_iterable(stamps))  # type: ignore[arg-type]
    try:
        packed = struct.pack(f"<{len(fields)}q", *fields)
        layout = _STAMPS_LAYOUT
    except struct.error:
        packed = marshal.dumps(stamps, 0)  # version 0: the same values give the same bytes
        layout = _STAMPS_LAYOUT_MARSHAL
    digest = hashlib.sha256(layout.encode())
    for part in (names, links):
        digest.update(b"\n")
        digest.update(part.encode("utf-8", "surrogateescape"))
    digest.update(b"\n")
    digest.update(packed)
    newest = max(max(fields[1::6], default=0), max(fields[2::6], default=0))
    return digest.hexdigest(), newest


def link_digest(entry: SourceEntry) -> bytes:
    """A stored symlink's content: its target."""
    return hashlib.sha256(os.fsencode(entry.link_target or "")).digest()


def tree_digest(entries: Iterable[SourceEntry], digests: Iterable[bytes]) -> str:
    """Every entry's name, kind and content hash, in zip order, as one SHA-256 (hex)."""
    parts = []
    for entry, digest in zip(entries, digests, strict=True):
        if entry.link_target is not None:
            kind = _KIND_LINK
        else:
            kind = _KIND_EXEC if entry.executable else _KIND_FILE
        parts.append(entry.arcname.encode("utf-8", "surrogateescape") + b"\0" + kind + digest)
    return hashlib.sha256(b"\n".join(parts)).hexdigest()


def hash_files(entries: Sequence[SourceEntry]) -> list[bytes | None]:
    """The SHA-256 of each entry's content (None when it cannot be read: the zip build then
    reports it), in threads when there is much to read."""
    total = sum(e.size for e in entries)
    if total < _PARALLEL_HASH_BYTES or len(entries) < 2:
        return [_hash_one(e) for e in entries]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(_hash_one, entries, chunksize=32))


def _hash_one(entry: SourceEntry) -> bytes | None:
    if entry.link_target is not None:
        return link_digest(entry)
    sha = hashlib.sha256()
    try:
        with open(entry.path, "rb") as fh:
            while chunk := fh.read(1024 * 1024):
                sha.update(chunk)
    except OSError:
        return None
    return sha.digest()


def packaging_key(
    roots: Sequence[Path],
    rules: Any,
    ignore_file: Path | None,
    options: dict[str, Any],
    codec: Any,
) -> str:
    """Everything but the files that the zip's bytes depend on, as one digest (hex)."""
    from lambherd import __version__
    from lambherd.archive import zipwriter

    ignore_bytes = b""
    if ignore_file is not None:
        with contextlib.suppress(OSError):
            ignore_bytes = ignore_file.read_bytes()
    doc = {
        "format": FORMAT,
        "lambherd": __version__,
        "codec": [codec.name, codec.level, _codec_version(codec.name)],
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
        "whole_file_limit": zipwriter.WHOLE_FILE_LIMIT,
        "roots": [os.path.realpath(r) for r in roots],
        "rules": [type(rules).__name__, list(getattr(rules, "patterns", ()))],
        "ignore_file": [str(ignore_file) if ignore_file else None, _sha_hex(ignore_bytes)],
        "options": {k: options[k] for k in sorted(options)},
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _codec_version(name: str) -> str:
    """The compressor's own version: ``deflate`` pins the libdeflate it bundles."""
    if name == "zlib":
        return zlib.ZLIB_RUNTIME_VERSION
    module = {"libdeflate": "deflate", "isal": "isal"}.get(name, name)
    try:
        return str(getattr(__import__(module), "__version__", "unknown"))
    except ImportError:
        return "unknown"


def _sha_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
