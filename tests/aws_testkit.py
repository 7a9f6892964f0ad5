"""Helpers shared by the tests against moto's server (not a test module): the code-serving proxy
the import tests stand behind, small zips, moto's control API, log events.

moto reports a ``Code.Location`` on amazonaws.com that nobody can fetch. ``CodeProxy`` (the
``code_proxy`` fixture in conftest.py) stands where the sandbox will: a small HTTP server in front
of moto that forwards every API call unchanged, except that GetFunction's ``Code.Location``
points at itself, where it serves the same bytes moto was given.
"""

from __future__ import annotations

import http.server
import io
import json
import re
import urllib.error
import urllib.request
import zipfile
from typing import Any

from lambherd.aws import AwsClients, AwsSettings

REGION = "us-east-1"
#: The function the invoke / logs / metrics / test fixtures deploy (``fn_dir``) and its log group.
OPS_NAME = "ops-fn"
OPS_GROUP = f"/aws/lambda/{OPS_NAME}"
OPS_STREAM = "2024/05/01/[$LATEST]abc"

_GET_FUNCTION = re.compile(r"^/2015-03-31/functions/[^/?]+(\?.*)?$")
_HOP_HEADERS = {"connection", "transfer-encoding", "content-length", "server", "date", "host"}


class CodeProxy(http.server.ThreadingHTTPServer):
    """Forwards to moto; serves ``code[name]`` at the Location GetFunction reports."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = upstream
        self.code: dict[str, bytes] = {}
        self.downloads: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: CodeProxy

    def log_message(self, *args: object) -> None:
        return

    def _serve_code(self) -> None:
        name = self.path.split("/")[2].split("?")[0]
        self.server.downloads.append(self.path)
        body = self.server.code[name]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self) -> None:
        if self.path.startswith("/__code__/"):
            self._serve_code()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
        req = urllib.request.Request(
            self.server.upstream + self.path, data=body, method=self.command, headers=headers
        )
        try:
            with urllib.request.urlopen(req) as resp:
                status, data, resp_headers = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as exc:
            status, data, resp_headers = exc.code, exc.read(), exc.headers
        if self.command == "GET" and status == 200 and _GET_FUNCTION.match(self.path):
            doc = json.loads(data)
            name = doc["Configuration"]["FunctionName"]
            if name in self.server.code:
                signed = "X-Amz-Signature=not-a-secret"
                doc["Code"]["Location"] = f"{self.server.url}/__code__/{name}?{signed}"
                data = json.dumps(doc).encode()
        self.send_response(status)
        for key, value in resp_headers.items():
            if key.lower() not in _HOP_HEADERS:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward


def make_zip(entries: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16) | 0
            info.create_system = 3
            zf.writestr(info, target)
    return buf.getvalue()


def tiny_zip(files: dict[str, str] | None = None) -> bytes:
    """A small valid deployment package."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in (files or {"app.py": "def handler(e, c):\n    return 1\n"}).items():
            zf.writestr(name, text)
    return buf.getvalue()


def moto_api(endpoint: str, path: str, body: dict[str, Any]) -> None:
    """POST to moto's own control API (``/moto-api/<path>``)."""
    req = urllib.request.Request(
        f"{endpoint}/moto-api/{path}", data=json.dumps(body).encode(), method="POST"
    )
    urllib.request.urlopen(req).read()


def clients(endpoint: str, max_attempts: int = 10) -> AwsClients:
    """lambherd's own clients against ``endpoint``."""
    return AwsClients(AwsSettings(region=REGION, endpoint_url=endpoint, max_attempts=max_attempts))


def put_log_events(logs: Any, events: list[dict], stream: str = OPS_STREAM) -> None:
    """Events into the ops function's log group."""
    logs.put_log_events(logGroupName=OPS_GROUP, logStreamName=stream, logEvents=events)


def create_function(
    boto: Any,
    role: str,
    name: str,
    package: bytes | None = None,
    *,
    alias: str | None = None,
    **config: Any,
) -> None:
    """A Python function made directly with boto3 (as someone else made it), with ``config``
    on top of the usual fields; with ``alias``, version 1 published and the alias on it."""
    lam = boto("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": package if package is not None else tiny_zip()},
        **config,
    )
    if alias:
        version = lam.publish_version(FunctionName=name)["Version"]
        lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
