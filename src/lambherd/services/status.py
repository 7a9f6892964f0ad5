"""``status``: the deployed function's state, aliases, code size and URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambherd.errors import NotFoundError
from lambherd.plan.remote import alias_weights
from lambherd.plan.url_planner import SIDECAR, UrlRemote

if TYPE_CHECKING:
    from lambherd.app import App


def status(app: App, qualifier: str | None = None) -> dict[str, Any]:
    """A flat description of the function (read-only)."""
    from lambherd.pipeline.remote import read_remote_state
    from lambherd.project.context import defined_function_name

    name = defined_function_name(app)
    # the URL of the unqualified function, whether function_url.json manages it or not
    remote = read_remote_state(app.clients, name, qualifier=qualifier, sidecars={SIDECAR: {}})
    if not remote.exists:
        raise NotFoundError(f"{name}: function not found")
    config = remote.configuration or {}
    aliases = [
        {
            "name": a.get("Name"),
            "version": a.get("FunctionVersion"),
            "weights": alias_weights(a),
        }
        for a in remote.aliases
    ]
    return {
        "name": config.get("FunctionName"),
        "arn": config.get("FunctionArn"),
        "version": config.get("Version"),
        "state": config.get("State"),
        "state_reason": config.get("StateReason"),
        "last_update_status": config.get("LastUpdateStatus"),
        "last_update_status_reason": config.get("LastUpdateStatusReason"),
        "runtime": config.get("Runtime"),
        "memory_size": config.get("MemorySize"),
        "timeout": config.get("Timeout"),
        "code_size": config.get("CodeSize"),
        "code_sha256": config.get("CodeSha256"),
        "last_modified": config.get("LastModified"),
        "aliases": aliases,
        "url": (remote.part(UrlRemote) or UrlRemote()).url,
    }
