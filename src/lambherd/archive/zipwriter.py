"""``DeterministicZip``: a zip writer whose bytes depend only on the entries' names and content.

Format choices (all fixed, so equal content gives an equal zip and an equal ``CodeSha256``):

- entries in the order given (the caller sorts them by name), no directory entries;
- every timestamp 1980-01-01 00:00:00, no extra fields except Zip64 when a size needs it;
- "made by" Unix, external attributes ``0o100755`` (any executable bit) or ``0o100644``,
  symlinks ``0o120777`` with the target as stored data;
- raw deflate from libdeflate (the ``deflate`` package) at level 6 for files up to
  ``WHOLE_FILE_LIMIT``, zlib level 6 streaming for bigger ones (zlib 6 for all if ``deflate``
  is missing: a different, equally stable, byte stream; the bytes may also change when the
  compressor's version changes); an entry is stored when deflate does not make it smaller;
  the UTF-8 flag is set only for non-ASCII names;
- sizes and CRC are known before each local header is written: no data descriptors, no
  seeking, so the zip can stream to a pipe.

Files are deflated in a thread pool (libdeflate, ISA-L and zlib release the GIL) and written
in order; at most ``MAX_INFLIGHT_BYTES`` of input is held at once, big files spool to disk.
Small files go to the workers in batches (``BATCH_BYTES``, ``BATCH_FILES``): a worker reads,
checksums and deflates each, and lays out the batch's local headers, data and central
records itself, so the main thread only writes each batch in order, hashes it (one SHA-256
update) and patches the central records' offsets. The bytes are the same as writing entry by
entry (``tests/test_archive_golden.py`` pins them).
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO

from lambherd.archive.tree import SourceEntry
from lambherd.errors import ArchiveError

#: Files up to this size are read and deflated in one piece; bigger ones stream in chunks.
WHOLE_FILE_LIMIT = 16 * 1024 * 1024
CHUNK = 1024 * 1024
#: Input bytes queued for or held by the compression workers at most.
MAX_INFLIGHT_BYTES = 64 * 1024 * 1024
#: Small files are packed in batches of at most this many input bytes or files (one task each).
BATCH_BYTES = 512 * 1024
BATCH_FILES = 128
SPOOL_MEMORY = 2 * 1024 * 1024

#: libdeflate level 6: ~1% smaller than Info-ZIP ``zip -6`` and ~3x faster on 2 cores (see
#: BENCHMARKS.md). ISA-L (``isal``) is faster still but ~8% bigger, zlib 6 is slower.
DEFAULT_BACKEND = "libdeflate"

STORED, DEFLATED = 0, 8
ZIP64_LIMIT = 0xFFFFFFFF
ZIP64_COUNT_LIMIT = 0xFFFF
DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1
DOS_TIME_MIDNIGHT = 0
MADE_BY_UNIX = (3 << 8) | 45
FILE_MODE_EXEC = 0o100755
FILE_MODE = 0o100644
LINK_MODE = 0o120777


@dataclass(frozen=True)
class Codec:
    """A raw-deflate implementation at a fixed level."""

    name: str
    level: int
    compress: Callable[[bytes], bytes]
    compressobj: Callable[[], Any]
    crc32: Callable[..., int]


def _make_codec(name: str, level: int | None = None) -> Codec:
    if name == "isal":
        from isal import isal_zlib

        lvl = 2 if level is None else level
        return Codec(
            "isal",
            lvl,
            lambda data: isal_zlib.compress(data, lvl, wbits=-15),
            lambda: isal_zlib.compressobj(lvl, isal_zlib.DEFLATED, -15),
            isal_zlib.crc32,
        )
    if name == "zlib":
        lvl = 6 if level is None else level
        return Codec(
            "zlib",
            lvl,
            lambda data: zlib.compress(data, lvl, wbits=-15),
            lambda: zlib.compressobj(lvl, zlib.DEFLATED, -15),
            zlib.crc32,
        )
    if name == "libdeflate":
        import deflate

        lvl = 6 if level is None else level
        # files over WHOLE_FILE_LIMIT stream through zlib (libdeflate has no streaming API) at
        # the same level, within zlib's 0-9 (level 6, the default, is zlib's 6 as it always was)
        stream_level = min(max(lvl, 0), 9)
        return Codec(
            "libdeflate",
            lvl,
            lambda data: deflate.deflate_compress(data, lvl),
            lambda: zlib.compressobj(stream_level, zlib.DEFLATED, -15),
            deflate.crc32,  # the same CRC-32 as zlib's, faster
        )
    raise ArchiveError(f"unknown compression backend {name!r} (libdeflate, isal or zlib)")


def _default_codec() -> Codec:
    try:
        return _make_codec(DEFAULT_BACKEND)
    except ImportError:
        return _make_codec("zlib")


_codec: Codec | None = None


def active_codec() -> Codec:
    """The codec every archive is deflated with (libdeflate if importable, else zlib)."""
    global _codec
    if _codec is None:
        _codec = _default_codec()
    return _codec


def set_codec(name: str, level: int | None = None) -> Codec:
    """Choose the codec (for benchmarks and tests); changes every later archive's bytes."""
    global _codec
    _codec = _make_codec(name, level)
    return _codec


