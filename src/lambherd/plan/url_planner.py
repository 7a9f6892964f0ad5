"""The URL concern: the function URL (function_url.json) and its resource-policy permissions.

Its remote part is ``UrlRemote`` (read by ``lambherd.pipeline.remote_url`` only when the definition
has a function_url.json); its steps run in ``lambherd.apply.handlers.url``.

function_url.json is read as lambroll reads it: ``Config.AuthType`` is ``NONE`` or ``AWS_IAM``;
each ``Permissions`` entry (``Principal``, ``PrincipalOrgID``, ``SourceArn``, ``SourceAccount``)
grants the two statements Lambda requires for a URL since October 2025 —
``lambda:InvokeFunctionUrl`` with the URL's ``FunctionUrlAuthType``, and
``lambda:InvokeFunction`` with ``InvokedViaFunctionUrl``; ``NONE`` with no Permissions means
``[{"Principal": "*"}]``; ``AWS_IAM`` with no Permissions is refused (lambroll's rule; an
explicit ``[]`` means no resource-policy grant at all, for same-account IAM callers).

Grants are matched with the policy by what they allow (``lambherd.plan.policy``): a statement
made by the console, by lambroll or by an earlier lambherd that allows the same keeps its id and
nothing is added. Statements lambherd or lambroll created (Sid ``lambherd-``/``lambroll-``) for
a URL that the file no longer asks for are removed; anyone else's never are.

Permission steps come before the URL step: on the unqualified function they are guarded by the
function's RevisionId, and CreateFunctionUrlConfig/UpdateFunctionUrlConfig take none (and may
change it), so a change by another writer since the plan was read is caught by the first
permission step rather than hidden behind the URL update. Removing a permission before an
AuthType change also fails closed (no moment with a public grant on a public URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambherd.defaults import URL_AUTH_TYPE, URL_INVOKE_MODE
from lambherd.errors import DefinitionError
from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.policy import (
    INVOKE_FUNCTION,
    INVOKE_FUNCTION_URL,
    Grant,
    grant_from_permission,
    grant_from_statement,
    match_grants,
    new_statement_id,
    permission_params,
)
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import AddPermission, PutFunctionUrl, RemovePermission, Step

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


#: The fields of a function_url.json permission (lambroll's ``FunctionURLPermission``).
PERMISSION_KEYS = ("Principal", "PrincipalOrgID", "SourceArn", "SourceAccount")
AUTH_TYPES = ("NONE", "AWS_IAM")


def url_rule_problems(url_config: dict[str, Any]) -> list[str]:
    """lambroll's rule for function_url.json beyond the API model's types and enums (the
    validator's business): Permissions must be given when AuthType is AWS_IAM."""
    where = "function_url.json"
    config = url_config.get("Config")
    auth = config.get("AuthType") if isinstance(config, dict) else None
    if auth == "AWS_IAM" and url_config.get("Permissions") is None:
        return [
            f"{where}: Permissions is required when AuthType is AWS_IAM (as lambroll requires): "
            "list who may invoke the URL, or [] for no resource-policy grant"
        ]
    return []


def url_permissions(url_config: dict[str, Any]) -> list[dict[str, Any]]:
    """function_url.json's permission entries, lambroll's defaults applied and checked: ``NONE``
    without Permissions is public (``Principal *``); ``AWS_IAM`` without them is refused."""
    where = "function_url.json"
    config = url_config.get("Config")
    if not isinstance(config, dict):
        raise DefinitionError(f"{where}: Config: required field is missing")
    auth = config.get("AuthType")
    if auth is None:
        raise DefinitionError(f"{where}: Config.AuthType: required field is missing")
    if auth not in AUTH_TYPES:
        raise DefinitionError(f"{where}: Config.AuthType: expected NONE or AWS_IAM, got {auth!r}")
    problems = url_rule_problems(url_config)
    if problems:
        raise DefinitionError(problems[0], hint='e.g. "Permissions": [{"Principal": "*"}]')
    permissions = url_config.get("Permissions")
    if permissions is None:
        return [{"Principal": "*"}]
    if not isinstance(permissions, list):
        raise DefinitionError(f"{where}: Permissions: expected a list")
    out = []
    for i, entry in enumerate(permissions):
        if not isinstance(entry, dict):
            raise DefinitionError(f"{where}: Permissions[{i}]: expected an object")
        unknown = sorted(set(entry) - set(PERMISSION_KEYS))
        if unknown:
            raise DefinitionError(
                f"{where}: Permissions[{i}]: {', '.join(unknown)}: not a URL permission field "
                f"(expected {', '.join(PERMISSION_KEYS)}; each entry grants both "
                f"{INVOKE_FUNCTION_URL} and {INVOKE_FUNCTION})"
            )
        if not entry.get("Principal"):
            raise DefinitionError(f"{where}: Permissions[{i}].Principal: required field is missing")
        out.append({k: entry[k] for k in PERMISSION_KEYS if entry.get(k) not in (None, "")})
    return out


def url_grants(url_config: dict[str, Any]) -> dict[str, Grant]:
    """Statement id -> grant for every statement function_url.json asks for: per permission,
    InvokeFunctionUrl (with the URL's auth type) and InvokeFunction through the URL."""
    auth = (url_config.get("Config") or {}).get("AuthType")
    out: dict[str, Grant] = {}
    for entry in url_permissions(url_config):
        for extra in (
            {"Action": INVOKE_FUNCTION_URL, "FunctionUrlAuthType": auth},
            {"Action": INVOKE_FUNCTION, "InvokedViaFunctionUrl": True},
        ):
            grant = grant_from_permission({**entry, **extra})
            out.setdefault(new_statement_id(grant), grant)
    return out


def is_url_grant(grant: Grant) -> bool:
    """The statements this concern manages (a URL's two kinds; other grants are not its own)."""
    return grant.for_function_url


@dataclass(frozen=True)
class UrlGrants:
    """The URL's grants, wanted and present, for ``diff``: both as one-line descriptions."""

    wanted: tuple[str, ...]
    present: tuple[str, ...]


def compare_url_grants(
    url_config: dict[str, Any], statements: tuple[dict[str, Any], ...]
) -> UrlGrants:
    """What function_url.json asks for and what the policy grants that this concern manages
    (wanted grants found, plus owned URL statements a deploy would remove)."""
    wanted = url_grants(url_config)
    match = match_grants(wanted, statements, is_url_grant)
    present = [wanted[key].describe() for key in match.existing]
    stale = set(match.stale)
    for statement in statements:
        if str(statement.get("Sid", "")) in stale:
            present += [g.describe() for g in grant_from_statement(statement) if is_url_grant(g)]
    return UrlGrants(
        wanted=tuple(sorted(g.describe() for g in wanted.values())), present=tuple(sorted(present))
    )


def plan_url(url_config: dict[str, Any] | None, remote: RemoteState) -> tuple[Step, ...]:
    """Permission steps, then PutFunctionUrl; nothing when function_url.json is absent."""
    if url_config is None:
        return ()
    part = remote.part(UrlRemote) or UrlRemote()
    config = url_config.get("Config") or {}
    qualifier = url_qualifier(url_config)
    wanted = url_grants(url_config)
    match = match_grants(wanted, part.policy_statements, is_url_grant)
    steps: list[Step] = [RemovePermission(sid, qualifier=qualifier) for sid in match.stale]
    for sid in match.missing:
        params = permission_params(wanted[sid])
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
