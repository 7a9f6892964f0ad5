"""Read what AWS reports about one function, once, before planning: the core ``RemoteState``
(GetFunction, tags, versions, aliases) plus each concern's own part.

A concern with a sidecar file registers a reader module in ``REMOTE_PART_MODULES`` exposing
``PART = RemotePart(sidecar, read)``: ``read(reader, name, sidecar)`` returns the concern's typed
remote part (a frozen dataclass defined next to its planner), read only when the definition has
that sidecar. Reads retry throttling (projects read many functions in parallel) and say what
they were reading when they fail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from lambherd.definition.sidecars import present
from lambherd.errors import describe_client_error
from lambherd.plan.remote import RemoteState

#: Reader modules of the concerns' remote parts, by the sidecar key they read for (a module is
#: imported only when a definition has that sidecar). One line per concern with a remote part.
REMOTE_PART_MODULES: tuple[tuple[str, str], ...] = (
    ("url", "lambherd.pipeline.remote_url"),
    ("event_sources", "lambherd.pipeline.remote_event_sources"),
    ("event_invoke", "lambherd.pipeline.remote_event_invoke"),
    ("permissions", "lambherd.pipeline.remote_permissions"),
    ("schedules", "lambherd.pipeline.remote_schedules"),
    ("concurrency", "lambherd.pipeline.remote_concurrency"),
)


@dataclass(frozen=True)
class RemotePart:
    """One concern's remote part: read when the definition has the ``sidecar`` key."""

    sidecar: str
    read: Callable[[RemoteReader, str, dict[str, Any]], Any]
    #: Also read when the function does not exist yet (what the part checks is outside it).
    new_functions: bool = False


def remote_parts(sidecars: Mapping[str, Any] | None = None) -> tuple[RemotePart, ...]:
    """The registered part readers (each module's ``PART``); with ``sidecars`` (key -> rendered
    file), only those of the sidecars present (not None)."""
    return _parts(None if sidecars is None else present(sidecars))


@cache
def _parts(present: frozenset[str] | None) -> tuple[RemotePart, ...]:
    import importlib

    return tuple(
        importlib.import_module(name).PART
        for key, name in REMOTE_PART_MODULES
        if present is None or key in present
    )


