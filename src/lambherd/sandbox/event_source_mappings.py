"""Event source mappings served by the sandbox itself (not moto): the control API and the states.

CreateEventSourceMapping / Get / List / Update / Delete and the mappings' tags (TagResource,
UntagResource, ListTags on an ``event-source-mapping`` ARN). Requests are checked as Lambda
checks them (the function and qualifier exist, the queue or stream exists, an SQS queue's
visibility timeout is at least the function's Timeout, batch size and window per source, one
mapping per source and function). A mapping answers ``Creating`` / ``Updating`` / ``Deleting``
first and settles ``SETTLE_S`` of sandbox time later (into ``Enabled`` or ``Disabled``, with a
``PROBLEM:`` StateTransitionReason when its source has gone); the delivery rooms only read an
``Enabled`` one. moto never hears of a mapping, so it never tries to deliver through Docker.
UUIDs derive from the request's time and order, so a journal replay makes the same ones.
"""

from __future__ import annotations

import re
import threading
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from werkzeug.wrappers import Response

from lambherd.sandbox.mapping_checks import refusal
from lambherd.sandbox.persistence import request_time
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import error, json_doc, ok, split_name
from lambherd.triggers import sources

_MAPPINGS = re.compile(r"^/\d{4}-\d{2}-\d{2}/event-source-mappings/?(?P<uuid>[^/]+)?/?$")
_TAGS = re.compile(r"^/\d{4}-\d{2}-\d{2}/tags/(?P<arn>.+)$")
_NAMESPACE = uuidlib.UUID("9f1c1d2e-5b7a-4e3c-9a61-3f0a7c2b8d44")
#: Sandbox seconds a mapping stays Creating / Updating / Deleting.
SETTLE_S = 0.2
_ENABLED, _DISABLED = "Enabled", "Disabled"
_OK_REASON = "USER_INITIATED"


@dataclass
class Mapping:
    """One mapping: its GetEventSourceMapping document (without State), tags and state."""

    key: FunctionKey
    doc: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    state: str = "Creating"
    settles_at: float = 0.0
    pending: str = _ENABLED
    reason: str = _OK_REASON
    #: where a stream is read from (shard -> position), fixed when the mapping is made
    start: dict[str, int] = field(default_factory=dict)
    #: how far its stream was delivered (shard -> position; None: from ``start``)
    positions: dict[str, int] | None = None

    @property
    def uuid(self) -> str:
        return str(self.doc["UUID"])

    @property
    def kind(self) -> str | None:
        return sources.source_type(self.doc)

    @property
    def qualifier(self) -> str | None:
        return split_name(str(self.doc["FunctionArn"]))[1]

    def view(self) -> dict[str, Any]:
        """The document GetEventSourceMapping answers."""
        return {**self.doc, "State": self.state, "StateTransitionReason": self.reason}


