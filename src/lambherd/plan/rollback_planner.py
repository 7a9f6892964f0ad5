"""Plan a rollback: the alias moved back to an older published version (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from lambherd.defaults import DEFAULT_ALIAS
from lambherd.errors import DeployError, NotFoundError, UsageError
from lambherd.plan.remote import RemoteState, aliased_versions
from lambherd.plan.steps import DeleteVersion, Plan, Step
from lambherd.plan.version_planner import point_alias


@dataclass(frozen=True)
class RollbackOptions:
    """The ``rollback`` command's switches."""

    alias: str | None = None  # None: the function's deploy alias (``resolve_settings``)
    version: str | None = None
    delete_version: bool = False
    dry_run: bool = False


def plan_rollback(name: str, remote: RemoteState, options: RollbackOptions) -> Plan:
    """MoveAlias back (and DeleteVersion of the version left, if asked).

    Without ``options.alias``, ``current`` (the rollback service fills in the resolved one)."""
    alias = options.alias or DEFAULT_ALIAS
    if not remote.exists:
        raise NotFoundError(f"{name}: function not found")
    if remote.alias is None:
        raise NotFoundError(f"{name}: alias {alias!r} not found")
    current = str(remote.alias.get("FunctionVersion"))
    numbers = remote.published_numbers()
    if options.version is not None:
        target = str(options.version)
        if not target.isdigit() or int(target) not in numbers:
            raise NotFoundError(f"{name}: version {target} not found")
        if target == current:
            raise UsageError(f"{name}: alias {alias} already points to version {target}")
    else:
        if not current.isdigit():
            raise DeployError(f"{name}: alias {alias} points to {current}; give --version")
        older = [n for n in numbers if n < int(current)]
        if not older:
            raise DeployError(f"{name}: no published version older than {current} to roll back to")
        target = str(max(older))
    steps: list[Step] = point_alias(remote, alias, target)  # a MoveAlias: target != current
    if options.delete_version:
        others = aliased_versions([a for a in remote.aliases if a.get("Name") != alias])
        if current in others:
            raise DeployError(
                f"{name}: version {current} is still used by another alias; not deleting it"
            )
        if current.isdigit():
            steps.append(DeleteVersion(version=current))
    return Plan(
        function_name=name,
        steps=tuple(steps),
        function_arn=remote.function_arn,
        alias=alias,
    )
