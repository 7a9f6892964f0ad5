"""Resource-policy statements matched by what they allow, not by their Sid (pure).

A statement in GetPolicy's document and an AddPermission input that would make it are reduced
to one comparable ``Grant``: the action, the principal (``s3.amazonaws.com``; an account id is
read as its ``arn:aws:iam::ID:root``), and the conditions AddPermission can set (source ARN,
source account, organisation, event source token, the URL's auth type, invoked via the
function URL). Two statements allowing the same are the same grant whatever their Sid, so a
grant the console (``FunctionURLAllowPublicAccess``) or another tool made is kept with its Sid,
never added a second time, and only statements whose Sid lambherd made (``lambherd-``) are ever
removed. Shared by the permissions concern (permissions.json) and the URL concern's grants.

``reconcile`` is the one decision: given the wanted grants and the statements there, which
statements to remove and which grants to add (with a stable Sid).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lambherd.errors import DeployError

SID_PREFIX = "lambherd-"
_ACCOUNT = re.compile(r"^\d{12}$")

#: AddPermission parameter -> (condition operator, condition key) in the policy document.
CONDITIONS = {
    "SourceArn": ("ArnLike", "aws:sourcearn"),
    "SourceAccount": ("StringEquals", "aws:sourceaccount"),
    "PrincipalOrgID": ("StringEquals", "aws:principalorgid"),
    "EventSourceToken": ("StringEquals", "lambda:eventsourcetoken"),
    "FunctionUrlAuthType": ("StringEquals", "lambda:functionurlauthtype"),
    "InvokedViaFunctionUrl": ("Bool", "lambda:invokedviafunctionurl"),
}
_BY_KEY = {key: param for param, (_op, key) in CONDITIONS.items()}


@dataclass(frozen=True)
class Grant:
    """What one statement allows: action, principal and its conditions (sorted pairs)."""

    action: str
    principal: str
    conditions: tuple[tuple[str, str], ...] = ()

    @property
    def is_url_grant(self) -> bool:
        """True for a function URL grant (``InvokeFunctionUrl``, or ``InvokeFunction`` only via
        the URL): the URL concern's, never permissions.json's."""
        if self.action.lower() == "lambda:invokefunctionurl":
            return True
        return dict(self.conditions).get("InvokedViaFunctionUrl") == "true"

    @property
    def is_invoke_grant(self) -> bool:
        """True for a grant naming an action that is not a function URL one: permissions.json's
        kind. (A statement without an action is neither's: the URL concern keeps its old rule.)"""
        return bool(self.action) and not self.is_url_grant


def principal_text(principal: Any) -> str:
    """A principal in one form: ``*``, a service name, or an ARN (an account id as its root)."""
    if isinstance(principal, dict):
        for key in ("Service", "AWS", "Federated", "CanonicalUser"):
            if key in principal:
                value = principal[key]
                value = value[0] if isinstance(value, list) and len(value) == 1 else value
                return principal_text(value)
        return json.dumps(principal, sort_keys=True)
    text = str(principal)
    if _ACCOUNT.match(text):
        return f"arn:aws:iam::{text}:root"
    return text


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and len(value) == 1:
        return _value(value[0])
    return str(value).lower() if str(value).lower() in ("true", "false") else str(value)


def grant_of_params(params: Mapping[str, Any]) -> Grant:
    """The grant an AddPermission input makes."""
    conditions = [(param, _value(params[param])) for param in CONDITIONS if params.get(param)]
    return Grant(
        action=str(params.get("Action", "")),
        principal=principal_text(params.get("Principal", "")),
        conditions=tuple(sorted(conditions)),
    )


def grant_of_statement(statement: Mapping[str, Any]) -> Grant:
    """The grant a policy statement makes (as Lambda reports it, or as moto does)."""
    action = statement.get("Action", "")
    if isinstance(action, list) and len(action) == 1:
        action = action[0]
    conditions: dict[str, str] = {}
    for block in (statement.get("Condition") or {}).values():
        for key, value in (block or {}).items():
            param = _BY_KEY.get(str(key).lower())
            if param is not None:
                conditions[param] = _value(value)
    for param in CONDITIONS:  # moto keeps some AddPermission parameters as they were sent
        if param in statement and statement[param] not in (None, ""):
            conditions.setdefault(param, _value(statement[param]))
    return Grant(
        action=str(action),
        principal=principal_text(statement.get("Principal", "")),
        conditions=tuple(sorted(conditions.items())),
    )


def statement_id(params: Mapping[str, Any], prefix: str = SID_PREFIX) -> str:
    """A stable Sid for a grant lambherd adds: the prefix and a hash of what it allows."""
    grant = grant_of_params(params)
    text = json.dumps([grant.action, grant.principal, grant.conditions], sort_keys=True)
    return prefix + hashlib.sha256(text.encode()).hexdigest()[:16]


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
    """What to change: Sids to remove (lambherd's, no longer wanted), then (Sid, params) to add.
    ``kept`` maps each wanted grant's index to the Sid of the statement that already allows it."""

    remove: tuple[str, ...] = ()
    add: tuple[tuple[str, dict[str, Any]], ...] = ()
    kept: tuple[tuple[int, str], ...] = ()


def reconcile(
    wanted: Iterable[tuple[dict[str, Any], str | None]],
    statements: Iterable[Mapping[str, Any]],
    *,
    mine: Callable[[Grant], bool] = lambda _g: True,
    prefix: str = SID_PREFIX,
) -> Reconciled:
    """Turn ``statements`` into ``wanted`` (AddPermission params, each with its chosen Sid or
    None), touching only statements of grants ``mine`` accepts.

    A wanted grant already allowed by a statement keeps that statement (whatever its Sid); one
    that is not is added, under its chosen Sid or ``statement_id``. Among the statements of
    ``mine``'s grants, those no wanted grant kept and whose Sid starts with ``prefix`` are
    removed; any other statement is left alone. Two wanted entries allowing the same are
    added once.
    """
    present = [(str(s.get("Sid", "")), grant_of_statement(s)) for s in statements]
    used: set[str] = set()
    add: list[tuple[str, dict[str, Any]]] = []
    kept: list[tuple[int, str]] = []
    seen: set[Grant] = set()
    for i, (params, sid) in enumerate(wanted):
        grant = grant_of_params(params)
        if grant in seen:
            continue
        seen.add(grant)
        match = next((s for s, g in present if g == grant and s not in used), None)
        if match is not None:
            used.add(match)
            kept.append((i, match))
            continue
        add.append((sid or statement_id(params, prefix), dict(params)))
    remove = tuple(
        sorted(
            sid
            for sid, grant in present
            if sid not in used and sid.startswith(prefix) and mine(grant)
        )
    )
    taken = {sid for sid, _ in present if sid not in remove}
    clashes = [sid for sid, _ in add if sid in taken]
    if clashes:
        raise DeployError(
            f"statement id {clashes[0]} is already used by a statement allowing something else",
            hint="leave StatementId out (lambherd names the statements it adds) or pick another",
        )
    return Reconciled(remove=remove, add=tuple(add), kept=tuple(kept))
