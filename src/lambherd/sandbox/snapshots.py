"""The snapshot file: the whole sandbox state at one journal position, and the rooms' part in it.

``snapshot.bin`` in the state folder, replaced atomically (``statefiles``), 0600:

    LAMBHERD-SANDBOX-SNAPSHOT\\n
    {"format": 2, "seq": N, "created": epoch, "moto": "5.2.5", "python": "3.11.7",
     "rooms": {name: room document}, "blobs": [sha256...], "payload": {"bytes": n, "sha256": h},
     "telemetry": {"bytes": n, "sha256": h, "lists": k}}\\n
    <pickle of every moto backend (``moto_state.backends``), blobs named by content>
    <telemetry: pickles of (index, items) chunks>

``seq`` is the last journal line the snapshot includes: on start the journal lines above it are
replayed. ``rooms`` holds the JSON documents the stateful rooms gave (see ``RoomRegistry``).

The lists that grow with every invocation (log events, metric datums:
``moto_state.telemetry_lists``) are not in the backends' pickle: it names each by its index,
and the telemetry section holds their items, in chunks of ``TELEMETRY_CHUNK``. Loading gives
each an empty list in its place, which ``telemetry_load`` fills after the port has opened: a
start costs the same however many invocations there were. Format 1 (everything in one
pickle) is still read.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lambherd.errors import UsageError
from lambherd.sandbox import moto_state
from lambherd.sandbox.blobs import BlobStore
from lambherd.sandbox.state_pickle import StatePickler, StateUnpickler
from lambherd.sandbox.statefiles import atomic_writer

SNAPSHOT_FILE = "snapshot.bin"
MAGIC = b"LAMBHERD-SANDBOX-SNAPSHOT\n"
FORMAT = 2
#: Formats this version reads (1: no telemetry section).
READABLE_FORMATS = (1, 2)
#: Items per pickle of the telemetry section: the loader holds the interpreter lock for one
#: chunk (a few ms) and yields it between them, so the starting server is not slowed.
TELEMETRY_CHUNK = 250


class Stateful(Protocol):
    """A room whose state lives outside moto and must survive a restart."""

    def snapshot(self) -> dict[str, Any]:
        """The room's state as JSON-serialisable data (called under the app's write lock)."""
        ...

    def restore(self, doc: dict[str, Any]) -> None:
        """Take back what ``snapshot`` gave (called before the journal tail is replayed, only
        when the snapshot holds the room's state)."""
        ...


class RoomRegistry:
    """The rooms that keep state of their own, by name (``app.state.rooms``)."""

    def __init__(self) -> None:
        self._rooms: dict[str, Stateful] = {}
        self._after: list[Callable[[], None]] = []

    def register(self, name: str, room: Stateful) -> None:
        """Have ``room``'s ``snapshot()`` saved under ``name`` and given back to ``restore()``."""
        if name in self._rooms and self._rooms[name] is not room:
            raise ValueError(f"a stateful room named {name!r} is already registered")
        self._rooms[name] = room

    def registered(self) -> dict[str, Stateful]:
        """The registered rooms, by name."""
        return dict(self._rooms)

    def after_restore(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` once the snapshot and the journal tail are loaded (before the
        port opens): the place to re-arm scheduler jobs from restored state."""
        self._after.append(callback)

    def documents(self) -> dict[str, dict[str, Any]]:
        """Every room's document, checked to be JSON data."""
        docs = {name: room.snapshot() for name, room in self._rooms.items()}
        json.dumps(docs)  # a room handing out objects fails here, not at load time
        return docs

    def restore(self, docs: dict[str, Any]) -> None:
        """Give each registered room its saved document."""
        for name, room in self._rooms.items():
            if name in docs:
                room.restore(docs[name])

    def restored(self) -> None:
        """The whole state is loaded."""
        for callback in self._after:
            callback()


@dataclass
class Snapshot:
    """A snapshot read back."""

    seq: int
    created: float
    moto_version: str
    rooms: dict[str, Any]
    blobs: set[str]
    backends: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    size: int = 0
    #: The telemetry section still to load, and the lists it fills (by index).
    telemetry: bytes = b""
    telemetry_lists: dict[int, list[Any]] = field(default_factory=dict)


@dataclass
class PickledState:
    """The state copied by ``pickle_backends``."""

    payload: bytes
    telemetry: bytes
    lists: int
    blobs: set[str]


def write_snapshot(
    path: Path,
    store: BlobStore,
    *,
    seq: int,
    rooms: dict[str, Any],
    live: dict[int, str],
    state: PickledState | None = None,
) -> Snapshot:
    """Write the snapshot file (``state``: made by ``pickle_backends`` already)."""
    if state is None:
        state = pickle_backends(store, live)
    header = {
        "format": FORMAT,
        "seq": seq,
        "created": time.time(),
        "moto": moto_state.version(),
        "python": platform.python_version(),
        "rooms": rooms,
        "blobs": sorted(state.blobs),
        "payload": _checksum(state.payload),
        "telemetry": {**_checksum(state.telemetry), "lists": state.lists},
    }
    line = json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n"
    with atomic_writer(path) as fh:
        fh.write(MAGIC)
        fh.write(line)
        fh.write(state.payload)
        fh.write(state.telemetry)
    return Snapshot(
        seq, header["created"], header["moto"], rooms, set(state.blobs), size=len(state.payload)
    )


def _checksum(data: bytes) -> dict[str, Any]:
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def pickle_backends(store: BlobStore, live: dict[int, str]) -> PickledState:
    """Every moto backend pickled, the telemetry lists apart (under the app's write lock:
    nothing may change meanwhile)."""
    types, name_of, _ = moto_state.registries()
    saved = moto_state.backends()
    lists = moto_state.telemetry_lists(saved)
    buf = io.BytesIO()
    pickler = StatePickler(
        buf,
        store,
        live=live,
        registry_of=name_of,
        registry_types=types,
        external={id(items): i for i, items in enumerate(lists)},
    )
    pickler.dump(saved)
    tail = io.BytesIO()
    chunks = StatePickler(tail, store, live=live, registry_of=name_of, registry_types=types)
    for i, items in enumerate(lists):
        for at in range(0, len(items), TELEMETRY_CHUNK):
            chunks.dump((i, items[at : at + TELEMETRY_CHUNK]))
            chunks.clear_memo()
    return PickledState(buf.getvalue(), tail.getvalue(), len(lists), pickler.blobs | chunks.blobs)


def load_telemetry(
    snapshot: Snapshot, store: BlobStore, *, live: dict[str, Any], pause: Any = None
) -> int:
    """Fill the snapshot's telemetry lists from its section (oldest items first, before what
    was added since the start); ``pause()`` runs between chunks. Returns the items loaded."""
    _, _, named = moto_state.registries()
    data = io.BytesIO(snapshot.telemetry)
    loaded: dict[int, list[Any]] = {}
    count = 0
    while data.tell() < len(snapshot.telemetry):
        index, items = StateUnpickler(data, store, live=live, registry=named).load()
        loaded.setdefault(int(index), []).extend(items)
        count += len(items)
        if pause is not None:
            pause()
    for index, items in loaded.items():
        target = snapshot.telemetry_lists.get(index)
        if target is not None:
            target[:0] = items  # one step: what the sandbox added since stays after them
    snapshot.telemetry = b""
    return count


def read_header(path: Path) -> dict[str, Any] | None:
    """A snapshot's header (None when there is no snapshot)."""
    try:
        with open(path, "rb") as fh:
            return _header(fh, path)
    except FileNotFoundError:
        return None


def read_snapshot(path: Path, store: BlobStore, *, live: dict[str, Any]) -> Snapshot | None:
    """Load a snapshot (None when there is none); UsageError when it cannot be loaded."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return None
    with fh:
        header = _header(fh, path)
        rest = fh.read()
    info = header.get("payload") or {}
    payload = rest[: info.get("bytes") or 0]
    telemetry_info = header.get("telemetry") or {"bytes": 0, "sha256": _checksum(b"")["sha256"]}
    telemetry = rest[len(payload) :]
    for data, expected in ((payload, info), (telemetry, telemetry_info)):
        if _checksum(data) != {k: expected.get(k) for k in ("bytes", "sha256")}:
            raise _unloadable(path, "its content does not match its checksum")
    _, _, named = moto_state.registries()
    lists: dict[int, list[Any]] = {}
    try:
        backends = StateUnpickler(
            io.BytesIO(payload),
            store,
            live=live,
            registry=named,
            external=lambda i: lists.setdefault(i, []),
        ).load()
    except Exception as exc:  # another moto or Python may not read it: say which
        raise _unloadable(
            path,
            f"{type(exc).__name__}: {exc} (written with moto {header.get('moto')} on Python "
            f"{header.get('python')}; this is moto {moto_state.version()} on Python "
            f"{platform.python_version()})",
        ) from exc
    return Snapshot(
        seq=int(header["seq"]),
        created=float(header.get("created") or 0),
        moto_version=str(header.get("moto")),
        rooms=dict(header.get("rooms") or {}),
        blobs=set(header.get("blobs") or ()),
        backends=backends,
        size=len(payload),
        telemetry=telemetry,
        telemetry_lists=lists,
    )


def _header(fh: Any, path: Path) -> dict[str, Any]:
    if fh.readline() != MAGIC:
        raise _unloadable(path, "it is not a lambherd sandbox snapshot")
    try:
        header = json.loads(fh.readline())
    except ValueError as exc:
        raise _unloadable(path, "its header is not JSON") from exc
    if not isinstance(header, dict) or header.get("format") not in READABLE_FORMATS:
        raise _unloadable(path, f"format {header.get('format')!r} is not {FORMAT}")
    return header


def _unloadable(path: Path, why: str) -> UsageError:
    return UsageError(
        f"sandbox state {path}: cannot be loaded: {why}",
        hint="keep the folder and run the version that wrote it, or start over with "
        "`lambherd sandbox reset`",
    )
