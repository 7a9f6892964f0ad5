"""Helpers shared by the tune tests (not a test module): handlers whose durations behave in
known ways, a function made on the sandbox in ap-northeast-1, and what a run left behind."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

#: The region the tune tests run in (not us-east-1, on purpose).
TUNE_REGION = "ap-northeast-1"
ROLE = "arn:aws:iam::123456789012:role/tune-test"

#: CPU-bound (``loops``), sleep-bound (``sleep`` seconds), or failing at one memory size.
HANDLER = """
import os, time

def handler(event, context):
    if str(event.get("fail_at")) == os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]:
        raise ValueError("boom at " + os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
        return {"slept": event["sleep"]}
    total = 0
    for i in range(event.get("loops", 1000)):
        total += i * i % 7
    return {"total": total}
"""


def handler_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("app.py", (2020, 1, 1, 0, 0, 0)), HANDLER)
    return buf.getvalue()


def lambda_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=TUNE_REGION,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def make_function(lam: Any, name: str, memory: int, description: str = "tuned by tests") -> dict:
    """A python3.11 function running ``HANDLER``; its configuration."""
    try:
        lam.delete_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        pass
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Handler="app.handler",
        Role=ROLE,
        Code={"ZipFile": handler_zip()},
        MemorySize=memory,
        Timeout=60,
        Description=description,
    )


def leftovers(lam: Any, name: str) -> dict[str, Any]:
    """What a tune run could leave: aliases, published versions, $LATEST's memory/description."""
    config = lam.get_function_configuration(FunctionName=name)
    return {
        "aliases": [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]],
        "versions": [
            v["Version"]
            for v in lam.list_versions_by_function(FunctionName=name)["Versions"]
            if v["Version"] != "$LATEST"
        ],
        "memory": config["MemorySize"],
        "description": config.get("Description", ""),
    }


def tune_json(out: str) -> dict[str, Any]:
    """The JSON document ``tune --output json`` printed."""
    return json.loads(out)


def chromium() -> str:
    """Debian's headless Chromium; fails (never skips) without it: .ci/run installs it."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.fail("headless Chromium is needed (Debian package chromium; .ci/run installs it)")
    return browser


def rendered_dom(page: Path, timeout: float = 90) -> str:
    """The page's DOM after its scripts ran, from headless Chromium (no network, no profile)."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    assert done.returncode == 0, f"chromium failed: {done.stderr[-2000:]}"
    return done.stdout
