"""The embedded local AWS (moto control plane + the local Lambda emulator for invokes)."""

from __future__ import annotations

import urllib.error
import urllib.request

from lambherd.aws import sandbox_endpoint
from lambherd.errors import AwsError


def ensure_running() -> str:
    """The sandbox's endpoint, after checking that it answers."""
    endpoint = sandbox_endpoint()
    try:
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).read()
    except (urllib.error.URLError, OSError) as exc:
        raise AwsError(
            f"the sandbox is not running at {endpoint}",
            hint="start it with `lambherd sandbox start`",
        ) from exc
    return endpoint
