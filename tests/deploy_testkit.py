"""Helpers shared by the deploy / diff / rollback / versions tests (not a test module)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NAME = "orders"
#: A role ARN the sandbox accepts (it creates the role on first use).
ROLE = "arn:aws:iam::123456789012:role/lambherd-audit"

#: The .lambdaignore ``lambherd init`` writes (lambroll leaves out only what it lists).
LAMBDAIGNORE = "function.json\nfunction_url.json\n.lambdaignore\n*.zip\n"


def write_function(
    folder: Path,
    role: str,
    *,
    body: str = "def handler(event, context):\n    return {'ok': True}\n",
    url: dict[str, Any] | None = None,
    **config: Any,
) -> Path:
    """A function folder: function.json (+ function_url.json) and app.py."""
    folder.mkdir(parents=True, exist_ok=True)
    definition = {
        "FunctionName": NAME,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": role,
        **config,
    }
    (folder / "function.json").write_text(json.dumps(definition, indent=2))
    (folder / ".lambdaignore").write_text(LAMBDAIGNORE)
    (folder / "app.py").write_text(body)
    if url is not None:
        (folder / "function_url.json").write_text(json.dumps(url))
    return folder


class CallRecorder:
    """Records every API operation (name and params) sent through botocore event hooks."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, params: Any = None, model: Any = None, **kwargs: Any) -> None:
        self.calls.append((model.name, dict(params or {})))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def params_of(self, operation: str) -> list[dict[str, Any]]:
        return [p for name, p in self.calls if name == operation]


MUTATING_PREFIXES = (
    "Create",
    "Update",
    "Delete",
    "Publish",
    "Put",
    "Add",
    "Remove",
    "Tag",
    "Untag",
    "Register",  # Application Auto Scaling: RegisterScalableTarget, DeregisterScalableTarget
    "Deregister",
    "Request",  # Service Quotas: RequestServiceQuotaIncrease
)


def mutating(names: list[str]) -> list[str]:
    """The operation names that change something."""
    return [n for n in names if n.startswith(MUTATING_PREFIXES)]


def recording(monkeypatch: Any) -> CallRecorder:
    """Make every AwsClients the CLI builds record its calls (``provide-client-params``)."""
    from lambherd.aws import AwsClients

    recorder = CallRecorder()
    original = AwsClients.__init__

    def init(self: AwsClients, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register_hook("provide-client-params.*.*", recorder)

    monkeypatch.setattr(AwsClients, "__init__", init)
    return recorder


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        yield self._body


def error_response(status: int, code: str, message: str = "injected") -> Any:
    """An AWSResponse as Lambda sends for an error (for ``before-send`` hooks)."""
    from botocore.awsrequest import AWSResponse

    body = json.dumps({"Type": "User", "message": message}).encode()
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/json"}
    return AWSResponse("http://injected", status, headers, _Raw(body))


def inject_failures(monkeypatch: Any, operation: str, response: Any, times: int) -> list[int]:
    """Make the first ``times`` ``operation`` calls of every AwsClients fail with ``response``."""
    from lambherd.aws import AwsClients

    sent: list[int] = []
    original = AwsClients.__init__

    def handler(request: Any = None, **kwargs: Any) -> Any:
        sent.append(1)
        if len(sent) <= times:
            return response
        return None

    def init(self: AwsClients, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register_hook(f"before-send.lambda.{operation}", handler)

    monkeypatch.setattr(AwsClients, "__init__", init)
    return sent


def fake_revisions(monkeypatch: Any) -> None:
    """moto reports no RevisionId: add one to Lambda responses, bumped by every update."""
    from lambherd.aws import AwsClients

    state = {"n": 0}

    def handler(parsed: Any = None, model: Any = None, **kwargs: Any) -> None:
        if model.name.startswith(("UpdateFunction", "PublishVersion")):
            state["n"] += 1
        if model.name == "GetFunction" and "Configuration" in parsed:
            parsed["Configuration"]["RevisionId"] = f"rev-{state['n']}"
        elif model.name.startswith(("UpdateFunction", "GetFunctionConfiguration")):
            parsed["RevisionId"] = f"rev-{state['n']}"

    original = AwsClients.__init__

    def init(self: AwsClients, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register_hook("after-call.lambda.*", handler)

    monkeypatch.setattr(AwsClients, "__init__", init)


def after_planning(monkeypatch: Any, meddle: Any) -> None:
    """Run ``meddle()`` (another writer) between the deploy's plan and its first call."""
    import lambherd.pipeline.planning as deploy_module

    original = deploy_module.plan_deploy

    def plan_then_meddle(*args: Any, **kwargs: Any) -> Any:
        plan = original(*args, **kwargs)
        meddle()
        return plan

    monkeypatch.setattr(deploy_module, "plan_deploy", plan_then_meddle)
