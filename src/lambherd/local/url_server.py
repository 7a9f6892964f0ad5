"""Function URLs of ``local start``: a function with a ``function_url.json`` answers HTTP on the
Invoke API's port, as the sandbox answers its URLs (the same translation:
``local.function_urls``; the same CORS: ``sandbox.url_cors``):

    http://127.0.0.1:<port>/_lambda_url/<url-id>/<path>
    http://<url-id>.lambda-url.<region>.localhost:<port>/<path>

``Config`` is read as CreateFunctionUrlConfig's input: ``AuthType`` (AWS_IAM asks for a SigV4
``Authorization`` header, not verified), ``Cors`` (preflights answered, headers added),
``InvokeMode`` (``RESPONSE_STREAM`` streams the function's writes as they come).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lambherd.errors import UsageError
from lambherd.local import function_urls

if TYPE_CHECKING:
    from lambherd.local.runtime import LocalRuntime
    from lambherd.local.spec import FunctionSpec


@dataclass(frozen=True)
class LocalUrl:
    """One function URL served locally: its function and the URL's configuration."""

    spec: FunctionSpec
    config: dict[str, Any]

    @property
    def uid(self) -> str:
        """The URL's id (derived as the sandbox derives it)."""
        qualifier = self.config.get("Qualifier")
        return function_urls.url_id(
            self.spec.account_id, self.spec.region, self.spec.name, qualifier
        )

    @property
    def invoke_mode(self) -> str:
        """``BUFFERED`` or ``RESPONSE_STREAM``."""
        return str(self.config.get("InvokeMode") or "BUFFERED").upper()


def url_config(sidecar: Any, source: str = "function_url.json") -> dict[str, Any]:
    """The ``Config`` of a ``function_url.json`` document (refused when it is not an object)."""
    if not isinstance(sidecar, dict):
        raise UsageError(f"{source}: expected a JSON object")
    config = sidecar.get("Config", {})
    if not isinstance(config, dict):
        raise UsageError(f"{source}: Config must be an object")
    mode = str(config.get("InvokeMode") or "BUFFERED").upper()
    if mode not in ("BUFFERED", "RESPONSE_STREAM"):
        raise UsageError(f"{source}: InvokeMode must be BUFFERED or RESPONSE_STREAM, got {mode}")
    return config


def _environ(handler: Any) -> dict[str, Any]:
    """A WSGI-style environ of the request ``handler`` (a QuietHandler) is answering."""
    path, _, query = handler.path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": handler.command,
        "RAW_URI": handler.path,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": handler.request_version,
        "REMOTE_ADDR": handler.client_address[0],
    }
    for key, value in handler.headers.items():
        name = key.upper().replace("-", "_")
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif name == "CONTENT_LENGTH":
            environ["CONTENT_LENGTH"] = value
        else:
            environ[f"HTTP_{name}"] = value
    return environ


@dataclass
class FunctionUrls:
    """The URLs ``local start`` serves, answered on the Invoke API's server."""

    runtime: LocalRuntime
    urls: dict[str, LocalUrl] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, spec: FunctionSpec, config: dict[str, Any]) -> LocalUrl:
        """Serve a URL for ``spec`` (replacing the one it had)."""
        url = LocalUrl(spec, config)
        with self._lock:
            for uid in [u for u, known in self.urls.items() if known.spec.name == spec.name]:
                del self.urls[uid]
            self.urls[url.uid] = url
        return url

    def answer(self, handler: Any) -> bool:
        """Answer ``handler``'s request when it is for one of our URLs; False otherwise."""
        environ = _environ(handler)
        found = function_urls.match(environ)
        if found is None:
            return False
        uid, raw_path = found
        body = handler.read_body()
        with self._lock:
            url = self.urls.get(uid)
        if url is None:
            resp = function_urls.message(404, f"no function URL {uid} in this local runtime")
        else:
            resp = self._serve(url, environ, body, raw_path)
        _write(handler, resp)
        return True

    def _serve(self, url: LocalUrl, environ: dict[str, Any], body: bytes, raw_path: str) -> Any:
        from lambherd.errors import LambherdError, ThrottledError
        from lambherd.sandbox import url_cors

        if url.config.get("AuthType") == "AWS_IAM" and function_urls.signed_by(environ) is None:
            return function_urls.message(
                403,
                "Forbidden: this function URL has AuthType AWS_IAM; sign the request with SigV4 "
                "(lambherd accepts any signature locally)",
            )
        cors = url.config.get("Cors") or None
        if url_cors.is_preflight(cors, environ):
            import uuid

            return url_cors.preflight(cors or {}, environ, str(uuid.uuid4()))
        event = function_urls.build_event(
            environ,
            body,
            url.uid,
            raw_path,
            url.spec.region,
            url.spec.account_id,
            datetime.now(UTC),
        )
        import json

        payload = json.dumps(event).encode()
        name, version = url.spec.name, url.spec.version
        if url.invoke_mode == "RESPONSE_STREAM":
            resp = function_urls.serve_streaming(
                lambda stream: self.runtime.invoke(name, payload, version=version, stream=stream)
            )
            return url_cors.decorate(cors, environ, resp)
        try:
            result = self.runtime.invoke(name, payload, version=version)
        except ThrottledError:
            return function_urls.message(429, "Rate Exceeded.")
        except LambherdError as exc:
            return function_urls.message(502, f"Internal Server Error: {exc.message}")
        resp = function_urls.http_response(result.payload, result.function_error, result.request_id)
        return url_cors.decorate(cors, environ, resp)


def _write(handler: Any, resp: Any) -> None:
    """Send a werkzeug Response on ``handler``'s connection (chunked when it has no length)."""
    skip = {"content-type", "content-length", "set-cookie"}
    headers = {k: v for k, v in resp.headers.items() if k.lower() not in skip}
    cookies = resp.headers.getlist("Set-Cookie")
    content_type = resp.headers.get("Content-Type", "application/json")
    if resp.is_streamed:
        handler.start_chunked(resp.status_code, headers, content_type, cookies)
        try:
            for chunk in resp.response:
                if chunk:
                    handler.write_chunk(chunk)
                    handler.wfile.flush()
            handler.write_chunk(b"")
        except OSError:
            handler.close_connection = True
        finally:
            resp.close()
        return
    handler.reply(resp.status_code, resp.get_data(), headers, content_type, cookies)