class EventSourceMappings:
    """The mappings of every account and region, and the Lambda API over them."""

    def __init__(
        self,
        facade: Any,
        events: Any,
        now: Callable[[], float],
        on_change: Callable[[Mapping], None],
    ) -> None:
        self.facade = facade
        self.events = events
        self.now = now
        self.on_change = on_change
        self._lock = threading.RLock()
        self._mappings: dict[str, Mapping] = {}
        self._created = 0

    # -- what the delivery rooms read -------------------------------------------------------
    def enabled(self) -> list[Mapping]:
        """Every mapping that is Enabled now."""
        with self._lock:
            for mapping in list(self._mappings.values()):
                self._settle(mapping)
            return [m for m in self._mappings.values() if m.state == _ENABLED]

    def get(self, uuid: str) -> Mapping | None:
        """One mapping (settled first), None when it does not exist."""
        with self._lock:
            mapping = self._mappings.get(uuid)
            if mapping is not None:
                self._settle(mapping)
            return self._mappings.get(uuid)

    def mappings_now(self) -> list[Mapping]:
        """Every mapping, as it is (for the checks of a new one)."""
        return list(self._mappings.values())

    def record_result(self, uuid: str, result: str) -> None:
        """LastProcessingResult, as a delivery room saw it."""
        with self._lock:
            mapping = self._mappings.get(uuid)
            if mapping is not None:
                mapping.doc["LastProcessingResult"] = result

    def keep_positions(self, uuid: str, positions: dict[str, int] | None) -> None:
        """How far a stream room delivered (None: start over from ``start``), for snapshots."""
        with self._lock:
            mapping = self._mappings.get(uuid)
            if mapping is not None:
                mapping.positions = None if positions is None else dict(positions)

    def reset(self) -> None:
        """Forget every mapping (``sandbox reset``)."""
        with self._lock:
            self._mappings.clear()
            self._created = 0

    # -- across restarts: a room of the sandbox's snapshot (``app.state.rooms``) ------------
    def snapshot(self) -> dict[str, Any]:
        """Every mapping (document, tags, state, stream start and positions) as JSON data."""
        with self._lock:
            mappings = [{**asdict(m), "key": list(m.key)} for m in self._mappings.values()]
            return {"created": self._created, "mappings": mappings}

    def restore(self, doc: dict[str, Any]) -> None:
        """The mappings of a snapshot (their delivery starts in ``restarted``)."""
        with self._lock:
            self._mappings = {}
            for item in doc.get("mappings") or ():
                mapping = Mapping(**{**item, "key": FunctionKey(*item["key"])})
                self._mappings[mapping.uuid] = mapping
            self._created = int(doc.get("created") or 0)

    def restarted(self) -> None:
        """The whole state is loaded: every mapping's delivery room hears of it again."""
        for mapping in self.mappings_now():
            self.on_change(mapping)

    # -- the API ---------------------------------------------------------------------------
    @staticmethod
    def claims(environ: dict[str, Any]) -> bool:
        """True for a request this room serves."""
        path = environ.get("PATH_INFO", "")
        if _MAPPINGS.match(path):
            return True
        m = _TAGS.match(path)
        return bool(m) and ":event-source-mapping:" in unquote(m["arn"])

    def handle(self, environ: dict[str, Any], body: bytes, account: str, region: str) -> Response:
        """Serve one mappings (or mapping tags) request."""
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        with self._lock:
            tags = _TAGS.match(path)
            if tags:
                return self._tags(method, unquote(tags["arn"]), json_doc(body), query)
            found = _MAPPINGS.match(path)
            uuid = found["uuid"] if found else None
            if uuid is None:
                if method == "POST":
                    return self._create(json_doc(body), environ, account, region)
                return self._list(query, account, region)
            mapping = self.get(uuid)
            if mapping is None or (mapping.key.account, mapping.key.region) != (account, region):
                return error(
                    404,
                    "ResourceNotFoundException",
                    f"The resource you requested does not exist. (Service: Lambda, UUID: {uuid})",
                )
            if method == "GET":
                return ok(mapping.view())
            if method == "PUT":
                return self._update(mapping, json_doc(body), environ)
            if method == "DELETE":
                self._begin(mapping, "Deleting", "Deleted", request_time(environ).timestamp())
                self.on_change(mapping)
                return ok(mapping.view(), status=202)
            return error(405, "InvalidRequestException", f"{method} is not supported here")

    def _create(
        self, doc: dict[str, Any], environ: dict[str, Any], account: str, region: str
    ) -> Response:
        function = str(doc.get("FunctionName") or "")
        name, qualifier = split_name(function)
        key = FunctionKey(account, region, name)
        arn = self.facade.function_arn(key)
        if arn is None or (qualifier and self.facade.resolve(key, qualifier) is None):
            return error(404, "ResourceNotFoundException", f"Function does not exist: {function}")
        function_arn = arn + (f":{qualifier}" if qualifier else "")
        params = {k: v for k, v in doc.items() if k not in ("FunctionName", "Tags")}
        refused = refusal(self, params, key, function_arn, exclude=None)
        if refused is not None:
            return refused
        self._created += 1
        at = request_time(environ).timestamp()
        uuid = str(uuidlib.uuid5(_NAMESPACE, f"{account}/{region}/{at!r}/{self._created}"))
        kind = sources.source_type(params)
        reported = {**sources.reported_defaults(kind), **params}
        enabled = bool(reported.pop("Enabled", True))
        if kind in sources.QUEUES or kind in sources.STREAMS:
            reported.setdefault("FunctionResponseTypes", [])
        if kind in sources.STREAMS:
            reported.setdefault("DestinationConfig", {"OnFailure": {}})
            reported.setdefault("LastProcessingResult", "No records processed")
        reported.update(
            UUID=uuid,
            FunctionArn=function_arn,
            LastModified=at,
            EventSourceMappingArn=f"arn:aws:lambda:{region}:{account}:event-source-mapping:{uuid}",
        )
        mapping = Mapping(
            key, reported, tags={str(k): str(v) for k, v in (doc.get("Tags") or {}).items()}
        )
        mapping.start = self._start(reported)
        self._mappings[uuid] = mapping
        self._begin(mapping, "Creating", _ENABLED if enabled else _DISABLED, at)
        self.on_change(mapping)
        return ok(mapping.view(), status=202)

    def _update(self, mapping: Mapping, doc: dict[str, Any], environ: dict[str, Any]) -> Response:
        if mapping.state in ("Creating", "Updating", "Deleting"):
            return error(
                409,
                "ResourceInUseException",
                "Cannot update the event source mapping because it is in use. (state "
                f"{mapping.state})",
            )
        merged = dict(mapping.doc)
        function_arn = str(merged["FunctionArn"])
        if doc.get("FunctionName"):
            name, qualifier = split_name(str(doc["FunctionName"]))
            key = FunctionKey(mapping.key.account, mapping.key.region, name)
            arn = self.facade.function_arn(key)
            if arn is None or (qualifier and self.facade.resolve(key, qualifier) is None):
                return error(
                    404,
                    "ResourceNotFoundException",
                    f"Function does not exist: {doc['FunctionName']}",
                )
            function_arn = arn + (f":{qualifier}" if qualifier else "")
            mapping.key = key
        for name, value in doc.items():
            if name in ("UUID", "FunctionName", "Enabled"):
                continue
            if value in ({"Filters": []}, {}, "", None) and name != "DestinationConfig":
                merged.pop(name, None)
            else:
                merged[name] = value
        refused = refusal(self, merged, mapping.key, function_arn, exclude=mapping.uuid)
        if refused is not None:
            return refused
        merged.update(FunctionArn=function_arn, LastModified=request_time(environ).timestamp())
        mapping.doc = merged
        enabled = doc.get(
            "Enabled", mapping.pending == _ENABLED if mapping.state != _DISABLED else False
        )
        state = "Updating"
        if "Enabled" in doc and bool(enabled) != (mapping.state == _ENABLED):
            state = "Enabling" if enabled else "Disabling"
        at = request_time(environ).timestamp()
        self._begin(mapping, state, _ENABLED if enabled else _DISABLED, at)
        self.on_change(mapping)
        return ok(mapping.view(), status=202)

    def _start(self, doc: dict[str, Any]) -> dict[str, int]:
        """A stream mapping's first positions: the end now for LATEST, the start otherwise."""
        kind, arn = sources.source_type(doc), str(doc.get("EventSourceArn"))
        latest = doc.get("StartingPosition") == "LATEST"
        if kind == sources.DYNAMODB:
            return {"shard": self.events.dynamodb_stream_length(arn) if latest else 0}
        if kind == sources.KINESIS and latest:
            return self.events.kinesis_last_sequences(arn)
        return {}

    def _list(self, query: dict[str, list[str]], account: str, region: str) -> Response:
        function = (query.get("FunctionName") or [None])[-1]
        source = (query.get("EventSourceArn") or [None])[-1]
        name, qualifier = split_name(function) if function else (None, None)
        found = []
        for mapping in sorted(self._mappings.values(), key=lambda m: m.uuid):
            self._settle(mapping)
            if (mapping.key.account, mapping.key.region) != (account, region):
                continue
            if mapping.uuid not in self._mappings:
                continue
            if name and (
                mapping.key.name != name or (qualifier and mapping.qualifier != qualifier)
            ):
                continue
            if source and mapping.doc.get("EventSourceArn") != source:
                continue
            found.append(mapping.view())
        start = int((query.get("Marker") or ["0"])[-1] or 0)
        size = int((query.get("MaxItems") or ["100"])[-1] or 100)
        page = {"EventSourceMappings": found[start : start + size]}
        if start + size < len(found):
            page["NextMarker"] = str(start + size)
        return ok(page)

    def _tags(
        self, method: str, arn: str, doc: dict[str, Any], query: dict[str, list[str]]
    ) -> Response:
        mapping = self.get(arn.rsplit(":", 1)[-1])
        if mapping is None:
            return error(404, "ResourceNotFoundException", f"Event source mapping not found: {arn}")
        if method == "GET":
            return ok({"Tags": dict(mapping.tags)})
        if method == "POST":
            mapping.tags.update({str(k): str(v) for k, v in (doc.get("Tags") or {}).items()})
        elif method == "DELETE":
            for tag in query.get("tagKeys", []):
                mapping.tags.pop(tag, None)
        return Response(status=204)

    # -- states ----------------------------------------------------------------------------
    def _begin(self, mapping: Mapping, state: str, then: str, at: float) -> None:
        """Start a transition at the request's time (its recorded one on a replay, so a
        restarted sandbox finds it settled)."""
        mapping.state, mapping.pending = state, then
        mapping.settles_at = at + SETTLE_S
        mapping.reason = _OK_REASON

    def _settle(self, mapping: Mapping) -> None:
        if mapping.state in (_ENABLED, _DISABLED) or self.now() < mapping.settles_at:
            return
        if mapping.pending == "Deleted":
            self._mappings.pop(mapping.uuid, None)
            self.on_change(mapping)
            return
        problem = self._source_problem(mapping)
        if problem is not None and mapping.pending == _ENABLED:
            mapping.state, mapping.reason = _DISABLED, f"PROBLEM: {problem}"
        else:
            mapping.state = mapping.pending
        self.on_change(mapping)

    def _source_problem(self, mapping: Mapping) -> str | None:
        arn = str(mapping.doc.get("EventSourceArn", ""))
        kind = mapping.kind
        if kind in sources.QUEUES and self.events.queue(arn) is None:
            return f"the queue {arn} does not exist"
        if kind == sources.DYNAMODB and self.events.dynamodb_stream_length(arn) < 0:
            return f"the stream {arn} does not exist"
        if kind == sources.KINESIS and self.events.kinesis_records(arn, {}) is None:
            return f"the stream {arn} does not exist"
        if self.facade.function_arn(mapping.key) is None:
            return f"the function {mapping.key.name} does not exist"
        return None
