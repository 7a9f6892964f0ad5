"""One of the two modules that touch moto: its backends and its models' fields, per function
(moto as a whole — its WSGI app, its clock, every backend for snapshots — is ``moto_state``).

Others ask by ``FunctionKey`` (account, region, name) and get plain data; ``FunctionState`` lives
here. Every method takes the lock; ``transaction()`` holds it across calls (ask, then fix).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from lambherd.defaults import MEMORY_SIZE, TIMEOUT
from lambherd.sandbox.state import (
    FunctionKey,
    FunctionState,
    FunctionSummary,
    LogStream,
    MetricPoint,
    VersionConfig,
)


class MotoFacade:
    """moto's Lambda, IAM, Logs and CloudWatch state, plus the sandbox's per-function state."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._extra: dict[FunctionKey, FunctionState] = {}
        #: Returns once the snapshot's logs and metrics are loaded (``StateStore``'s).
        self.telemetry_ready: Callable[[], None] = lambda: None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock across several calls (re-entrant)."""
        with self._lock:
            yield

    # -- the sandbox's own per-function state ------------------------------------------------
    def extra(self, key: FunctionKey) -> FunctionState:
        """The function's sandbox state (made empty on first use)."""
        with self._lock:
            return self._extra.setdefault(key, FunctionState())

    def extra_if_any(self, key: FunctionKey) -> FunctionState | None:
        """The function's sandbox state, None when it has none."""
        with self._lock:
            return self._extra.get(key)

    def forget(self, key: FunctionKey | None = None) -> None:
        """Drop a deleted function's sandbox state (every function's without ``key``)."""
        with self._lock:
            if key is None:
                self._extra.clear()
            else:
                self._extra.pop(key, None)

    def snapshot(self) -> dict[str, Any]:
        """Every function's sandbox state as data (the facade is a stateful room)."""
        with self._lock:
            return {"functions": [[*k, dataclasses.asdict(v)] for k, v in self._extra.items()]}

    def restore(self, doc: dict[str, Any]) -> None:
        """Every function's sandbox state, back from ``snapshot``."""
        with self._lock:
            items = doc["functions"]
            self._extra = {FunctionKey(a, r, n): FunctionState(**v) for a, r, n, v in items}

    # -- Lambda: reads -------------------------------------------------------------------------
    @staticmethod
    def _backend(account: str, region: str) -> Any:
        from moto.awslambda.utils import get_backend  # the one moto's own answers use

        return get_backend(account, region)

    def _function(self, key: FunctionKey, qualifier: str | None = None) -> Any:
        from werkzeug.exceptions import HTTPException

        try:
            return self._backend(key.account, key.region).get_function(key.name, qualifier)
        except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
            return None

    def _published(self, key: FunctionKey) -> list[Any]:
        storage = self._backend(key.account, key.region)._lambdas
        return list((storage._functions.get(key.name) or {}).get("versions") or [])

    def function_arn(self, key: FunctionKey) -> str | None:
        """The unqualified ARN (None when the function does not exist)."""
        with self._lock:
            fn = self._function(key)
            return str(fn.function_arn) if fn is not None else None

    def versions(self, key: FunctionKey) -> list[int]:
        """Numbers of the published versions, oldest first (none for an unknown function)."""
        with self._lock:
            return [int(v.version) for v in self._published(key)]

    def resolve(self, key: FunctionKey, qualifier: str) -> str | None:
        """The version (number or ``$LATEST``) a version or alias qualifier names."""
        from werkzeug.exceptions import HTTPException

        with self._lock:
            storage = self._backend(key.account, key.region)._lambdas
            try:
                if qualifier == "$LATEST" or qualifier.isdigit():
                    storage.get_function_by_name_with_qualifier(key.name, qualifier)
                    return qualifier
                return str(storage.get_alias(qualifier, key.name).function_version)
            except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
                return None

    def alias_routing(self, key: FunctionKey, alias: str) -> tuple[str, dict[str, float]] | None:
        """(primary version, additional version weights) of an alias, None when missing."""
        from werkzeug.exceptions import HTTPException

        with self._lock:
            storage = self._backend(key.account, key.region)._lambdas
            try:
                found = storage.get_alias(alias, key.name)
            except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
                return None
            weights = (found.routing_config or {}).get("AdditionalVersionWeights") or {}
            return str(found.function_version), {str(v): float(w) for v, w in weights.items()}

    def functions(self, account: str, region: str) -> list[FunctionSummary]:
        """Every function of an account in a region."""
        with self._lock:
            return [
                FunctionSummary(
                    str(fn.function_name),
                    None if fn.reserved_concurrency is None else int(fn.reserved_concurrency),
                    int(getattr(fn, "code_size", 0) or 0),
                )
                for fn in self._backend(account, region)._lambdas.latest()
            ]

    def function_count(self, account: str) -> int:
        """How many functions the account has, in every region."""
        from moto.awslambda.models import lambda_backends
        from moto.awslambda_simple.models import lambda_simple_backends

        with self._lock:  # (the "simple" backends serve when moto is set not to use Docker)
            return sum(
                len(list(backend._lambdas.latest()))
                for backends in (lambda_backends, lambda_simple_backends)
                for backend in list(backends[account].values())
            )

    def reserved(self, key: FunctionKey) -> int | None:
        """The function's reserved concurrency (None: unreserved or no such function)."""
        with self._lock:
            fn = self._function(key)
            value = getattr(fn, "reserved_concurrency", None)
            return None if value is None else int(value)

    def code_zip(self, key: FunctionKey, version: str) -> bytes | None:
        """The zip of a function version, None when it does not exist."""
        with self._lock:
            fn = self._function(key, version)
            return getattr(fn, "code_bytes", None) if fn is not None else None

    def version_config(self, key: FunctionKey, version: str) -> VersionConfig | None:
        """What running ``version`` needs, None when it does not exist."""
        with self._lock:
            fn = self._function(key, version)
            if fn is None:
                return None
            layers = []
            for entry in getattr(fn, "layers", None) or []:
                layers.append(entry.get("Arn", "") if isinstance(entry, dict) else str(entry))
            return VersionConfig(
                code=bytes(getattr(fn, "code_bytes", b"") or b""),
                environment={str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
                handler=fn.handler or "index.handler",
                runtime=fn.run_time or "python3.12",
                memory_mb=int(fn.memory_size or MEMORY_SIZE),
                timeout_s=float(fn.timeout or TIMEOUT),
                architecture=(fn.architectures or ["x86_64"])[0],
                layer_arns=tuple(layers),
                reserved=self.reserved(key),
                code_sha256=str(getattr(fn, "code_digest", "") or ""),
            )

    def layer_zip(self, account: str, region: str, arn: str) -> bytes | None:
        """The content of a layer version, None when it does not exist (or is empty)."""
        from werkzeug.exceptions import HTTPException

        with self._lock:
            try:
                found = self._backend(account, region).layers_versions_by_arn(arn)
            except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
                return None
            code = bytes(getattr(found, "code_bytes", b"") or b"") if found is not None else b""
            return code or None

    def url_config(self, key: FunctionKey) -> dict[str, Any] | None:
        """The function's URL config as moto reports it, None when it has none."""
        with self._lock:
            config = getattr(self._function(key), "url_config", None)
            return dict(config.to_dict()) if config is not None else None

    def url_auth_type(self, key: FunctionKey) -> str | None:
        """The AuthType of the function's URL config (None when there is no config)."""
        with self._lock:
            config = getattr(self._function(key), "url_config", None)
            return str(config.config.get("AuthType") or "NONE") if config is not None else None

    # -- Lambda: fields moto has no API for ----------------------------------------------------
    def stamp_last_modified(self, key: FunctionKey, stamp: str, which: str = "latest") -> bool:
        """Set LastModified (moto's format) of ``$LATEST`` (``which="latest"``), of the version
        published last (``"newest"``) or of both and every version (``"all"``); False when
        there is none of them."""
        with self._lock:
            group = self._backend(key.account, key.region)._lambdas._functions.get(key.name) or {}
            versions = list(group.get("versions") or [])
            chosen = {
                "latest": [group.get("latest")],
                "newest": versions[-1:],
                "all": [group.get("latest"), *versions],
            }[which]
            found = [fn for fn in chosen if fn is not None]
            for fn in found:
                fn.last_modified = stamp
            return bool(found)

    def stamp_url(self, key: FunctionKey, stamp: str, *, created: bool) -> str | None:
        """Set a URL config's LastModifiedTime (and CreationTime); returns its CreationTime."""
        with self._lock:
            config = getattr(self._function(key), "url_config", None)
            if config is None:
                return None
            config.last_modified = stamp
            if created:
                config.created = stamp
            return str(config.created)

    def stamp_layer(self, account: str, region: str, arn: str, stamp: str) -> bool:
        """Set a layer version's CreatedDate; False when there is no such layer version."""
        with self._lock:
            layer = self._backend(account, region).layers_versions_by_arn(arn)
            if layer is None:
                return False
            layer.created_date = stamp
            return True

    def renumber_newest_version(self, key: FunctionKey, number: int) -> str | None:
        """Give the version moto just published the number ``number``; returns its new ARN.

        moto indexes versions by ARN; its own number may have taken over a live version's ARN,
        so every version's entry is put back.
        """
        with self._lock:
            storage = self._backend(key.account, key.region)._lambdas
            published = self._published(key)
            if not published:
                return None
            fn = published[-1]
            if int(fn.version) == number:
                return str(fn.function_arn)
            if storage._arns.get(fn.function_arn) is fn:
                del storage._arns[fn.function_arn]
            fn.set_version(number)
            for version in published:
                storage._arns[version.function_arn] = version
            return str(fn.function_arn)

    def role_exists(self, account: str, arn: str) -> bool:
        """Whether an IAM role exists (IAM is global: one backend per account)."""
        from moto.iam.exceptions import NotFoundException
        from moto.iam.models import iam_backends

        with self._lock:
            try:
                iam_backends[account]["aws"].get_role_by_arn(arn)
            except NotFoundException:
                return False
            return True

    # -- CloudWatch Logs -------------------------------------------------------------------
    def stamp_log_write(
        self, account: str, region: str, group: str, stream: str | None, events: int, at_ms: int
    ) -> None:
        """Times of what a Logs write made: the group (``stream`` None), a new stream
        (``events`` 0), or the last ``events`` events of a stream, all at ``at_ms``."""
        from moto.logs.models import logs_backends

        with self._lock:
            found = logs_backends[account][region].groups.get(group)
            if found is None:
                return
            if stream is None:
                found.creation_time = _like(found.creation_time, at_ms)
                return
            target: Any = found.streams.get(stream)
            if target is None:
                return
            if not events:
                target.creation_time = _like(target.creation_time, at_ms)
                return
            for event in target.events[-events:]:
                event.ingestion_time = at_ms  # epoch milliseconds in every moto release
            target.last_ingestion_time = _like(target.creation_time, at_ms)

    def log_streams(self, account: str) -> list[LogStream]:
        """Every log stream of the account, in every region, with its events."""
        from moto.logs.models import logs_backends

        self.telemetry_ready()
        with self._lock:
            return [
                LogStream(
                    region,
                    group_name,
                    stream_name,
                    tuple(
                        (int(e.timestamp), str(e.message), int(e.ingestion_time or 0))
                        for e in stream.events
                    ),
                )
                for region, backend in list(logs_backends[account].items())
                for group_name, group in list(backend.groups.items())
                for stream_name, stream in list(group.streams.items())
            ]

    # -- CloudWatch metrics ----------------------------------------------------------------
    def metric_points(
        self, account: str, region: str | None = None, *, with_aws: bool = False
    ) -> list[tuple[str, MetricPoint]]:
        """(region, datapoint) for every datapoint put to the account (or to one region); with
        ``with_aws`` also those moto makes up for the services it emulates."""
        from moto.cloudwatch.models import cloudwatch_backends

        self.telemetry_ready()
        with self._lock:
            return [
                (name, _point(datum))
                for name, backend in list(cloudwatch_backends[account].items())
                if region in (None, name)
                for datum in list(backend.get_all_metrics() if with_aws else backend.metric_data)
            ]

    def wrap_get_metric_data(
        self, account: str, region: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]
    ) -> None:
        """Replace a CloudWatch backend's ``get_metric_data`` by ``wrap(original)``, once (moto's
        reset rebuilds a backend's attributes: call this before each use)."""
        from moto.cloudwatch.models import cloudwatch_backends

        with self._lock:
            backend = cloudwatch_backends[account][region]
            if getattr(backend, "_lambherd_wrapped", False):
                return
            backend.get_metric_data = wrap(backend.get_metric_data)
            backend._lambherd_wrapped = True


def _point(datum: Any) -> MetricPoint:
    from moto.cloudwatch.models import MetricDatum

    single = isinstance(datum, MetricDatum)
    stats = ("SampleCount", "sample_count"), ("Sum", "sum"), ("Minimum", "min"), ("Maximum", "max")
    return MetricPoint(
        namespace=datum.namespace,
        name=datum.name,
        dimensions=tuple((d.name, d.value) for d in datum.dimensions),
        unit=datum.unit or None,
        timestamp=datum.timestamp,
        value=float(datum.value) if single else None,
        statistics=None if single else {k: float(getattr(datum, a)) for k, a in stats},
    )


def _like(current: Any, at_ms: int) -> Any:
    """``at_ms`` in the type moto keeps this time in: epoch milliseconds (moto <= 5.2.1) or a
    naive UTC datetime (later 5.2 releases)."""
    if isinstance(current, datetime):
        return datetime.fromtimestamp(at_ms / 1000, tz=UTC).replace(tzinfo=None)
    return at_ms