class RemoteReader:
    """Lambda reads with throttling retried and failures described (``what: Code: message``)."""

    def __init__(self, clients: Any, retry: Any = None) -> None:
        self.clients = clients
        self.lam = clients.client("lambda")
        self.retry = retry  # a RetryPolicy (None: the default one)

    def call(self, fn: Callable[[], dict[str, Any]], action: str) -> dict[str, Any]:
        """``fn()``; an error names ``action``."""
        from botocore.exceptions import ClientError

        from lambherd.retry import call_with_retry

        try:
            return call_with_retry(fn, self.retry)
        except ClientError as exc:
            raise describe_client_error(exc, action) from exc

    def optional(self, fn: Callable[[], dict[str, Any]], action: str) -> dict[str, Any] | None:
        """``fn()``, or None when AWS says the resource does not exist."""
        from botocore.exceptions import ClientError

        from lambherd.retry import call_with_retry

        try:
            return call_with_retry(fn, self.retry)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise describe_client_error(exc, action) from exc

    def paginate(self, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of every page of ``operation``."""

        def read_all() -> dict[str, Any]:
            pages = self.lam.get_paginator(operation).paginate(**kwargs)
            return {"items": [item for page in pages for item in page.get(key, [])]}

        return self.call(read_all, f"{operation} {kwargs.get('FunctionName')}")["items"]


def read_remote_state(
    clients: Any,
    name: str,
    *,
    alias: str | None = None,
    qualifier: str | None = None,
    details: bool = True,
    versions: bool = True,
    sidecars: Mapping[str, dict[str, Any]] | None = None,
    retry: Any = None,
) -> RemoteState:
    """A function's state as deployed (an empty ``RemoteState`` when it does not exist).

    ``qualifier`` reads that version or alias's configuration instead of $LATEST's;
    ``details=False`` stops after GetFunction and the tags; ``versions=False`` skips the versions
    and aliases; ``alias`` is the alias the command acts on (``remote.alias``: taken from
    ListAliases, or read with GetAlias without versions); ``sidecars`` (key -> rendered file)
    select the concern parts to read; ``retry`` (a RetryPolicy) how reads are retried.
    """
    reader = RemoteReader(clients, retry)
    lam = reader.lam
    get_kwargs = {"Qualifier": qualifier} if qualifier else {}
    got = reader.optional(
        lambda: lam.get_function(FunctionName=name, **get_kwargs), f"read function {name}"
    )
    if got is None:
        wanted = sidecars or {}
        early = tuple(
            part.read(reader, name, wanted[part.sidecar])
            for part in remote_parts(wanted)
            if part.new_functions
        )
        return RemoteState(parts=early)
    configuration = dict(got["Configuration"])
    arn = configuration["FunctionArn"]
    if qualifier and arn.endswith(f":{qualifier}"):
        arn = arn[: -len(qualifier) - 1]
    tags = got.get("Tags")
    if tags is None:
        tags = reader.call(lambda: lam.list_tags(Resource=arn), f"list tags of {name}").get(
            "Tags", {}
        )
    code = {k: v for k, v in (got.get("Code") or {}).items() if k != "Location"}
    if not details:
        return RemoteState(configuration=configuration, tags=dict(tags), code=code)
    published: list[dict[str, Any]] = []
    aliases: list[dict[str, Any]] = []
    alias_doc: dict[str, Any] | None = None
    if versions:
        published = [
            v
            for v in reader.paginate("list_versions_by_function", "Versions", FunctionName=name)
            if v.get("Version") != "$LATEST"
        ]
        aliases = [
            strip_metadata(a) or {}
            for a in reader.paginate("list_aliases", "Aliases", FunctionName=name)
        ]
        alias_doc = next((a for a in aliases if alias and a.get("Name") == alias), None)
    elif alias:
        alias_doc = strip_metadata(
            reader.optional(
                lambda: lam.get_alias(FunctionName=name, Name=alias), f"read alias {alias}"
            )
        )
    wanted = sidecars or {}
    parts = tuple(part.read(reader, name, wanted[part.sidecar]) for part in remote_parts(wanted))
    return RemoteState(
        configuration=configuration,
        tags=dict(tags),
        alias=alias_doc,
        versions=tuple(published),
        aliases=tuple(aliases),
        code=code,
        parts=parts,
    )


def strip_metadata(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    """``doc`` without boto3's ResponseMetadata."""
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k != "ResponseMetadata"}


def functions_with_tags(
    clients: Any, keep: Callable[[str], bool], *, retry: Any = None
) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """(ListFunctions entry, tags) of every function whose name ``keep`` accepts, in listing
    order; the tags are read 8 at a time, in a pool of this call's own. Reads are retried
    (``retry``, a RetryPolicy) as every read of the pipeline is."""
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError

    from lambherd.retry import call_with_retry

    lam = clients.client("lambda")

    def list_all() -> list[dict[str, Any]]:
        pages = lam.get_paginator("list_functions").paginate()
        return [f for page in pages for f in page.get("Functions", []) if keep(f["FunctionName"])]

    try:
        listed = call_with_retry(list_all, retry)
    except ClientError as exc:
        raise describe_client_error(exc, "list functions") from exc

    def tags_of(fn: dict[str, Any]) -> dict[str, str]:
        try:
            got = call_with_retry(lambda: lam.list_tags(Resource=fn["FunctionArn"]), retry)
            return got.get("Tags", {})
        except ClientError as exc:
            raise describe_client_error(exc, f"list tags of {fn['FunctionName']}") from exc

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(zip(listed, pool.map(tags_of, listed), strict=True))
