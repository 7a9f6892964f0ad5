"""The other module that touches moto: moto as a whole (``moto_facade`` has per-function state).

- ``wsgi_app``: moto's WSGI application, with its host -> service lookup cached.
- ``follow_clock``: moto's "now" made the sandbox clock's.
- ``backends`` / ``install_backends`` / ``registries``: every backend moto has made, for a
  snapshot (``snapshots`` pickles them through ``state_pickle``; nothing here knows a field).
- ``write_log_events`` / ``write_metric_data``: invocation telemetry put straight into moto's
  CloudWatch, under the facade's lock, without an HTTP request or a serialisation.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lambherd.sandbox.moto_facade import MotoFacade

#: Hosts whose service moto's dispatcher looked up, kept (one entry per service and region).
HOST_CACHE_SIZE = 4096
#: moto modules whose notion of "now" follows the sandbox clock (see ``follow_clock``).
CLOCKED_MODULES = ("moto.logs.models", "moto.cloudwatch.models", "moto.awslambda.models")


def wsgi_app(*, cached: bool = True) -> Any:
    """moto's WSGI application (every service it emulates, dispatched by host/credential).

    moto finds a request's service by testing its host against a listing of its ~174 service
    folders (a ``stat`` each, under its lock) before its URL patterns; the answer depends on the
    host alone, so with ``cached`` it is kept per host.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    if cached:
        lookup = functools.lru_cache(maxsize=HOST_CACHE_SIZE)(app.get_backend_for_host)
        app.get_backend_for_host = lookup
    return app


def service_for_host(host: str | None, *, cached: bool = True, app: Any = None) -> Any:
    """What moto's dispatcher routes ``host`` to (tests compare the cached and plain lookups)."""
    return (app or wsgi_app(cached=cached)).get_backend_for_host(host)


def follow_clock(now: Callable[[], datetime]) -> Callable[[], None]:
    """Make moto's "now" (Logs' accepted window, default timestamps) the sandbox clock's.

    Returns the function that gives moto its own clock back.
    """
    from moto.core import utils

    def utcnow() -> datetime:
        return now().astimezone(UTC).replace(tzinfo=None)  # moto keeps naive UTC

    modules = [importlib.import_module(name) for name in CLOCKED_MODULES]
    for module in modules:
        module.utcnow = utcnow  # type: ignore[attr-defined]

    def restore() -> None:
        for module in modules:
            if module.utcnow is utcnow:  # type: ignore[attr-defined]
                module.utcnow = utils.utcnow  # type: ignore[attr-defined]

    return restore


# -- invocation telemetry -------------------------------------------------------------------------
def write_log_events(
    facade: MotoFacade,
    account: str,
    region: str,
    group: str,
    stream: str,
    events: list[Any],
    at_ms: int,
) -> None:
    """Append ``(timestamp, message)`` events to a stream, ingested at ``at_ms``; the group and
    the stream are made (created at ``at_ms``) when missing."""
    from moto.logs.models import logs_backends

    with facade.transaction():
        backend = logs_backends[account][region]
        if group not in backend.groups:
            backend.create_log_group(group, {})
            facade.stamp_log_write(account, region, group, None, 0, at_ms)
        streams = backend.groups[group].streams
        if stream not in streams:
            backend.create_log_stream(group, stream)
            facade.stamp_log_write(account, region, group, stream, 0, at_ms)
        before = len(streams[stream].events)
        batch = [{"timestamp": int(t), "message": str(m)} for t, m in events]
        backend.put_log_events(group, stream, batch)
        added = len(streams[stream].events) - before
        if added:
            facade.stamp_log_write(account, region, group, stream, added, at_ms)


def write_metric_data(
    facade: MotoFacade, account: str, region: str, namespace: str, data: list[dict[str, Any]]
) -> None:
    """PutMetricData's datums as moto's backend takes them (``Timestamp``: naive UTC)."""
    from moto.cloudwatch.models import cloudwatch_backends

    with facade.transaction():
        cloudwatch_backends[account][region].put_metric_data(namespace, data)


# -- every backend, for snapshots -----------------------------------------------------------------
def backends() -> dict[tuple[str, str, str], Any]:
    """Every backend moto has made: (registry, account, region) -> the backend object."""
    from moto.core.base_backend import BackendDict

    return {
        (_registry_name(bd), account, region): backend
        for bd in list(BackendDict._instances)
        for account, region, backend in list(bd.iter_backends())
    }