@dataclass(slots=True)
class PackedEntry:
    """An entry ready to write: method, CRC, sizes, and its data (bytes, spool, or the file).

    ``digest`` is the SHA-256 of the file's content when the caller asked for it (the code
    manifest records it), else None.
    """

    entry: SourceEntry
    method: int
    crc: int
    size: int
    compressed_size: int
    data: bytes | None = None
    spool: IO[bytes] | None = None
    digest: bytes | None = None

    def close(self) -> None:
        """Free the spool file, if any."""
        if self.spool is not None:
            self.spool.close()
            self.spool = None


@dataclass(slots=True)
class PackedBatch:
    """Consecutive entries packed by one worker, laid out as the zip holds them.

    ``blob`` is every entry's local header and data, in order; ``central`` their central
    records with each header's offset *relative to the batch* at ``patch[i]`` (the main thread
    adds where the batch lands). A single big entry (streamed, spooled or re-read from its
    file) comes as ``single`` instead, written by ``DeterministicZip.add``.
    """

    entries: list[PackedEntry]
    blob: bytes = b""
    central: bytearray = field(default_factory=bytearray)
    patch: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    uncompressed: int = 0
    single: PackedEntry | None = None

    def close(self) -> None:
        """Free a big entry's spool, if any."""
        if self.single is not None:
            self.single.close()


def pack_entry(entry: SourceEntry, codec: Codec, *, digest: bool = False) -> PackedEntry:
    """Read and deflate one entry (runs in a worker thread); ``digest``: also the SHA-256 of
    its content."""
    if entry.link_target is not None:
        raw = os.fsencode(entry.link_target)
        sha = hashlib.sha256(raw).digest() if digest else None
        return PackedEntry(
            entry, STORED, codec.crc32(raw), len(raw), len(raw), data=raw, digest=sha
        )
    try:
        if entry.size <= WHOLE_FILE_LIMIT:
            raw, same = _read_whole(entry.path, entry.size, entry.stamp if digest else None)
            packed = _pack_bytes(entry, raw, codec)
            if digest and same:
                packed.digest = hashlib.sha256(raw).digest()
            return packed
        return _pack_stream(entry, codec, digest)
    except OSError as exc:
        raise ArchiveError(f"{entry.arcname}: cannot read: {exc.strerror}") from exc


