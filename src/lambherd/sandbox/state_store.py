"""The sandbox's memory across restarts: a snapshot, a short journal tail, blobs by content.

Files of the state folder (0700; every file 0600):

    snapshot.bin     the whole state at journal position ``seq`` (``snapshots``)
    journal.jsonl    control-plane requests applied after it, fsync'd (``persistence``)
    telemetry.jsonl  invocation logs and metrics recorded after it (``telemetry``), not fsync'd
    blobs/<sha256>   code zips, S3 bodies, large request bodies, once each (``blobs``)
    clock.json       the sandbox clock's offset (``clock``)

Every change gets the next sequence number under the app's write lock. Start: load the
snapshot, replay both tails merged by ``seq`` (requests through the WSGI stack, telemetry
records straight into moto). The snapshot's telemetry section (the log events and metric
datums of every invocation until then) is loaded afterwards, in a thread, while the port is
open: ``wait_telemetry`` blocks whoever reads logs or metrics (or takes a snapshot) until
it is in. When the tails pass ``threshold`` bytes a snapshot is taken in
the background: the state is pickled under the write lock, written beside the old one and
renamed over it, then both journals lose the lines it holds and unreferenced blobs are
deleted. A clean stop takes one more. A journal written by the landed version (no snapshot, no
``seq``) is replayed once and becomes a snapshot at that first start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambherd.defaults import SANDBOX_SNAPSHOT_TAIL_MB
from lambherd.sandbox import moto_state, persistence, snapshots
from lambherd.sandbox.blobs import BLOB_MIN_BYTES, BlobStore
from lambherd.sandbox.locations import SNAPSHOT_WRITING_FILE
from lambherd.sandbox.statefiles import JsonLines, remove_leftovers, secure_state_dir

log = logging.getLogger("lambherd.sandbox")
JOURNAL_FILE = "journal.jsonl"
TELEMETRY_FILE = "telemetry.jsonl"
BLOBS_DIR = "blobs"
#: Where the invoker extracts each zip it runs (``code/<sha256>/``).
CODE_DIR = "code"
#: The telemetry loader's pause between two chunks (``snapshots.TELEMETRY_CHUNK``): 0 gives the
#: interpreter lock to a thread that waits for it (the starting server), and costs nothing else.
TELEMETRY_PAUSE_S = 0.0

#: Runs one recorded request through the app (a replay).
Replay = Callable[[persistence.RecordedRequest], None]
#: Applies one telemetry record (live or replayed).
ApplyTelemetry = Callable[[dict[str, Any]], None]


def threshold_bytes() -> int:
    """``$LAMBHERD_SANDBOX_COMPACT_MB``: journal tail (bytes) that triggers a snapshot."""
    raw = os.environ.get("LAMBHERD_SANDBOX_COMPACT_MB", "").strip()
    return int(float(raw or SANDBOX_SNAPSHOT_TAIL_MB) * 2**20)


@dataclass(frozen=True)
class SnapshotResult:
    """What one snapshot did."""

    seq: int
    snapshot_bytes: int
    pickle_seconds: float
    freed_bytes: int


class StateStore:
    """Sequence numbers, the journals, snapshots and blobs of one state folder."""

    def __init__(self, state_dir: Path, write_lock: Any, *, live: dict[str, Any]) -> None:
        self.state_dir = secure_state_dir(state_dir)
        self.blobs = BlobStore(state_dir / BLOBS_DIR)
        self.journal = persistence.Journal(state_dir / JOURNAL_FILE, self.blobs)
        self.telemetry = JsonLines(state_dir / TELEMETRY_FILE, durable=False)
        self.snapshot_path = state_dir / snapshots.SNAPSHOT_FILE
        self.rooms = snapshots.RoomRegistry()
        self.write_lock = write_lock
        self.live = live
        self.seq = 0
        self.snapshot_seq = 0
        self.tail_bytes = 0
        self._snapshot_lock = threading.Lock()
        self._background: threading.Thread | None = None
        self._failed_at = -(2**62)  # tail size when a snapshot last failed
        self.closed = False
        #: The snapshot whose telemetry section is still to load (None: nothing pending).
        self._telemetry_pending: snapshots.Snapshot | None = None
        self._telemetry_ready = threading.Event()
        self._telemetry_ready.set()
        self._telemetry_lock = threading.Lock()
        self._telemetry_thread: threading.Thread | None = None

    # -- recording ----------------------------------------------------------------------------
    def record(self, request: persistence.RecordedRequest) -> None:
        """Journal a request just applied (caller holds the write lock)."""
        import dataclasses

        clean = persistence.without_credentials(request, moto_state.known_access_key)
        self.seq += 1
        size = self.journal.append(dataclasses.replace(clean, seq=self.seq))
        self.tail_bytes += size + (len(request.body) if len(request.body) >= BLOB_MIN_BYTES else 0)
        self._maybe_snapshot()

    def record_telemetry(self, doc: dict[str, Any]) -> None:
        """Keep a telemetry record just applied (caller holds the write lock)."""
        self.seq += 1
        self.tail_bytes += self.telemetry.append({"seq": self.seq, **doc})
        self._maybe_snapshot()

    def _maybe_snapshot(self) -> None:
        limit = threshold_bytes()
        if self.closed or self.tail_bytes <= limit or self.tail_bytes - self._failed_at <= limit:
            return
        running = self._background
        if running is not None and running.is_alive():
            return
        self._background = threading.Thread(
            target=self._snapshot_quietly, name="sandbox-snapshot", daemon=True
        )
        self._background.start()

    def _snapshot_quietly(self) -> None:
        try:
            self.snapshot()
        except Exception:  # the journal still holds everything: nothing is lost
            self._failed_at = self.tail_bytes  # tried again once as much more has come
            log.exception("sandbox snapshot failed")

    # -- restore ------------------------------------------------------------------------------
    def restore(self, replay: Replay, apply_telemetry: ApplyTelemetry) -> int:
        """Load the snapshot and replay the tails; returns how many tail entries were replayed.

        A journal-only state (the landed version's) is turned into a snapshot here.
        """
        remove_leftovers(self.state_dir)
        found = snapshots.read_snapshot(self.snapshot_path, self.blobs, live=self.live)
        if found is not None:
            moto_state.reset()  # exactly the snapshot's state (moto is global to the process)
            moto_state.install_backends(found.backends)
            self.rooms.restore(found.rooms)
            self.seq = self.snapshot_seq = found.seq
            if found.telemetry:
                self._telemetry_pending = found
                self._telemetry_ready.clear()
        replayed = 0
        for seq, kind, entry in self._tail(self.snapshot_seq):
            self.seq = max(self.seq, seq)
            try:
                if kind == "request":
                    replay(entry)
                else:
                    apply_telemetry(entry)
            except Exception:  # one bad entry must not keep the sandbox from starting
                log.exception("journal entry %d could not be replayed", seq)
            replayed += 1
        self.tail_bytes = self.journal.size() + self.telemetry.size()
        if (found is None and replayed) or self.tail_bytes > threshold_bytes():
            self._snapshot_quietly()  # e.g. the landed version's journal becomes a snapshot
        self.rooms.restored()
        prune_extracted_code(self.state_dir / CODE_DIR, moto_state.code_in_use())
        self.load_telemetry()
        return replayed

    # -- the snapshot's telemetry, after the start ---------------------------------------------
    def load_telemetry(self) -> None:
        """Start loading the snapshot's telemetry section in a thread (once)."""
        with self._telemetry_lock:
            if self._telemetry_pending is None or self._telemetry_thread is not None:
                return
            self._telemetry_thread = threading.Thread(
                target=self._load_telemetry, name="sandbox-telemetry-load", daemon=True
            )
            self._telemetry_thread.start()

    def _load_telemetry(self) -> None:
        found = self._telemetry_pending
        started = time.perf_counter()
        try:
            assert found is not None
            count = snapshots.load_telemetry(
                found, self.blobs, live=self.live, pause=lambda: time.sleep(TELEMETRY_PAUSE_S)
            )
            took = time.perf_counter() - started
            log.info("sandbox telemetry loaded: %d log events and datums in %.2f s", count, took)
        except Exception:  # the control plane is whole; what the section held is not
            log.exception("the snapshot's telemetry could not be loaded")
        finally:
            self._telemetry_pending = None
            self._telemetry_ready.set()

    @property
    def telemetry_loaded(self) -> bool:
        """True once the snapshot's logs and metrics are in moto."""
        return self._telemetry_ready.is_set()

    def wait_telemetry(self) -> None:
        """Return once the snapshot's logs and metrics are in moto (starting the load when it
        was not yet: a replayed request may need them before the start is over)."""
        if self._telemetry_ready.is_set():
            return
        self.load_telemetry()
        self._telemetry_ready.wait()

    def _tail(self, after: int) -> Iterator[tuple[int, str, Any]]:
        """Journal requests and telemetry records above ``after``, merged by ``seq``."""
        requests = ((r.seq or 0, "request", r) for r in self.journal.entries())
        records = (
            (int(d["seq"]), "telemetry", d)
            for d in self.telemetry.docs()
            if isinstance(d.get("seq"), int)
        )
        import heapq

        for seq, kind, entry in heapq.merge(requests, records, key=lambda e: e[0]):
            if seq > after:
                yield seq, kind, entry

    # -- snapshots ----------------------------------------------------------------------------
    def snapshot(self) -> SnapshotResult:
        """Write a snapshot of the state now, then drop what it made obsolete (callers hold
        neither the write lock nor ``exclusive()``)."""
        self.wait_telemetry()  # a snapshot copies every log event and datum
        with self._snapshot_lock:
            marker = self.state_dir / SNAPSHOT_WRITING_FILE
            marker.write_text(str(os.getpid()))
            try:
                started = time.perf_counter()
                with self.write_lock:  # nothing changes while the state is copied
                    seq = self.seq
                    rooms = self.rooms.documents()
                    state = snapshots.pickle_backends(self.blobs, _ids(self.live))
                    tail_at_copy = self.tail_bytes
                pickled = time.perf_counter() - started
                written = snapshots.write_snapshot(
                    self.snapshot_path,
                    self.blobs,
                    seq=seq,
                    rooms=rooms,
                    live=_ids(self.live),
                    state=state,
                )
                with self.write_lock, self.journal.lock:
                    self.journal.keep_after(seq)
                    self.telemetry.rewrite(
                        d for d in self.telemetry.docs() if int(d.get("seq") or 0) > seq
                    )
                    self.snapshot_seq = seq
                    self.tail_bytes = max(0, self.tail_bytes - tail_at_copy)
                    freed = self.blobs.collect(written.blobs | self.journal.blob_refs())
            finally:
                marker.unlink(missing_ok=True)
        log.info(
            "sandbox snapshot at %d: %d bytes (%.2f s to copy the state), %d bytes freed",
            seq,
            written.size,
            pickled,
            freed,
        )
        return SnapshotResult(seq, written.size, pickled, freed)

    def wait_idle(self) -> None:
        """Wait for a background snapshot to finish."""
        running = self._background
        if running is not None:
            running.join()

    def close(self) -> None:
        """Take the last snapshot (clean stop) and close the files."""
        self.wait_idle()
        self.closed = True
        try:
            if self.tail_bytes or not self.snapshot_path.exists():
                self.snapshot()
        except Exception:  # the journal still holds everything: the next start replays it
            log.exception("the last sandbox snapshot failed")
        finally:
            self.journal.close()
            self.telemetry.close()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """No snapshot runs and no request changes anything (locks taken in that order)."""
        with self._snapshot_lock, self.write_lock:
            yield

    def reset(self) -> None:
        """Forget everything (``sandbox reset``; caller holds ``exclusive()``)."""
        self.wait_telemetry()  # the loader takes neither lock
        with self.journal.lock:
            self.journal.clear()
            self.telemetry.clear()
            self.snapshot_path.unlink(missing_ok=True)
            self.blobs.forget_all()
            self.seq = self.snapshot_seq = self.tail_bytes = 0


def prune_extracted_code(folder: Path, keep: set[str]) -> int:
    """Delete extracted zips (``code/<sha256>``) of code no version or layer has any more
    (before the first invoke); returns how many went."""
    import shutil

    gone = 0
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if entry.name not in keep:  # a ".partial" left by a kill goes too
            shutil.rmtree(entry.path, ignore_errors=True)
            gone += 1
    return gone


def _ids(live: dict[str, Any]) -> dict[int, str]:
    return {id(obj): name for name, obj in live.items()}