def install_backends(saved: dict[tuple[str, str, str], Any]) -> None:
    """Put backends read back from a snapshot in place (moto holds nothing yet)."""
    for (name, account, region), backend in saved.items():
        dict.__setitem__(_registry(name)[account], region, backend)


def reset() -> None:
    """Empty every backend moto has made."""
    from moto.core.base_backend import BackendDict

    BackendDict.reset()


def registries() -> tuple[tuple[type, ...], Callable[[Any], str | None], Callable[[str], Any]]:
    """(their types, the name of one, the one a name names) of moto's backend registries: a
    snapshot refers to them by name instead of copying them."""
    from moto.core.base_backend import AccountSpecificBackend, BackendDict

    def name_of(obj: Any) -> str | None:
        if isinstance(obj, BackendDict):
            return _registry_name(obj)
        for bd in list(BackendDict._instances):
            if dict.get(bd, obj.account_id) is obj:
                return f"{_registry_name(bd)}|{obj.account_id}"
        return None

    def named(name: str) -> Any:
        registry, _, account = name.partition("|")
        found = _registry(registry)
        return found[account] if account else found

    return (BackendDict, AccountSpecificBackend), name_of, named


def telemetry_lists(saved: dict[tuple[str, str, str], Any]) -> list[list[Any]]:
    """The lists of ``saved`` (``backends()``) that grow with every invocation: each log
    stream's events (CloudWatch Logs) and each region's metric datums (CloudWatch), by the
    order of ``saved``. A snapshot keeps them apart (``snapshots``), to be loaded after the
    port opens."""
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.logs.models import LogsBackend

    found: list[list[Any]] = []
    for backend in saved.values():
        if isinstance(backend, LogsBackend):
            for group in list(backend.groups.values()):
                found += [stream.events for stream in list(group.streams.values())]
        elif isinstance(backend, CloudWatchBackend):
            found.append(backend.metric_data)
    return [items for items in found if type(items) is list]


def code_in_use() -> set[str]:
    """SHA-256 (hex) of the code of every function version and layer version moto holds."""
    found: set[str] = set()
    for backend in backends().values():
        storage = getattr(backend, "_lambdas", None)
        for group in list(getattr(storage, "_functions", {}).values()):
            for fn in [group.get("latest"), *(group.get("versions") or [])]:
                found.add(str(getattr(fn, "code_digest", "") or ""))
        for layer in list(getattr(getattr(backend, "_layers", None), "_layers", {}).values()):
            for layer_version in list(layer.layer_versions.values()):
                found.add(str(getattr(layer_version, "code_digest", "") or ""))
    found.discard("")
    return found


def s3_object(account: str, bucket: str, key: str) -> bytes | None:
    """An S3 object's body (None when the bucket or the key does not exist)."""
    from moto.s3.exceptions import MissingBucket, MissingKey
    from moto.s3.models import s3_backends

    try:
        found = s3_backends[account]["aws"].get_object(bucket, key)
    except (MissingBucket, MissingKey):
        return None
    return bytes(found.value) if found is not None else None


def version() -> str:
    """The installed moto's version (a snapshot records it)."""
    from moto import __version__

    return str(__version__)


def known_access_key(key: str) -> bool:
    """Whether moto's IAM or STS issued ``key`` (sandbox credentials, not the user's own)."""
    from moto.iam.models import iam_backends

    return any(
        key in backend.access_keys
        for per_account in list(iam_backends.values())
        for backend in list(per_account.values())
    )


def _registry_name(registry: Any) -> str:
    cls = registry.backend
    return f"{cls.__module__}:{cls.__qualname__}:{registry.service_name}"


@functools.cache
def _registry(name: str) -> Any:
    """The registry (moto's BackendDict) ``_registry_name`` named ``name``."""
    from moto.core.base_backend import BackendDict

    module, _, service = name.split(":")
    for value in list(vars(importlib.import_module(module)).values()):
        if (
            isinstance(value, BackendDict)
            and value.service_name == service
            and _registry_name(value) == name
        ):
            return value
    raise LookupError(f"moto has no backend registry {name} (another moto version?)")
