"""The local emulator honours concurrency.json (``local start``): reserved concurrency throttles
(429 TooManyRequestsException) and provisioned environments are pre-warmed (no Init Duration on
their first invocation), read through the same loader as deploys (templates rendered)."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from concurrency_testkit import write_fn
from sandbox_testkit import client

pytestmark = pytest.mark.slow  # runtime processes


def test_local_start_throttles_at_the_reservation_and_prewarms_the_provisioned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambherd.app import App
    from lambherd.services.local import LocalStartRequest, start_local

    monkeypatch.setenv("LOCAL_RESERVED", "1")
    folder = write_fn(tmp_path / "fn", "local-cc")
    (folder / "concurrency.json").write_text(
        '{"ReservedConcurrentExecutions": {{ must_env "LOCAL_RESERVED" }},'
        ' "ProvisionedConcurrency": {"current": 1}}'
    )
    serving = start_local(App(workdir=folder), LocalStartRequest(port=0))
    try:
        api = serving.api
        assert api.runtime.pool("local-cc").provisioned_use() == (0, 1)  # started ahead
        lam = client(api.url, "lambda", "us-east-1")
        first = lam.invoke(FunctionName="local-cc", LogType="Tail", Payload=b"{}")
        assert b"Init Duration" not in base64.b64decode(first["LogResult"])

        def call(_: int) -> Any:
            try:
                return lam.invoke(FunctionName="local-cc", Payload=b'{"sleep": 1}')["StatusCode"]
            except ClientError as exc:
                return exc.response["Error"]["Code"]

        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(map(str, pool.map(call, range(2))))
        assert outcomes == ["200", "TooManyRequestsException"]  # one of two at a reservation of 1
    finally:
        serving.api.close()
        serving.api.runtime.close()
