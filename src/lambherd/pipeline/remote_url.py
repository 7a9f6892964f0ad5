"""The URL concern's remote part: GetFunctionUrlConfig and the resource policy of its qualifier
(read only when the definition has a function_url.json)."""

from __future__ import annotations

import json
from typing import Any

from lambherd.pipeline.remote import RemotePart, RemoteReader, strip_metadata
from lambherd.plan.url_planner import SIDECAR, UrlRemote, url_qualifier


def read_url(reader: RemoteReader, name: str, sidecar: dict[str, Any]) -> UrlRemote:
    """The URL configuration and policy statements for the sidecar's qualifier."""
    qualifier = url_qualifier(sidecar)
    kwargs: dict[str, Any] = {"FunctionName": name}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    config = reader.optional(
        lambda: reader.lam.get_function_url_config(**kwargs), f"read function URL of {name}"
    )
    policy = reader.optional(lambda: reader.lam.get_policy(**kwargs), f"read policy of {name}")
    statements: list[dict[str, Any]] = []
    if policy and policy.get("Policy"):
        statements = list(json.loads(policy["Policy"]).get("Statement", []))
    return UrlRemote(config=strip_metadata(config), policy_statements=tuple(statements))


PART = RemotePart(SIDECAR, read_url)
