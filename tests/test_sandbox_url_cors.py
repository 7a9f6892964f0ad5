"""Function URLs with CORS and response streaming, as Lambda answers them: a preflight answered
without invoking, the configured Access-Control-* headers (the function's replaced), nothing
added without a Cors configuration; RESPONSE_STREAM of a Python function streams its result."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from sandbox_testkit import create_with

pytestmark = pytest.mark.slow
NAME = "cors-fn"
SOURCE = """
import json
def handler(event, context):
    return {"statusCode": 201, "headers": {"Access-Control-Allow-Origin": "*", "X-Trace": "t1"},
            "body": json.dumps({"method": event["requestContext"]["http"]["method"]})}
"""
CORS = {
    "AllowOrigins": ["https://app.example.com"],
    "AllowMethods": ["GET", "POST"],
    "AllowHeaders": ["x-custom"],
    "ExposeHeaders": ["x-trace"],
    "MaxAge": 600,
}


def _request(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method, headers=headers)
    with urllib.request.urlopen(req) as resp:
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()


@pytest.fixture
def url(sandbox: Any) -> Any:
    lam = sandbox("lambda")
    try:
        lam.delete_function(FunctionName=NAME)
    except lam.exceptions.ResourceNotFoundException:
        pass
    create_with(lam, NAME, SOURCE)

    def configure(**config: Any) -> str:
        try:
            lam.delete_function_url_config(FunctionName=NAME)
        except lam.exceptions.ResourceNotFoundException:
            pass
        return lam.create_function_url_config(FunctionName=NAME, AuthType="NONE", **config)[
            "FunctionUrl"
        ]

    return configure


def test_preflight_is_answered_from_the_cors_configuration(url: Any) -> None:
    address = url(Cors=CORS)
    origin = "https://app.example.com"
    status, headers, body = _request(
        address, "OPTIONS", Origin=origin, **{"Access-Control-Request-Method": "POST"}
    )
    assert status == 200 and body == b""  # the function did not run (it answers 201)
    assert headers["access-control-allow-origin"] == origin
    assert headers["access-control-allow-methods"] == "GET,POST"
    assert headers["access-control-allow-headers"] == "x-custom"
    assert headers["access-control-max-age"] == "600"
    refused = _request(
        address,
        "OPTIONS",
        Origin="https://evil.example",
        **{"Access-Control-Request-Method": "GET"},
    )[1]
    assert "access-control-allow-origin" not in refused
    status, headers, body = _request(address + "x", Origin=origin)
    assert status == 201 and json.loads(body) == {"method": "GET"}
    assert headers["access-control-allow-origin"] == origin  # the function's "*" replaced
    assert headers["access-control-expose-headers"] == "x-trace" and headers["x-trace"] == "t1"


def test_without_cors_the_function_answers_options_itself(url: Any) -> None:
    address = url()
    status, headers, body = _request(
        address, "OPTIONS", Origin="https://a.example", **{"Access-Control-Request-Method": "GET"}
    )
    assert status == 201 and json.loads(body) == {"method": "OPTIONS"}
    assert headers["access-control-allow-origin"] == "*"  # the function's own, left alone


def test_response_stream_of_a_python_function_streams_its_result_as_is(url: Any) -> None:
    address = url(InvokeMode="RESPONSE_STREAM")
    status, headers, body = _request(address)
    assert status == 200 and headers.get("transfer-encoding") == "chunked"
    doc = json.loads(body)  # the returned document itself: not read as statusCode/body
    assert doc["statusCode"] == 201 and json.loads(doc["body"]) == {"method": "GET"}