def _read_whole(path: str, size: int, stamp: tuple[int, ...] | None = None) -> tuple[bytes, bool]:
    """The whole file, in one read when it still has the size the walk saw (one syscall less
    than ``open().read()``); all of it, whatever its size now. The flag: with a ``stamp``,
    whether the file still had it once read (else it changed since the walk: its content
    hash is not worth remembering)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        data = os.read(fd, size + 1)
        if len(data) > size or (len(data) < size and data):
            parts = [data]
            while chunk := os.read(fd, CHUNK):
                parts.append(chunk)
            data = b"".join(parts)
        return data, stamp is None or _unchanged(os.fstat(fd), stamp)
    finally:
        os.close(fd)


def _unchanged(st: os.stat_result, stamp: tuple[int, ...]) -> bool:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns) == tuple(stamp[:3])


def _pack_bytes(entry: SourceEntry, raw: bytes, codec: Codec) -> PackedEntry:
    crc = codec.crc32(raw)
    if not raw:
        return PackedEntry(entry, STORED, crc, 0, 0, data=raw)
    packed = codec.compress(raw)
    if len(packed) >= len(raw):
        return PackedEntry(entry, STORED, crc, len(raw), len(raw), data=raw)
    return PackedEntry(entry, DEFLATED, crc, len(raw), len(packed), data=packed)


def _pack_stream(entry: SourceEntry, codec: Codec, digest: bool = False) -> PackedEntry:
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115
    sha = hashlib.sha256() if digest else None
    try:
        comp = codec.compressobj()
        crc = size = 0
        with open(entry.path, "rb") as f:
            while chunk := f.read(CHUNK):
                crc = codec.crc32(chunk, crc)
                size += len(chunk)
                if sha is not None:
                    sha.update(chunk)
                spool.write(comp.compress(chunk))
            same = entry.stamp is None or _unchanged(os.fstat(f.fileno()), entry.stamp)
        spool.write(comp.flush())
        csize = spool.tell()
        content = sha.digest() if sha is not None and same else None
        if csize >= size:
            spool.close()
            return PackedEntry(entry, STORED, crc, size, size, digest=content)
        spool.seek(0)
        return PackedEntry(entry, DEFLATED, crc, size, csize, spool=spool, digest=content)
    except BaseException:
        spool.close()
        raise


def pack_batch(entries: list[SourceEntry], codec: Codec, *, digest: bool = False) -> PackedBatch:
    """Pack ``entries`` (each at most ``WHOLE_FILE_LIMIT``) into one laid-out batch (runs in
    a worker thread)."""
    batch = PackedBatch([])
    parts: list[bytes] = []
    central = batch.central
    rel = 0
    for entry in entries:
        p = pack_entry(entry, codec, digest=digest)
        name = _encode_name(entry.arcname)
        flags = 0 if name.isascii() else 0x800
        header = _local_header(p, name, flags)
        parts.append(header)
        parts.append(p.data)  # type: ignore[arg-type]  # small entries always carry data
        batch.patch.append(len(central) + _CENTRAL_OFFSET_AT)
        central += _central_record(p, name, flags, rel)
        batch.offsets.append(rel)
        rel += len(header) + p.compressed_size
        batch.uncompressed += p.size
        p.data = None  # the blob holds it now
        batch.entries.append(p)
    batch.blob = b"".join(parts)
    return batch


def _pack_single(entry: SourceEntry, codec: Codec, digest: bool) -> PackedBatch:
    packed = pack_entry(entry, codec, digest=digest)
    return PackedBatch([packed], uncompressed=packed.size, single=packed)


def _batches(entries: Iterable[SourceEntry]) -> Iterator[tuple[list[SourceEntry], bool, int]]:
    """Consecutive entries grouped into tasks: (entries, alone, input bytes held)."""
    group: list[SourceEntry] = []
    held = 0
    for entry in entries:
        if entry.size > WHOLE_FILE_LIMIT:
            if group:
                yield group, False, held
                group, held = [], 0
            yield [entry], True, WHOLE_FILE_LIMIT
            continue
        if group and (held + entry.size > BATCH_BYTES or len(group) >= BATCH_FILES):
            yield group, False, held
            group, held = [], 0
        group.append(entry)
        held += entry.size
    if group:
        yield group, False, held


def pack_all(
    entries: Iterable[SourceEntry],
    codec: Codec,
    workers: int | None = None,
    *,
    digest: bool = False,
) -> Iterator[PackedBatch]:
    """Deflate entries in a thread pool, in batches; yield the batches in input order with
    bounded memory (``MAX_INFLIGHT_BYTES`` of input and its output in flight)."""
    workers = workers or max(1, os.cpu_count() or 1)
    pending: deque[tuple[Future[PackedBatch], int]] = deque()
    inflight = 0
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambherd-zip")
    try:
        for group, alone, held in _batches(entries):
            cost = held * 2 + 1024 * len(group)
            while pending and (inflight + cost > MAX_INFLIGHT_BYTES or len(pending) >= 256):
                fut, c = pending.popleft()
                inflight -= c
                yield fut.result()
            if alone:
                fut = pool.submit(_pack_single, group[0], codec, digest)
            else:
                fut = pool.submit(pack_batch, group, codec, digest=digest)
            pending.append((fut, cost))
            inflight += cost
        while pending:
            yield pending.popleft()[0].result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for fut, _ in pending:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                fut.result().close()


class ZipLimitExceeded(Exception):
    """Internal: the output grew past the caller's byte limit."""

    def __init__(self, written: int) -> None:
        super().__init__(written)
        self.written = written


