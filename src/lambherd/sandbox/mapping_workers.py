"""One thread per event source mapping: what the SQS poller and the stream reader share.

``changed(mapping)`` starts the mapping's thread when its kind is the subclass's and none runs
for it yet; the thread (``_work(uuid)``) reads the mapping again on every turn and returns when
the mapping is gone or ``_stop`` is set. ``stop`` starts no new batch; ``close`` also waits for
the batches in flight.
"""

from __future__ import annotations

import threading
from typing import Any


class MappingWorkers:
    """The threads of the mappings of ``kinds`` (named ``<prefix>-<uuid>``)."""

    kinds: frozenset[str] = frozenset()
    prefix = "mapping"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: dict[str, threading.Thread] = {}

    def changed(self, mapping: Any) -> None:
        """A mapping was created or changed: make sure its thread runs."""
        if mapping.kind not in self.kinds or self._stop.is_set():
            return
        with self._lock:
            running = self._workers.get(mapping.uuid)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(
                target=self._work,
                args=(mapping.uuid,),
                name=f"{self.prefix}-{mapping.uuid[:8]}",
                daemon=True,
            )
            self._workers[mapping.uuid] = thread
        thread.start()

    def stop(self) -> None:
        """Start no new batch (those running finish)."""
        self._stop.set()

    def close(self) -> None:
        """Stop every thread and wait for the batches in flight."""
        self._stop.set()
        with self._lock:
            threads = list(self._workers.values())
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout=30)

    def _work(self, uuid: str) -> None:
        raise NotImplementedError
