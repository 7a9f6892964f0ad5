"""The sandbox's control-plane journal: the requests that changed its state since the snapshot.

Every successful mutating request (create, update, publish, tag, put an S3 object...) is
appended to ``journal.jsonl`` as it was received, with a sequence number (``seq``) and the time
it was applied (``at``), and fsync'd before its answer leaves. On start the server loads the
snapshot (``snapshots``) and replays, through its own WSGI stack, the lines whose ``seq`` is
above the snapshot's; a snapshot empties the journal again. Values the layer makes up itself
(revision ids) are derived deterministically, so a replay reproduces them; a replayed request
carries its recorded time, so ``LastModified`` and the other stamps keep theirs.

What a line never holds: credentials. ``Authorization`` is kept as its SigV4 scope only (region
and service, which route the request) with the signature removed, the access key id replaced
unless the sandbox itself issued it, ``X-Amz-Security-Token``, cookies and presigned query
credentials are dropped (SigV2 headers entirely: only S3 speaks it, and S3 is what an
unsigned request reaches). Bodies of ``BLOB_MIN_BYTES`` or more are stored by content in
``blobs/`` and named by the line. Function configuration (environment variable values
included) is kept: a restart must rebuild it; the files are 0600 in a 0700 folder.

Lines written by the landed version (no ``seq``) are read as one journal numbered by position;
``snapshots`` turns such a journal into a snapshot at the first start.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lambherd.defaults import SANDBOX_ACCESS_KEY
from lambherd.sandbox.blobs import BLOB_MIN_BYTES, BlobStore
from lambherd.sandbox.statefiles import JsonLines

#: Header of a replayed request, so that the stack knows not to journal it again.
REPLAY_ENVIRON_KEY = "lambherd.replay"
#: Environ key of the time (epoch seconds) a mutating request was applied, live or recorded.
TIME_ENVIRON_KEY = "lambherd.time"

_READ_PREFIXES = ("Get", "List", "Describe", "Filter", "Head", "Lookup", "Search", "Test")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the sandbox received it (enough to rebuild its WSGI environ)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    #: When the request was applied (epoch seconds); None for lines written before it was kept.
    at: float | None = None
    #: Its place in the journal (None for lines written before numbering).
    seq: int | None = None

    def to_doc(self, blobs: BlobStore | None = None) -> dict[str, Any]:
        """One journal line as a document (a large body stored in ``blobs``, named)."""
        doc: dict[str, Any] = {}
        if self.seq is not None:
            doc["seq"] = self.seq
        doc.update(method=self.method, path=self.path, query=self.query, headers=self.headers)
        if blobs is not None and len(self.body) >= BLOB_MIN_BYTES:
            doc["body_blob"] = blobs.put(self.body)
        else:
            doc["body"] = base64.b64encode(self.body).decode("ascii")
        if self.at is not None:
            doc["at"] = self.at
        return doc

    def to_json(self, blobs: BlobStore | None = None) -> str:
        """One journal line."""
        import json

        return json.dumps(self.to_doc(blobs), separators=(",", ":"))

    @classmethod
    def from_doc(cls, doc: dict[str, Any], blobs: BlobStore | None = None) -> RecordedRequest:
        """A journal line's request (KeyError/ValueError when it is not one)."""
        if "body_blob" in doc:
            if blobs is None:
                raise ValueError("the line's body is a blob and no blob store was given")
            body = blobs.get(str(doc["body_blob"]))
        else:
            body = base64.b64decode(doc["body"])
        seq = doc.get("seq")
        return cls(
            method=doc["method"],
            path=doc["path"],
            query=doc["query"],
            headers=dict(doc["headers"]),
            body=body,
            at=_float_or_none(doc.get("at")),
            seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
        )

    @classmethod
    def from_json(cls, line: str, blobs: BlobStore | None = None) -> RecordedRequest:
        """Parse one journal line."""
        import json

        return cls.from_doc(json.loads(line), blobs)

    @classmethod
    def from_environ(cls, environ: dict[str, Any], body: bytes) -> RecordedRequest:
        """Capture a WSGI request whose body was already read (and its ``TIME_ENVIRON_KEY``)."""
        headers = {
            key[5:].replace("_", "-").title(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        return cls(
            method=environ.get("REQUEST_METHOD", "GET"),
            path=environ.get("PATH_INFO", "/"),
            query=environ.get("QUERY_STRING", ""),
            headers=headers,
            body=body,
            at=_float_or_none(environ.get(TIME_ENVIRON_KEY)),
        )

    def environ(self, *, replay: bool = True) -> dict[str, Any]:
        """A fresh WSGI environ for this request: a replay (never journaled again), or with
        ``replay=False`` a new request the sandbox makes itself (journaled when it succeeds)."""
        from werkzeug.test import EnvironBuilder

        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-type"}
        builder = EnvironBuilder(
            path=self.path,
            base_url=f"http://{self.headers.get('Host', '127.0.0.1')}",
            method=self.method,
            query_string=self.query,
            headers=headers,
            data=self.body,
            content_type=self.headers.get("Content-Type"),
        )
        try:
            env = builder.get_environ()
        finally:
            builder.close()
        if replay:
            env[REPLAY_ENVIRON_KEY] = True
        if self.at is not None:
            env[TIME_ENVIRON_KEY] = self.at
        return env


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def request_time(environ: dict[str, Any]) -> datetime:
    """When a request was applied: its recorded time on replay, else the time it came in (UTC).

    The dispatcher sets ``TIME_ENVIRON_KEY`` on every mutating request before serving it, so the
    live answer and a later replay stamp the very same instant.
    """
    at = _float_or_none(environ.get(TIME_ENVIRON_KEY))
    return datetime.fromtimestamp(at, UTC) if at is not None else datetime.now(UTC)


def is_mutating(method: str, environ: dict[str, Any], body: bytes) -> bool:
    """True when a request may change the sandbox's state (reads are never journaled)."""
    if method in {"GET", "HEAD", "OPTIONS"}:
        return False
    action = action_name(environ, body)
    return not (action and action.startswith(_READ_PREFIXES))


def action_name(environ: dict[str, Any], body: bytes) -> str | None:
    """The API action of a JSON, query or RPCv2 request, if the request names one."""
    return action_of(
        environ.get("HTTP_X_AMZ_TARGET"),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("CONTENT_TYPE") or "",
        body,
    )


def action_of(
    target: str | None, path: str, query: str, content_type: str, body: bytes
) -> str | None:
    """The action an ``X-Amz-Target``, an RPCv2 path, or a query/form ``Action`` names."""
    if target:
        return target.rsplit(".", 1)[-1]
    if "/operation/" in path:
        return path.rsplit("/", 1)[-1]
    from urllib.parse import parse_qs

    form = body[:4096].decode("utf-8", "replace") if "x-www-form-urlencoded" in content_type else ""
    for source in (query, form):
        action = parse_qs(source).get("Action")
        if action:
            return action[0]
    return None


class Journal:
    """The control-plane journal: numbered lines, fsync'd, large bodies in the blob store."""

    def __init__(self, path: Path, blobs: BlobStore | None = None) -> None:
        self.path = path
        self.blobs = blobs or BlobStore(path.parent / "blobs")
        self.lines = JsonLines(path, durable=True)

    @property
    def lock(self) -> Any:
        """Held while a line is appended (and while the journal is rewritten)."""
        return self.lines.lock

    def size(self) -> int:
        """The journal's size in bytes (0 when there is none)."""
        return self.lines.size()

    def append(self, request: RecordedRequest) -> int:
        """Add one request at the end (its body stored first when it is a blob); its size."""
        with self.lines.lock:
            return self.lines.append(request.to_doc(self.blobs))

    def entries(self) -> Iterator[RecordedRequest]:
        """Every recorded request, oldest first; lines without a ``seq`` (the landed version's)
        get their position (1, 2, ...). A torn or unreadable line is skipped."""
        position = 0
        for doc in self.lines.docs():
            position += 1
            try:
                request = RecordedRequest.from_doc(doc, self.blobs)
            except (KeyError, ValueError, TypeError, OSError):
                continue
            if request.seq is None:
                request = _with_seq(request, position)
            yield request

    def blob_refs(self) -> set[str]:
        """Blobs the journal's lines name."""
        return {str(d["body_blob"]) for d in self.lines.docs() if "body_blob" in d}

    def keep_after(self, seq: int) -> None:
        """Drop every line at or below ``seq`` (a snapshot holds them now)."""
        with self.lines.lock:
            kept = [d for i, d in enumerate(self.lines.docs(), 1) if _seq_of(d, i) > seq]
            if kept or self.lines.size():
                self.lines.rewrite(kept)

    def clear(self) -> None:
        """Forget everything."""
        self.lines.clear()

    def close(self) -> None:
        """Close the append handle."""
        self.lines.close()


def _seq_of(doc: dict[str, Any], position: int) -> int:
    seq = doc.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else position


def _with_seq(request: RecordedRequest, seq: int) -> RecordedRequest:
    import dataclasses

    return dataclasses.replace(request, seq=seq)


# -- credentials never journaled ---------------------------------------------------------------
_DROPPED_HEADERS = frozenset({"x-amz-security-token", "cookie", "proxy-authorization"})
_DROPPED_QUERY = frozenset({"x-amz-signature", "x-amz-security-token", "signature"})
_QUERY_HINTS = ("signature", "security-token", "credential", "awsaccesskeyid")
_SCOPE = re.compile(
    r"Credential=(?P<key>[^/,\s]+)/(?P<scope>\d{8}/[^/]+/[^/]+/aws4_request)"
    r"(?:.*?SignedHeaders=(?P<signed>[^,\s]+))?"
)


def without_credentials(
    request: RecordedRequest, keeps_key: Any = lambda _key: False
) -> RecordedRequest:
    """``request`` as the journal keeps it: no signature, token or foreign access key id.

    ``keeps_key(key)`` says whether an access key id is the sandbox's own (issued by its IAM or
    STS), which moto maps to an account: it is kept; any other becomes the sandbox's key.
    """
    import dataclasses
    from urllib.parse import parse_qsl, urlencode

    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        low = name.lower()
        if low in _DROPPED_HEADERS:
            continue
        if low == "authorization":
            value = _scope_only(value, keeps_key)
            if not value:
                continue
        headers[name] = value
    query = request.query
    if query and any(k in query.lower() for k in _QUERY_HINTS):
        pairs = []
        for key, value in parse_qsl(query, keep_blank_values=True):
            low = key.lower()
            if low in _DROPPED_QUERY:
                continue
            if low == "x-amz-credential":  # SigV4: key/date/region/service/aws4_request
                head, _, rest = value.partition("/")
                value = f"{head if keeps_key(head) else SANDBOX_ACCESS_KEY}/{rest}"
            elif low == "awsaccesskeyid" and not keeps_key(value):  # SigV2
                value = SANDBOX_ACCESS_KEY
            pairs.append((key, value))
        query = urlencode(pairs)
    return dataclasses.replace(request, headers=headers, query=query)


def _scope_only(value: str, keeps_key: Any) -> str:
    m = _SCOPE.search(value)
    if not m:
        return ""
    key = m["key"] if keeps_key(m["key"]) else SANDBOX_ACCESS_KEY
    signed = m["signed"] or "host"
    return (
        f"AWS4-HMAC-SHA256 Credential={key}/{m['scope']}, SignedHeaders={signed}, "
        "Signature=journaled-without-signature"
    )


def body_stream(body: bytes) -> io.BytesIO:
    """A ``wsgi.input`` for a body that was already read."""
    return io.BytesIO(body)