#: Where a central record (without Zip64 extra) holds its local header's offset.
_CENTRAL_OFFSET_AT = 42


def _local_header(p: PackedEntry, name: bytes, flags: int) -> bytes:
    big = p.size >= ZIP64_LIMIT or p.compressed_size >= ZIP64_LIMIT
    needed = 45 if big else (20 if p.method == DEFLATED else 10)
    extra = struct.pack("<HHQQ", 1, 16, p.size, p.compressed_size) if big else b""
    sizes = (ZIP64_LIMIT, ZIP64_LIMIT) if big else (p.compressed_size, p.size)
    return (
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            needed,
            flags,
            p.method,
            DOS_TIME_MIDNIGHT,
            DOS_DATE_1980_01_01,
            p.crc,
            *sizes,
            len(name),
            len(extra),
        )
        + name
        + extra
    )


def _central_record(p: PackedEntry, name: bytes, flags: int, offset: int) -> bytes:
    e = p.entry
    executable = FILE_MODE_EXEC if e.executable else FILE_MODE
    mode = LINK_MODE if e.link_target is not None else executable
    z64: list[int] = []
    usize, csize, off = p.size, p.compressed_size, offset
    if usize >= ZIP64_LIMIT:
        z64.append(usize)
        usize = ZIP64_LIMIT
    if csize >= ZIP64_LIMIT:
        z64.append(csize)
        csize = ZIP64_LIMIT
    if off >= ZIP64_LIMIT:
        z64.append(off)
        off = ZIP64_LIMIT
    extra = struct.pack(f"<HH{len(z64)}Q", 1, 8 * len(z64), *z64) if z64 else b""
    needed = 45 if z64 else (20 if p.method == DEFLATED else 10)
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            MADE_BY_UNIX,
            needed,
            flags,
            p.method,
            DOS_TIME_MIDNIGHT,
            DOS_DATE_1980_01_01,
            p.crc,
            csize,
            usize,
            len(name),
            len(extra),
            0,
            0,
            0,
            (mode << 16) & 0xFFFFFFFF,
            off,
        )
        + name
        + extra
    )


