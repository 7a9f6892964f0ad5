"""The versions concern: publish when something changed, and decide which version the alias
serves and which old versions go.

The concern itself plans only the PublishVersion; what it decided about the alias (the target
version, the all-at-once move, the versions to prune once the alias has moved) is left in
``ctx.decided["versions"]`` (a ``VersionsDecision``) for the rollout concern, which moves the
alias — all at once, or in steps — and then prunes. Concerns planned between the two (e.g.
provisioned concurrency on the new version) land after the publish and before any traffic moves.
``plan_versions`` gives the whole sequence at once, as a deploy all at once runs it.

``prune_versions`` and ``point_alias`` are shared with ``versions --delete`` and ``rollback``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.function_planner import FunctionChanges, config_differences
from lambherd.plan.remote import RemoteState, alias_weights, aliased_versions
from lambherd.plan.steps import (
    LATEST,
    PUBLISHED,
    CreateAlias,
    DeleteVersion,
    MoveAlias,
    Plan,
    PublishVersion,
    Step,
)
from lambherd.settings import DeploySettings


@dataclass(frozen=True)
class DeleteAlias(Step):
    """DeleteAlias of one alias (tune's temporary ones; the versions it served stay)."""

    name: str

    def describe(self) -> str:
        return f"DeleteAlias {self.name}"

    def labels(self) -> tuple[str, ...]:
        return (f"alias {self.name}",)


def alias_target_matches(
    desired: dict[str, Any] | None, code_sha256: str | None, remote: RemoteState
) -> bool:
    """True when the alias points at a published version equal to ``desired`` and the code.

    This makes an interrupted deploy converge: code uploaded but never published still differs
    from what the alias serves. ``desired`` None compares the code only.
    """
    if remote.alias is None:
        return False
    target = remote.version(str(remote.alias.get("FunctionVersion")))
    if target is None:
        return False
    if code_sha256 is not None and target.get("CodeSha256") != code_sha256:
        return False
    return desired is None or not config_differences(desired, target)


def matching_version(
    desired: dict[str, Any] | None, code_sha256: str | None, remote: RemoteState
) -> str | None:
    """The newest published version equal to ``desired`` and the code, if any."""
    if code_sha256 is None:
        return None
    for number in sorted(remote.published_numbers(), reverse=True):
        version = remote.version(str(number)) or {}
        if version.get("CodeSha256") != code_sha256:
            continue
        if desired is None or not config_differences(desired, version):
            return str(number)
    return None


@dataclass(frozen=True)
class VersionsDecision:
    """What the versions concern decided about the deploy's alias.

    ``target``: the version the alias is to serve (a number, ``PUBLISHED`` or ``$LATEST``; None
    when it stays as it is); ``alias_steps``: the CreateAlias / MoveAlias that moves it there all
    at once; ``prune``: the DeleteVersion steps to run once it serves ``target``.
    """

    alias: str
    target: str | None = None
    alias_steps: tuple[Step, ...] = ()
    prune: tuple[Step, ...] = ()


def decide_versions(
    desired: dict[str, Any],
    remote: RemoteState,
    options: DeploySettings,
    *,
    function_changed: bool,
    code_sha256: str | None,
    compare_config: bool = True,
) -> tuple[tuple[Step, ...], VersionsDecision]:
    """The PublishVersion step (if any) and the decision about the alias."""
    if options.alias_to_latest:
        moves = tuple(point_alias(remote, options.alias, LATEST))
        return (), VersionsDecision(options.alias, LATEST if moves else None, moves)
    if not options.publish:
        return (), VersionsDecision(options.alias)
    compared = desired if compare_config else None
    needs_publish = function_changed or not alias_target_matches(compared, code_sha256, remote)
    if not needs_publish:
        return (), VersionsDecision(options.alias)
    if not function_changed:
        existing = matching_version(compared, code_sha256, remote)
        if existing is not None:  # e.g. after a rollback: serve that version again
            moves = tuple(point_alias(remote, options.alias, existing))
            return (), VersionsDecision(options.alias, existing if moves else None, moves)
    prune: tuple[Step, ...] = ()
    if options.keep_versions is not None:
        protected = aliased_versions([a for a in remote.aliases if a.get("Name") != options.alias])
        prune = tuple(prune_versions(remote, options.keep_versions, protected, publishing=True))
    moves = tuple(point_alias(remote, options.alias, PUBLISHED))
    return (PublishVersion(),), VersionsDecision(options.alias, PUBLISHED, moves, prune)


def plan_versions(
    desired: dict[str, Any],
    remote: RemoteState,
    options: DeploySettings,
    *,
    function_changed: bool,
    code_sha256: str | None,
    compare_config: bool = True,
) -> tuple[Step, ...]:
    """PublishVersion / alias / DeleteVersion steps, after the function's own steps, as a
    deploy all at once runs them."""
    publish, decision = decide_versions(
        desired,
        remote,
        options,
        function_changed=function_changed,
        code_sha256=code_sha256,
        compare_config=compare_config,
    )
    return (*publish, *decision.alias_steps, *decision.prune)


def point_alias(remote: RemoteState, name: str, version: str) -> list[Step]:
    """CreateAlias, or MoveAlias clearing any routing weights; nothing when it already serves
    ``version`` alone. ``remote.alias`` is the alias ``name`` as read."""
    if remote.alias is None:
        return [CreateAlias(name=name, version=version)]
    current = str(remote.alias.get("FunctionVersion"))
    weights = alias_weights(remote.alias)
    if current == version and not weights:
        return []
    return [
        MoveAlias(
            name=name,
            version=version,
            from_version=current,
            revision_id=remote.alias.get("RevisionId"),
            clear_routing=bool(weights),
        )
    ]


def prune_versions(
    remote: RemoteState, keep: int, protected: set[str], *, publishing: bool = False
) -> list[DeleteVersion]:
    """DeleteVersion steps keeping the newest ``keep`` versions and every protected one.

    With ``publishing`` the version about to be published counts as one of the ``keep``.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    numbers = sorted(remote.published_numbers(), reverse=True)
    keep_existing = keep - 1 if publishing else keep
    doomed = numbers[keep_existing:]
    return [DeleteVersion(version=str(n)) for n in sorted(doomed) if str(n) not in protected]


def plan_prune(name: str, remote: RemoteState, keep: int) -> Plan:
    """``versions --delete``: DeleteVersion steps keeping the newest ``keep`` and every aliased
    version."""
    steps = prune_versions(remote, keep, aliased_versions(remote.aliases))
    return Plan(function_name=name, steps=tuple(steps), function_arn=remote.function_arn)


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    if ctx.settings.skip_function:
        return ()
    function: FunctionChanges = ctx.decided["function"]
    code = ctx.desired.code
    code_sha = code.sha256 or ctx.remote.code_sha256
    publish, decision = decide_versions(
        ctx.desired.config,
        ctx.remote,
        ctx.settings,
        function_changed=bool(function.steps),
        code_sha256=None if function.code_changed and code.sha256 is None else code_sha,
        compare_config=not ctx.settings.skip_configuration,
    )
    ctx.decided["versions"] = decision  # the rollout concern moves the alias, then prunes
    return publish


CONCERN = Concern("versions", _plan)
