"""Every piece of state a sandbox room holds outside moto is either saved by the snapshot (the
room is registered, ``sandbox/__init__.py``) or named here as not needing it, with why.

Snapshots replace the journal's prefix: a room that rebuilt its dicts by replaying requests
loses them at the first snapshot unless it is registered. This test walks the rooms the app
builds and fails on a container (dict, list, set) nobody has accounted for, so a new room
cannot lose its state across a restart unnoticed. (Counters and other scalars are not seen:
keep them in a registered room's document.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: ``Class.attribute`` -> why it is not in the snapshot.
NOT_SAVED = {
    "RequestGuard.hosts": "configuration: the addresses this process serves",
    "Invoker._runtimes": "running execution environments, started again on first invoke",
    "Invoker._specs": "a cache of what each version runs, rebuilt from moto's configurations",
    "Invoker._in_flight": "invokes running now: none are after a restart",
    "Invoker._layer_shas": "a cache of layer zips' hashes",
    "RequestRecorder._clients": "botocore clients used to shape the sandbox's own requests",
    "Scheduler._heap": "jobs: the rooms owning them re-arm them (rooms.after_restore)",
    "SandboxClock._listeners": "callbacks wired at start",
    "StateStore.live": "the persistence machinery itself",
    "RoomRegistry._rooms": "the persistence machinery itself",
    "RoomRegistry._after": "the persistence machinery itself",
    "BlobStore._known": "a cache of the blob folder's listing",
    "ScheduledActions._jobs": "scheduler jobs, armed again from moto's actions (rearm)",
    "TargetTracking._jobs": "scheduler jobs, armed again from moto's policies (rearm)",
    "Provisioned._workers": "allocation threads: none run after a restart (allocate_all)",
    "Provisioned._dirty": "functions an allocation thread has yet to look at",
    "SqsDelivery._workers": "poller threads, started again for the restored mappings",
    "SqsDelivery.counts": "delivery counters of this process (for the benchmark)",
    "StreamDelivery._workers": "reader threads, started again for the restored mappings",
}


def _sandbox_objects(root: Any) -> list[Any]:
    """The objects of lambherd.sandbox reachable from ``root`` through attributes."""
    seen: dict[int, Any] = {}
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen[id(obj)] = obj
        for value in vars(obj).values():
            kind = type(value)
            if kind.__module__.startswith("lambherd.sandbox") and hasattr(value, "__dict__"):
                todo.append(value)
    return list(seen.values())


def test_every_rooms_state_is_saved_or_named_as_transient(tmp_path: Path) -> None:
    from lambherd.sandbox.dispatcher import SandboxApp

    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    app = SandboxApp(tmp_path / "state", "http://127.0.0.1:1")
    try:
        app.lambda_layer.invoker()  # made on first use: walk it too
        saved = {id(room) for room in app.state.rooms.registered().values()}
        assert saved, "no room is registered: the snapshot would keep moto's state only"
        found: set[str] = set()
        unaccounted: list[str] = []
        for obj in _sandbox_objects(app):
            for attr, value in vars(obj).items():
                if not isinstance(value, dict | list | set):
                    continue
                name = f"{type(obj).__name__}.{attr}"
                found.add(name)
                if id(obj) not in saved and name not in NOT_SAVED:
                    unaccounted.append(name)
        assert unaccounted == [], (
            f"{unaccounted}: state outside moto that no snapshot keeps; register the room "
            "(app.state.rooms.register, see sandbox/__init__.py) or name it in NOT_SAVED"
        )
        assert set(NOT_SAVED) <= found, f"gone, drop from NOT_SAVED: {set(NOT_SAVED) - found}"
        registered = app.state.rooms.registered()
        assert {"functions", "revisions", "url-configs", "telemetry"} <= set(registered)
        concurrency = {"provisioned", "quota-requests", "autoscaling", "target-tracking"}
        assert concurrency <= set(registered), "the concurrency rooms keep state of their own"
        triggers = {"event-source-mappings", "async-invokes", "schedules"}
        assert triggers <= set(registered), "the trigger rooms keep state of their own"
    finally:
        app.close()