class DeterministicZip:
    """Writes entries (already packed) to ``out``; hashes every byte written."""

    def __init__(self, out: BinaryIO, *, max_bytes: int | None = None) -> None:
        self._out = out
        self._max = max_bytes
        self._sha = hashlib.sha256()
        self._offset = 0
        self._central: list[bytes] = []
        self._count = 0
        self.uncompressed_size = 0

    @property
    def count(self) -> int:
        """Entries written so far."""
        return self._count

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._offset

    def digest(self) -> bytes:
        """SHA-256 of the bytes written so far."""
        return self._sha.digest()

    def _write(self, data: bytes) -> None:
        if self._max is not None and self._offset + len(data) > self._max:
            raise ZipLimitExceeded(self._offset + len(data))
        self._out.write(data)
        self._sha.update(data)
        self._offset += len(data)

    def add(self, p: PackedEntry) -> None:
        """Write one entry: local header, then its data."""
        name = _encode_name(p.entry.arcname)
        flags = 0 if name.isascii() else 0x800
        offset = self._offset
        self._write(_local_header(p, name, flags))
        self._write_data(p)
        self.uncompressed_size += p.size
        self._central.append(_central_record(p, name, flags, offset))
        self._count += 1

    def add_batch(self, batch: PackedBatch) -> None:
        """Write a batch (see ``PackedBatch``): its blob at once, its central records with
        their offsets made absolute."""
        if batch.single is not None:
            self.add(batch.single)
            return
        start = self._offset
        self._write(batch.blob)
        central = batch.central
        if batch.offsets and start + batch.offsets[-1] < ZIP64_LIMIT:
            for at, rel in zip(batch.patch, batch.offsets, strict=True):
                struct.pack_into("<I", central, at, start + rel)
            self._central.append(bytes(central))
        else:  # an offset needs Zip64: the records change shape, made again here
            for p, rel in zip(batch.entries, batch.offsets, strict=True):
                name = _encode_name(p.entry.arcname)
                flags = 0 if name.isascii() else 0x800
                self._central.append(_central_record(p, name, flags, start + rel))
        self._count += len(batch.entries)
        self.uncompressed_size += batch.uncompressed
        batch.blob = b""

    def _write_data(self, p: PackedEntry) -> None:
        if p.data is not None:
            self._write(p.data)
        elif p.spool is not None:
            try:
                while chunk := p.spool.read(CHUNK):
                    self._write(chunk)
            finally:
                p.close()
        else:  # stored big file that deflate could not shrink: copy it, checking it is unchanged
            crc = size = 0
            try:
                with open(p.entry.path, "rb") as f:
                    while chunk := f.read(CHUNK):
                        crc = zlib.crc32(chunk, crc)
                        size += len(chunk)
                        self._write(chunk)
            except OSError as exc:
                raise ArchiveError(f"{p.entry.arcname}: cannot read: {exc.strerror}") from exc
            if (crc, size) != (p.crc, p.size):
                raise ArchiveError(f"{p.entry.arcname}: file changed while it was archived")

    def close(self) -> None:
        """Write the central directory and the end records (Zip64 ones when needed)."""
        start = self._offset
        self._write(b"".join(self._central))
        cd_size = self._offset - start
        count = self._count
        if count >= ZIP64_COUNT_LIMIT or cd_size >= ZIP64_LIMIT or start >= ZIP64_LIMIT:
            z64_offset = self._offset
            self._write(
                struct.pack(
                    "<IQHHIIQQQQ",
                    0x06064B50,
                    44,
                    MADE_BY_UNIX,
                    45,
                    0,
                    0,
                    count,
                    count,
                    cd_size,
                    start,
                )
            )
            self._write(struct.pack("<IIQI", 0x07064B50, 0, z64_offset, 1))
        self._write(
            struct.pack(
                "<IHHHHIIH",
                0x06054B50,
                0,
                0,
                min(count, ZIP64_COUNT_LIMIT),
                min(count, ZIP64_COUNT_LIMIT),
                min(cd_size, ZIP64_LIMIT),
                min(start, ZIP64_LIMIT),
                0,
            )
        )


def _encode_name(arcname: str) -> bytes:
    try:
        return arcname.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ArchiveError(f"{arcname!r}: file name is not valid UTF-8") from exc
