"""Provisioned concurrency configs as Lambda runs them: allocated as pre-warmed environments in
the local emulator, ``IN_PROGRESS`` until they are up (and ``ALLOCATION_SECONDS`` of sandbox
time have passed), then ``READY`` with the count in Allocated/Available; ``FAILED`` with
``FUNCTION_ERROR_INIT_FAILURE`` and the error when the version does not initialise.

Alias moves as Lambda does them: when an alias with a config is pointed at another version,
the config is allocated on the new version while the alias keeps routing to the old one
(GetAlias/ListAliases report the transient ``AdditionalVersionWeights`` {old: 1.0}); when the
new environments are READY the alias routes to the new version and the old version's are
released. PutProvisionedConcurrencyConfig on an alias in such a move is refused, as Lambda
refuses it on a weighted alias. Moving the alias back to the old version ends the move.

State is ``FunctionState.provisioned`` (qualifier -> config), kept under the facade's lock; the
allocation runs in a worker thread per function (``allocate``), never under that lock.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from werkzeug.wrappers import Response

from lambherd.defaults import SANDBOX_PROVISIONED_ALLOCATION_S, SANDBOX_PROVISIONED_RELEASE_S
from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.versions import Versions
from lambherd.sandbox.wire import Route, error, lambda_time, ok

log = logging.getLogger("lambherd.sandbox")
#: Sandbox seconds an allocation takes at least (AWS takes minutes).
ALLOCATION_SECONDS = float(
    os.environ.get("LAMBHERD_SANDBOX_PC_ALLOCATION_S", SANDBOX_PROVISIONED_ALLOCATION_S)
)
#: Applies provisioned counts per version; returns {version: why it failed}.
Allocator = Callable[[FunctionKey, dict[str, int], Callable[[str], None]], dict[str, str]]


def _not_found(qualifier: str) -> Response:
    return error(
        404,
        "ProvisionedConcurrencyConfigNotFoundException",
        f"No Provisioned Concurrency Config found for this function: {qualifier}",
    )


class Provisioned:
    """Every function's provisioned concurrency configs and their allocation."""

    def __init__(
        self,
        facade: MotoFacade,
        versions: Versions,
        *,
        now: Callable[[], datetime],
        allocator: Allocator | None = None,
    ) -> None:
        self._facade = facade
        self._versions = versions
        self._now = now
        self.allocator = allocator
        self.scheduler: Any = None  # set by the app: READY waits for sandbox time
        self._workers: dict[FunctionKey, threading.Thread] = {}
        self._dirty: set[FunctionKey] = set()
        self._lock = threading.Lock()
        #: every function a config was ever put for (``allocate_all`` looks at these)
        self._keys: set[FunctionKey] = set()

    def snapshot(self) -> dict[str, Any]:
        """The functions a config was put for, as JSON data (the configs themselves are in the
        facade's ``FunctionState.provisioned``): what ``allocate_all`` allocates again."""
        with self._lock:
            return {"keys": sorted([list(k) for k in self._keys])}

    def restore(self, doc: dict[str, Any]) -> None:
        """Take back what ``snapshot`` gave."""
        with self._lock:
            self._keys = {FunctionKey(*k) for k in doc.get("keys") or ()}

    def attach(self, now: Callable[[], datetime], scheduler: Any) -> None:
        """Use the sandbox's clock and scheduler (READY waits for sandbox time)."""
        self._now = now
        self.scheduler = scheduler

    # -- the API ------------------------------------------------------------------------------
    def serve(
        self,
        route: Route,
        key: FunctionKey,
        doc: dict[str, Any],
        at: datetime,
        *,
        reserved: int | None,
        replaying: bool,
    ) -> Response:
        """Put / Get / Delete / List provisioned concurrency configs."""
        qualifier, method = route.qualifier, route.method
        arn = self._facade.function_arn(key)
        if arn is None:
            return error(404, "ResourceNotFoundException", f"Function not found: {key.name}")
        state = self._facade.extra(key)
        if method == "GET" and route.query.get("List") == "ALL":
            items = [self._doc(arn, q, c) for q, c in sorted(state.provisioned.items())]
            return ok({"ProvisionedConcurrencyConfigs": items})
        if not qualifier:
            return error(400, "InvalidParameterValueException", "Qualifier is required")
        if qualifier == "$LATEST" or self._versions.resolve(key, qualifier) == "$LATEST":
            return error(
                400,
                "InvalidParameterValueException",
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions.",
            )
        version = self._versions.resolve(key, qualifier)
        if version is None:
            return error(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
        config = state.provisioned.get(qualifier)
        if method == "GET":
            return (
                _not_found(qualifier)
                if config is None
                else ok(self._doc(arn, qualifier, config, False))
            )
        if method == "DELETE":
            if state.provisioned.pop(qualifier, None) is None:
                return _not_found(qualifier)
            self.allocate(key, replaying)
            return Response(status=204)
        wanted = doc.get("ProvisionedConcurrentExecutions")
        if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 1:
            return error(
                400,
                "InvalidParameterValueException",
                "ProvisionedConcurrentExecutions must be an integer of at least 1",
            )
        if config is not None and config.get("Serving"):
            return error(
                400,
                "InvalidParameterValueException",
                "Alias with weights can not be used with Provisioned Concurrency",
            )
        others = sum(c["Requested"] for q, c in state.provisioned.items() if q != qualifier)
        if reserved is not None and others + wanted > reserved:
            return error(
                400,
                "InvalidParameterValueException",
                f"Requested Provisioned Concurrency should not be greater than the "
                f"reservedConcurrentExecution for function: {reserved}",
            )
        with self._lock:
            self._keys.add(key)
        kept = config.get("Allocated", 0) if config and config.get("Version") == version else 0
        state.provisioned[qualifier] = {
            "Requested": wanted,
            "Allocated": min(kept, wanted),
            "Status": "IN_PROGRESS",
            "Version": version,
            "LastModified": lambda_time(at),
            "RequestedAt": at.timestamp(),
            "Generation": int((config or {}).get("Generation", 0)) + 1,
        }
        self.allocate(key, replaying)
        return ok(self._doc(arn, qualifier, state.provisioned[qualifier], False), status=202)

    def _doc(
        self, arn: str, qualifier: str, config: dict[str, Any], with_arn: bool = True
    ) -> dict[str, Any]:
        requested = int(config["Requested"])
        allocated = int(config.get("Allocated", requested))
        status = str(config.get("Status", "READY"))
        # what the qualifier's invocations reach now: the old version's during a move
        available = requested if config.get("Serving") else allocated
        out: dict[str, Any] = {
            "FunctionArn": f"{arn}:{qualifier}",
            "RequestedProvisionedConcurrentExecutions": requested,
            "AvailableProvisionedConcurrentExecutions": available if status != "FAILED" else 0,
            "AllocatedProvisionedConcurrentExecutions": allocated,
            "Status": status,
            "LastModified": config["LastModified"],
        }
        if config.get("StatusReason"):
            out["StatusReason"] = config["StatusReason"]
        if not with_arn:
            out.pop("FunctionArn")
        return out

    # -- aliases -----------------------------------------------------------------------------
    def alias_moved(self, key: FunctionKey, alias: str, old: str | None, new: str | None) -> None:
        """An alias now points to ``new``: a config on it moves there as Lambda moves it."""
        with self._facade.transaction():
            state = self._facade.extra_if_any(key)
            config = state.provisioned.get(alias) if state else None
            if config is None or old is None or new is None or old == new:
                return
            serving = config.get("Serving")
            if serving and new == serving:  # moved back while moving: the old ones still serve
                config.update(Version=serving, Serving=None, Status="READY")
                config["Allocated"] = config["Requested"]
                config.pop("StatusReason", None)
                config["Generation"] = int(config.get("Generation", 0)) + 1
            else:
                config.update(Version=new, Serving=serving or old, Status="IN_PROGRESS")
                config.update(Allocated=0, RequestedAt=self._now().timestamp())
                config.pop("StatusReason", None)
                config["Generation"] = int(config.get("Generation", 0)) + 1
        self.allocate(key, False)

    def serving(self, key: FunctionKey, alias: str) -> str | None:
        """The version an alias in a move still routes to (None: not moving)."""
        with self._facade.transaction():
            state = self._facade.extra_if_any(key)
            config = state.provisioned.get(alias) if state else None
            return config.get("Serving") if config else None

    def drop(self, key: FunctionKey, qualifier: str) -> None:
        """Forget the config of a deleted alias, and every config of a deleted version."""
        with self._facade.transaction():
            state = self._facade.extra_if_any(key)
            if state is None:
                return
            state.provisioned.pop(qualifier, None)
            for config in state.provisioned.values():
                if config.get("Serving") == qualifier:
                    config["Serving"] = None

    def by_version(self, key: FunctionKey) -> dict[str, int]:
        """Provisioned environments to keep per version (a moving alias's on both)."""
        out: dict[str, int] = {}
        with self._facade.transaction():
            state = self._facade.extra_if_any(key)
            for qualifier, config in (state.provisioned if state else {}).items():
                version = config.get("Version") or self._versions.resolve(key, qualifier)
                if version and config.get("Status") != "FAILED":
                    out[version] = out.get(version, 0) + int(config["Requested"])
                if config.get("Serving"):
                    serving = config["Serving"]
                    out[serving] = out.get(serving, 0) + int(config["Requested"])
        return out

    def configs(self, key: FunctionKey) -> dict[str, dict[str, Any]]:
        """qualifier -> a copy of its config."""
        with self._facade.transaction():
            state = self._facade.extra_if_any(key)
            return {q: dict(c) for q, c in (state.provisioned if state else {}).items()}

    # -- allocation --------------------------------------------------------------------------
    def allocate(self, key: FunctionKey, replaying: bool = False) -> None:
        """(Re)apply the function's counts in the background (never during a replay: the
        restored sandbox allocates everything once it serves, see ``allocate_all``)."""
        if replaying or self.allocator is None:
            return
        with self._lock:
            self._dirty.add(key)
            worker = self._workers.get(key)
            if worker is not None and worker.is_alive():
                return
            worker = threading.Thread(
                target=self._work, args=(key,), name=f"provisioned-{key.name}", daemon=True
            )
            self._workers[key] = worker
        worker.start()

    def allocate_all(self) -> None:
        """After a restart: every config allocated again (its environments are gone)."""
        with self._lock:
            keys = sorted(self._keys)
        for key in keys:
            with self._facade.transaction():
                state = self._facade.extra_if_any(key)
                for config in (state.provisioned if state else {}).values():
                    if config.get("Status") != "FAILED":
                        config.update(Status="IN_PROGRESS", Allocated=0)
                        config["RequestedAt"] = self._now().timestamp()
            self.allocate(key)

    def _work(self, key: FunctionKey) -> None:
        while True:
            with self._lock:
                if key not in self._dirty:
                    self._workers.pop(key, None)
                    return
                self._dirty.discard(key)
            try:
                self._allocate_once(key)
            except Exception:  # a bug of ours: keep the worker alive for the next change
                log.exception("provisioned concurrency allocation of %s failed", key.name)

    def _allocate_once(self, key: FunctionKey) -> None:
        assert self.allocator is not None
        with self._facade.transaction():  # the counts of exactly these generations
            counts = self.by_version(key)
            generations = {q: c.get("Generation") for q, c in self.configs(key).items()}
        failures = self.allocator(key, counts, lambda version: self._started(key, version))
        finished: list[tuple[str, int]] = []
        with self._facade.transaction():
            state = self._facade.extra_if_any(key)
            for qualifier, config in (state.provisioned if state else {}).items():
                if config.get("Generation") != generations.get(qualifier):
                    continue  # changed meanwhile: its own allocation follows
                if config.get("Status") != "IN_PROGRESS":
                    continue
                reason = failures.get(str(config.get("Version")))
                if reason is not None:
                    config.update(Status="FAILED", Allocated=0)
                    config["StatusReason"] = f"FUNCTION_ERROR_INIT_FAILURE: {reason}"
                    continue
                config["Allocated"] = config["Requested"]
                finished.append((qualifier, int(config["Generation"])))
        for qualifier, generation in finished:
            self._ready_later(key, qualifier, generation)

    def _started(self, key: FunctionKey, version: str) -> None:
        with self._facade.transaction():
            state = self._facade.extra_if_any(key)
            for config in (state.provisioned if state else {}).values():
                if (
                    config.get("Status") == "IN_PROGRESS"
                    and config.get("Version") == version
                    and config.get("Allocated", 0) < config["Requested"]
                ):
                    config["Allocated"] = config.get("Allocated", 0) + 1
                    return

    def _ready_later(self, key: FunctionKey, qualifier: str, generation: int) -> None:
        with self._facade.transaction():
            config = self._facade.extra(key).provisioned.get(qualifier) or {}
            due = datetime.fromtimestamp(float(config.get("RequestedAt", 0)), self._now().tzinfo)
        due += timedelta(seconds=ALLOCATION_SECONDS)
        if self.scheduler is None or due <= self._now():
            self._ready(key, qualifier, generation)
            return
        self.scheduler.at(
            due, lambda _due: self._ready(key, qualifier, generation), name="pc-ready"
        )

    def _ready(self, key: FunctionKey, qualifier: str, generation: int) -> None:
        released = False
        with self._facade.transaction():
            config = self._facade.extra(key).provisioned.get(qualifier)
            if config is None or config.get("Generation") != generation:
                return
            if config.get("Status") != "IN_PROGRESS":
                return
            config["Status"] = "READY"
            if config.get("Serving"):  # the alias now routes to the new version
                config["Serving"] = None
                released = True
        if released:  # the old version's environments are let go, after the in-flight ones
            timer = threading.Timer(SANDBOX_PROVISIONED_RELEASE_S, self.allocate, (key,))
            timer.daemon = True
            timer.start()
