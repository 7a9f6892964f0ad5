"""The permissions concern: permissions.json's resource-policy statements (who may invoke the
function: S3, SNS, EventBridge, API Gateway, another account...).

Statements are matched by what they allow (``lambherd.plan.policy``), per policy (the
function's, or an alias's or version's with ``Qualifier``): a wanted grant already there is
kept under its own Sid, a missing one is added (Sid ``lambherd-<hash>`` unless the file names
one), and a statement lambherd added (Sid prefix) that the file no longer wants is removed.
Function URL grants are the URL concern's (function_url.json) and are never touched here;
statements someone else added are never removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.policy import Grant, reconcile, statement_qualifier
from lambherd.plan.steps import Step, _PermissionStep
from lambherd.triggers.files import PERMISSIONS, permissions

SIDECAR = PERMISSIONS


@dataclass(frozen=True)
class PermissionsRemote:
    """The concern's remote part: the policy statements of the function and of each alias (as
    GetPolicy reports them), keyed by qualifier (None: the function)."""

    statements: dict[str | None, tuple[dict[str, Any], ...]]


@dataclass(frozen=True)
class _PolicyStep(_PermissionStep):
    """A statement of permissions.json: guarded like the URL's grants (``_PermissionStep``)."""

    def labels(self) -> tuple[str, ...]:
        return ("permissions",)


@dataclass(frozen=True)
class GrantInvoke(_PolicyStep):
    """AddPermission of a statement permissions.json wants."""

    params: dict[str, Any]
    qualifier: str | None = None

    def describe(self) -> str:
        where = f" on {self.qualifier}" if self.qualifier else ""
        source = self.params.get("SourceArn") or self.params.get("SourceAccount")
        also = f" from {source}" if source else ""
        return (
            f"AddPermission {self.statement_id}{where}: {self.params.get('Principal')}"
            f" {self.params.get('Action')}{also}"
        )


@dataclass(frozen=True)
class RevokeInvoke(_PolicyStep):
    """RemovePermission of a statement lambherd added that permissions.json no longer wants."""

    qualifier: str | None = None

    def describe(self) -> str:
        where = f" on {self.qualifier}" if self.qualifier else ""
        return f"RemovePermission {self.statement_id}{where}"


def _not_url(grant: Grant) -> bool:
    return not grant.for_function_url


def plan_permissions(sidecar: Any, part: PermissionsRemote | None) -> tuple[Step, ...]:
    """Remove steps, then add steps, policy by policy (the function's first)."""
    statements = part.statements if part is not None else {}
    wanted: dict[str | None, list[tuple[dict[str, Any], str | None]]] = {}
    for spec in permissions(sidecar):
        wanted.setdefault(spec.qualifier, []).append((spec.params, spec.statement_id))
    qualifiers = sorted(set(wanted) | set(statements), key=lambda q: (q is not None, q or ""))
    removes: list[Step] = []
    adds: list[Step] = []
    for qualifier in qualifiers:
        present = [s for s in statements.get(qualifier, ()) if statement_qualifier(s) == qualifier]
        decided = reconcile(wanted.get(qualifier, []), present, _not_url)
        removes.extend(RevokeInvoke(sid, qualifier) for sid in decided.remove)
        adds.extend(GrantInvoke(sid, params, qualifier) for sid, params in decided.add)
    return (*removes, *adds)


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    sidecar = ctx.desired.sidecars.get(SIDECAR)
    if sidecar is None:
        return ()
    return plan_permissions(sidecar, ctx.remote.part(PermissionsRemote))


CONCERN = Concern("permissions", _plan)
