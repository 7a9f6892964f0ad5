"""API calls serialised by botocore into requests the sandbox can serve itself, never sent.

Compaction journals rebuilt log and metric batches this way, and telemetry writes an invocation's
logs and metrics through the sandbox's own WSGI stack (journaled like any other write) without a
round trip over HTTP. botocore gives them the exact wire form a client would send.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from lambherd.defaults import SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY
from lambherd.sandbox.persistence import RecordedRequest


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


class RequestRecorder:
    """Serialises API calls with botocore into journal records, without sending them."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def _client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            return self._clients.get(key) or self._make(service, region)

    def _make(self, service: str, region: str) -> Any:
        import botocore.session
        from botocore.config import Config

        client = botocore.session.get_session().create_client(
            service,
            region_name=region,
            endpoint_url=f"http://{self.host}",
            aws_access_key_id=SANDBOX_ACCESS_KEY,
            aws_secret_access_key=SANDBOX_SECRET_KEY,
            config=Config(retries={"total_max_attempts": 1}, disable_request_compression=True),
        )

        def capture(request: Any, **_: Any) -> None:
            raise _Captured(request)

        client.meta.events.register("before-send", capture)
        self._clients[(service, region)] = client
        return client

    def record(self, service: str, region: str, operation: str, **params: Any) -> RecordedRequest:
        """The request ``client.<operation>(**params)`` would send, as a journal record."""
        try:
            getattr(self._client(service, region), operation)(**params)
        except _Captured as captured:
            request = captured.request
        else:  # pragma: no cover - before-send always raises
            raise RuntimeError(f"{operation} was sent")
        url = urlsplit(request.url)
        headers = {
            str(k): _text(v) for k, v in request.headers.items() if k.lower() != "content-length"
        }
        headers.setdefault("Host", self.host)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):
            body = body.read()
        return RecordedRequest(
            method=request.method,
            path=url.path or "/",
            query=url.query,
            headers=headers,
            body=body,
        )

    def parse(
        self,
        service: str,
        region: str,
        operation: str,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> dict[str, Any]:
        """The answer to a recorded ``operation`` as botocore parses it (``Error`` on failure)."""
        from botocore.awsrequest import HeadersDict
        from botocore.parsers import create_parser

        client = self._client(service, region)
        model = client.meta.service_model
        op = model.operation_model(client.meta.method_to_api_mapping[operation])
        protocol = getattr(model, "resolved_protocol", None) or model.protocol
        response = {"status_code": status, "headers": HeadersDict(headers), "body": body}
        shape = op.output_shape if status < 400 else None
        return create_parser(protocol).parse(response, shape)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
