"""Resource-policy grants in one comparable form, and the matching of wanted grants with the
statements a function's policy holds. Pure: no AWS; shared by every concern that adds
permissions (the function URL's today, permissions.json's next).

A statement read from GetPolicy and an AddPermission input that would create it normalise to
the same ``Grant``, so grants are matched by what they allow — the action, the principal, the
URL auth type, the source ARN / account, the organisation, ``InvokedViaFunctionUrl``, the Alexa
token and any other condition — never by statement id. That is what lets a grant made in the
console (``FunctionURLAllowPublicAccess``) or by lambroll (``lambroll-<sha1>``) satisfy the same
line of function_url.json: its statement id is kept, nothing is added beside it.

    grant_from_permission(params) -> Grant         an AddPermission input (or a file's entry)
    grant_from_statement(statement) -> [Grant]     a GetPolicy statement (one per action)
    permission_params(grant) -> dict               the AddPermission input that creates it
    match_grants(wanted, statements, scope) -> GrantMatch
        which wanted grants exist (their statement ids), which to add, and which statements to
        remove: those lambherd or lambroll created (``OWNED_SID_PREFIXES``) inside ``scope``
        that nothing wanted matches, and owned duplicates of a grant that is already there.
        A statement anyone else made is never removed.
    new_statement_id(grant) -> str                  ``lambherd-`` + a hash of the grant

Statement shapes understood: Lambda's (``Principal`` a string or ``{"AWS": ...}`` /
``{"Service": ...}``, conditions ``ArnLike AWS:SourceArn``, ``StringEquals AWS:SourceAccount``,
``aws:PrincipalOrgID``, ``lambda:FunctionUrlAuthType``, ``lambda:EventSourceToken``, ``Bool
lambda:InvokedViaFunctionUrl``) and moto's, which leaves ``FunctionUrlAuthType`` and
``InvokedViaFunctionUrl`` as top-level fields.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lambherd.errors import DeployError

#: Statement ids of statements lambherd may remove: its own, and lambroll's (a folder moved from
#: lambroll keeps its grants; lambroll's stale ones are cleaned up as lambroll would).
OWNED_SID_PREFIXES = ("lambherd-", "lambroll-")
#: The prefix of the statement ids lambherd gives the statements it adds.
SID_PREFIX = "lambherd-"
INVOKE_FUNCTION_URL = "lambda:InvokeFunctionUrl"
INVOKE_FUNCTION = "lambda:InvokeFunction"

_ROOT = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):root$")
#: condition key (lower case) -> (Grant field, the operators Lambda writes it with)
_CONDITION_FIELDS = {
    "aws:sourcearn": ("source_arn", {"arnlike", "arnequals", "stringlike", "stringequals"}),
    "aws:sourceaccount": ("source_account", {"stringequals"}),
    "aws:principalorgid": ("principal_org_id", {"stringequals"}),
    "lambda:functionurlauthtype": ("function_url_auth_type", {"stringequals"}),
    "lambda:eventsourcetoken": ("event_source_token", {"stringequals"}),
    "lambda:invokedviafunctionurl": ("invoked_via_function_url", {"bool"}),
}
#: AddPermission parameter -> Grant field
_PARAMS = {
    "Action": "action",
    "Principal": "principal",
    "SourceArn": "source_arn",
    "SourceAccount": "source_account",
    "PrincipalOrgID": "principal_org_id",
    "FunctionUrlAuthType": "function_url_auth_type",
    "EventSourceToken": "event_source_token",
    "InvokedViaFunctionUrl": "invoked_via_function_url",
}
#: Parameters that say where the statement goes or guard the call, not what it allows.
_PLACEMENT = {"FunctionName", "Qualifier", "StatementId", "RevisionId"}


@dataclass(frozen=True, order=True)
class Grant:
    """What one statement allows, normalised: the principal as AddPermission takes it (``*``,
    an account id, a service name, an ARN), every condition as a field; ``other_conditions``
    holds the conditions AddPermission cannot express (canonical JSON, "" when none)."""

    action: str
    principal: str
    source_arn: str | None = None
    source_account: str | None = None
    principal_org_id: str | None = None
    function_url_auth_type: str | None = None
    event_source_token: str | None = None
    invoked_via_function_url: bool = False
    other_conditions: str = ""

    @property
    def for_function_url(self) -> bool:
        """True for the two statements a function URL needs (InvokeFunctionUrl, and
        InvokeFunction through the URL)."""
        return self.action == INVOKE_FUNCTION_URL or (
            self.action == INVOKE_FUNCTION and self.invoked_via_function_url
        )

    def describe(self) -> str:
        """One line for plans and diffs: ``lambda:InvokeFunctionUrl * (AuthType NONE)``."""
        parts = [self.action, self.principal]
        extras = {
            "AuthType": self.function_url_auth_type,
            "SourceArn": self.source_arn,
            "SourceAccount": self.source_account,
            "PrincipalOrgID": self.principal_org_id,
            "EventSourceToken": self.event_source_token,
        }
        notes = [f"{k} {v}" for k, v in extras.items() if v]
        if self.invoked_via_function_url:
            notes.append("via the function URL")
        if self.other_conditions:
            notes.append(f"conditions {self.other_conditions}")
        return " ".join(parts) + (f" ({', '.join(notes)})" if notes else "")

    def to_json(self) -> dict[str, Any]:
        """The grant as AddPermission parameters (for diffs and JSON output)."""
        doc = permission_params(self)
        if self.other_conditions:
            doc["Condition"] = json.loads(self.other_conditions)
        return doc


@dataclass(frozen=True)
class GrantMatch:
    """The outcome of ``match_grants``.

    ``existing`` maps each wanted key found in the policy to the statement id that grants it;
    ``missing`` lists the wanted keys to add; ``stale`` the statement ids to remove.
    """

    existing: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()


def normalise_principal(principal: Any) -> str:
    """A statement's or AddPermission's principal as AddPermission takes it: ``*``, an account
    id (``arn:aws:iam::123456789012:root`` is the account), a service name, or an ARN."""
    if isinstance(principal, dict):
        principal = principal.get("Service") or principal.get("AWS") or principal.get("*") or "*"
    if isinstance(principal, list):
        principal = principal[0] if len(principal) == 1 else ",".join(sorted(map(str, principal)))
    text = str(principal).strip()
    root = _ROOT.match(text)
    return root.group(1) if root else text


def grant_from_permission(params: Mapping[str, Any]) -> Grant:
    """The grant an AddPermission input (or a permissions file's entry) asks for. Placement
    (FunctionName, Qualifier, StatementId, RevisionId) is not part of it."""
    values: dict[str, Any] = {}
    for key, value in params.items():
        if key in _PLACEMENT or value in (None, ""):
            continue
        name = _PARAMS.get(key)
        if name is None:
            raise ValueError(f"{key}: not an AddPermission parameter")
        values[name] = value
    if "action" not in values or "principal" not in values:
        raise ValueError("a permission needs Action and Principal")
    values["principal"] = normalise_principal(values["principal"])
    values["invoked_via_function_url"] = _truthy(values.get("invoked_via_function_url"))
    for name in ("action", "source_arn", "source_account", "principal_org_id"):
        if name in values:
            values[name] = str(values[name])
    if "function_url_auth_type" in values:
        values["function_url_auth_type"] = str(values["function_url_auth_type"]).upper()
    return Grant(**values)


def grant_from_statement(statement: Mapping[str, Any]) -> list[Grant]:
    """The grants of one GetPolicy statement: one per action; none for a Deny, a statement
    with NotAction/NotPrincipal, or one without a principal."""
    if str(statement.get("Effect", "Allow")) != "Allow":
        return []
    if "NotAction" in statement or "NotPrincipal" in statement or "Principal" not in statement:
        return []
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    values: dict[str, Any] = {"principal": normalise_principal(statement["Principal"])}
    other: dict[str, dict[str, Any]] = {}
    for operator, entries in (statement.get("Condition") or {}).items():
        for key, value in (entries or {}).items():
            known = _CONDITION_FIELDS.get(str(key).lower())
            single = value[0] if isinstance(value, list) and len(value) == 1 else value
            if known and str(operator).lower() in known[1] and not isinstance(single, list):
                values[known[0]] = single
            else:
                other.setdefault(str(operator), {})[str(key)] = value
    # moto keeps these AddPermission fields as they were sent
    for key in ("FunctionUrlAuthType", "InvokedViaFunctionUrl", "EventSourceToken"):
        if key in statement and _PARAMS[key] not in values:
            values[_PARAMS[key]] = statement[key]
    values["invoked_via_function_url"] = _truthy(values.get("invoked_via_function_url"))
    if values.get("function_url_auth_type"):
        values["function_url_auth_type"] = str(values["function_url_auth_type"]).upper()
    for name in ("source_arn", "source_account", "principal_org_id", "event_source_token"):
        if values.get(name) is not None:
            values[name] = str(values[name])
    extra = json.dumps(other, sort_keys=True) if other else ""
    return [
        Grant(action=str(action), other_conditions=extra, **values) for action in actions if action
    ]


def permission_params(grant: Grant) -> dict[str, Any]:
    """The AddPermission parameters (without FunctionName, StatementId, Qualifier) that create
    ``grant`` — only defined for grants AddPermission can express (no ``other_conditions``)."""
    out: dict[str, Any] = {"Action": grant.action, "Principal": grant.principal}
    for key, name in _PARAMS.items():
        if key in ("Action", "Principal"):
            continue
        value = getattr(grant, name)
        if value not in (None, False, ""):
            out[key] = value
    return out


def new_statement_id(grant: Grant) -> str:
    """The statement id lambherd gives a grant it adds: the prefix and a hash of the grant
    (the same grant always gets the same id, within Lambda's 100-character limit)."""
    text = json.dumps(permission_params(grant), sort_keys=True)
    return SID_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:16]


def is_owned(statement_id: str) -> bool:
    """True for statements lambherd or lambroll created (the only ones ever removed)."""
    return statement_id.startswith(OWNED_SID_PREFIXES)


def match_grants(
    wanted: Mapping[str, Grant],
    statements: Iterable[Mapping[str, Any]],
    scope: Callable[[Grant], bool] = lambda grant: True,
) -> GrantMatch:
    """Match ``wanted`` (key -> grant) with a policy's ``statements`` (see the module
    docstring). ``scope`` says which grants the calling concern manages: an owned statement
    outside it (another concern's) is never stale here."""
    found: dict[Grant, list[str]] = {}
    owned_in_scope: list[str] = []
    for statement in statements:
        sid = str(statement.get("Sid", ""))
        grants = grant_from_statement(statement)
        for grant in grants:
            found.setdefault(grant, []).append(sid)
        if is_owned(sid) and any(scope(g) for g in grants) and sid not in owned_in_scope:
            owned_in_scope.append(sid)
    existing: dict[str, str] = {}
    missing: list[str] = []
    kept: set[str] = set()
    for key, grant in wanted.items():
        sids = found.get(grant, [])
        if not sids:
            missing.append(key)
            continue
        # someone else's statement first: it cannot be removed, so an owned twin is the extra
        keep = sorted(sids, key=lambda sid: (is_owned(sid), sid))[0]
        existing[key] = keep
        kept.add(keep)
    stale = tuple(sid for sid in owned_in_scope if sid not in kept)
    return GrantMatch(existing=existing, missing=tuple(missing), stale=stale)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


# -- permissions.json (the permissions concern) ---------------------------------------------------
def is_invoke_statement(statement: Mapping[str, Any]) -> bool:
    """True for a statement allowing something other than a function URL's invocation:
    permissions.json's kind (a URL grant is function_url.json's)."""
    grants = grant_from_statement(statement)
    return bool(grants) and not any(g.for_function_url for g in grants)


def statement_qualifier(statement: Mapping[str, Any]) -> str | None:
    """The alias or version a statement's Resource names (None: the function itself)."""
    resource = statement.get("Resource")
    if not isinstance(resource, str):
        return None
    parts = resource.split(":")
    if len(parts) >= 8 and parts[7] != "$LATEST":
        return parts[7]
    return None


@dataclass(frozen=True)
class Reconciled:
    """What to change: Sids to remove, then (Sid, params) to add. ``kept`` maps each wanted
    entry's index to the Sid of the statement that already allows it."""

    remove: tuple[str, ...] = ()
    add: tuple[tuple[str, dict[str, Any]], ...] = ()
    kept: tuple[tuple[int, str], ...] = ()


def reconcile(
    wanted: Iterable[tuple[dict[str, Any], str | None]],
    statements: Iterable[Mapping[str, Any]],
    scope: Callable[[Grant], bool] = lambda grant: True,
) -> Reconciled:
    """``match_grants`` for entries that may name their own Sid: ``wanted`` is AddPermission
    params each with its chosen Sid (or None: ``new_statement_id``). Entries allowing the same
    are added once; a chosen Sid already used by a statement that stays is refused (DeployError)."""
    statements = list(statements)
    grants: dict[str, Grant] = {}
    chosen: dict[str, tuple[dict[str, Any], str | None]] = {}
    for i, (params, sid) in enumerate(wanted):
        grant = grant_from_permission(params)
        if grant in grants.values():
            continue
        grants[str(i)] = grant
        chosen[str(i)] = (params, sid)
    match = match_grants(grants, statements, scope)
    add = tuple(
        (chosen[key][1] or new_statement_id(grants[key]), dict(chosen[key][0]))
        for key in match.missing
    )
    taken = {str(s.get("Sid", "")) for s in statements} - set(match.stale)
    clashes = [sid for sid, _ in add if sid in taken]
    if clashes:
        raise DeployError(
            f"statement id {clashes[0]} is already used by a statement allowing something else",
            hint="leave StatementId out (lambherd names the statements it adds) or pick another",
        )
    kept = tuple(sorted((int(key), sid) for key, sid in match.existing.items()))
    return Reconciled(remove=match.stale, add=add, kept=kept)
