"""The URL concern: the function URL (function_url.json) and its resource-policy permissions.

Its remote part is ``UrlRemote`` (read by ``lambherd.pipeline.remote_url`` only when the definition
has a function_url.json); its steps run in ``lambherd.apply.handlers.url``.

Permissions lambherd adds carry a Sid ``lambherd-<hash of the statement>``; reconciling removes
only such statements, never anyone else's. A permission that changes gets a new Sid, so it is a
remove plus an add.

Permission steps come before the URL step: on the unqualified function they are guarded by the
function's RevisionId, and CreateFunctionUrlConfig/UpdateFunctionUrlConfig take none (and may
change it), so a change by another writer since the plan was read is caught by the first
permission step rather than hidden behind the URL update. Removing a permission before an
AuthType change also fails closed (no moment with a public grant on a public URL).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from lambherd.defaults import URL_AUTH_TYPE, URL_INVOKE_MODE
from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.policy import grant_of_statement
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import AddPermission, PutFunctionUrl, RemovePermission, Step

SID_PREFIX = "lambherd-"
_CONFIG_KEYS = ("AuthType", "Cors", "InvokeMode")
#: The sidecar key of function_url.json (``lambherd.definition.sidecars``).
SIDECAR = "url"


@dataclass(frozen=True)
class UrlRemote:
    """The URL concern's remote part: GetFunctionUrlConfig (None: no URL) and GetPolicy's
    statements, for the URL's qualifier."""

    config: dict[str, Any] | None = None
    policy_statements: tuple[dict[str, Any], ...] = ()

    @property
    def url(self) -> str | None:
        """The function URL, if there is one."""
        return (self.config or {}).get("FunctionUrl")


def url_qualifier(url_config: dict[str, Any] | None) -> str | None:
    """The alias or version the URL belongs to (``Config.Qualifier``), or None."""
    if not url_config:
        return None
    return (url_config.get("Config") or {}).get("Qualifier")


def comparable_url_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """AuthType, Cors and InvokeMode in one comparable shape (defaults filled, lists sorted)."""
    config = config or {}
    out: dict[str, Any] = {
        "AuthType": config.get("AuthType", URL_AUTH_TYPE),
        "InvokeMode": str(config.get("InvokeMode") or URL_INVOKE_MODE).upper(),
    }
    cors = {}
    for key, value in (config.get("Cors") or {}).items():
        if value in (None, "", [], {}):
            continue
        cors[key] = sorted(value) if isinstance(value, list) else value
    if cors:
        out["Cors"] = dict(sorted(cors.items()))
    return out


def desired_permissions(url_config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Sid -> AddPermission parameters for every permission function_url.json asks for."""
    config = url_config.get("Config") or {}
    auth = config.get("AuthType", URL_AUTH_TYPE)
    permissions = url_config.get("Permissions")
    if permissions is None:
        permissions = [{"Principal": "*"}] if auth == "NONE" else []
    out: dict[str, dict[str, Any]] = {}
    for perm in permissions:
        params = {k: v for k, v in perm.items() if k not in {"StatementId", "Qualifier"}}
        params.setdefault("Action", "lambda:InvokeFunctionUrl")
        if params["Action"] == "lambda:InvokeFunctionUrl":
            params.setdefault("FunctionUrlAuthType", auth)
        out[statement_id(params)] = params
    return out


def statement_id(params: dict[str, Any]) -> str:
    """A stable Sid for a permission: the prefix plus a hash of its parameters."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    return SID_PREFIX + digest[:16]


def plan_url(url_config: dict[str, Any] | None, remote: RemoteState) -> tuple[Step, ...]:
    """Permission steps, then PutFunctionUrl; nothing when function_url.json is absent."""
    if url_config is None:
        return ()
    part = remote.part(UrlRemote) or UrlRemote()
    config = url_config.get("Config") or {}
    qualifier = url_qualifier(url_config)
    steps: list[Step] = []
    wanted = desired_permissions(url_config)
    existing = {str(s.get("Sid")) for s in part.policy_statements}
    # lambherd's URL grants only: permissions.json's statements are the permissions concern's
    ours = {
        str(s.get("Sid"))
        for s in part.policy_statements
        if str(s.get("Sid")).startswith(SID_PREFIX) and not grant_of_statement(s).is_invoke_grant
    }
    for sid in sorted(ours - set(wanted)):
        steps.append(RemovePermission(statement_id=sid, qualifier=qualifier))
    for sid, params in wanted.items():
        if sid not in existing:
            steps.append(AddPermission(statement_id=sid, params=params, qualifier=qualifier))
    want = comparable_url_config(config)
    have = part.config
    if have is None or comparable_url_config(have) != want:
        params = {k: config[k] for k in _CONFIG_KEYS if k in config}
        params.setdefault("AuthType", want["AuthType"])
        if have is not None and "Cors" not in params and have.get("Cors"):
            params["Cors"] = {}
        steps.append(PutFunctionUrl(config=params, create=have is None, qualifier=qualifier))
    return tuple(steps)


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    return plan_url(ctx.desired.sidecars.get(SIDECAR), ctx.remote)


CONCERN = Concern("url", _plan)
