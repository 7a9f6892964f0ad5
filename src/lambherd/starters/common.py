"""What the starters share: the definition, the role variable and the deploy steps."""

from __future__ import annotations

import json
from typing import Any

from lambherd.importing.scaffold import ROLE_ENV

#: The sandbox's account (any role of it works there: it is created on first use).
SANDBOX_ROLE = "arn:aws:iam::123456789012:role/lambherd-starter"


def sandbox_flag() -> str:
    """``--endpoint-url`` of the sandbox a user's ``lambherd --sandbox`` reaches (its port from
    ``$LAMBHERD_SANDBOX_PORT``, else the default)."""
    from lambherd.sandbox.locations import default_port

    return f"--endpoint-url http://127.0.0.1:{default_port()}"


def definition(name: str, description: str, **extra: Any) -> str:
    """function.json: python3.12 on arm64, its Role from ``LAMBDA_ROLE_ARN``."""
    doc: dict[str, Any] = {
        "FunctionName": name,
        "Description": description,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": f"{{{{ must_env `{ROLE_ENV}` }}}}",
        "MemorySize": 256,
        "Timeout": 10,
        "Architectures": ["arm64"],
        "LoggingConfig": {"LogFormat": "JSON"},
    }
    doc.update(extra)
    return dumps(doc)


def dumps(doc: Any) -> str:
    """A JSON file's text."""
    return json.dumps(doc, indent=2) + "\n"


def deploy_steps(extra_env: str = "") -> list[str]:
    """How to deploy the starter (to the sandbox, then an account)."""
    env = f"{ROLE_ENV}={SANDBOX_ROLE} {extra_env}".strip()
    return [
        f"{env} lambherd --sandbox deploy      # the sandbox: one command",
        "lambherd --sandbox test                          # the cases in tests.yaml",
        f"against an account: export {ROLE_ENV}=... (a role Lambda can assume), then "
        "lambherd deploy",
    ]
