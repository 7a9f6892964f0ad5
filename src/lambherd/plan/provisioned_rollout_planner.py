"""Provisioned concurrency follows a staged rollout's traffic (issue #15 with #14).

An all-at-once move of an alias with provisioned concurrency is Lambda's own business (it
allocates on the new version before routing there; ``concurrency_planner`` waits for it). A
canary or linear rollout routes a share of the alias's traffic to the new version while the
alias's configuration still sits on the old one, so the new version would serve that share
cold. When concurrency.json gives the deploy alias ``N`` and the deploy stages, this concern
(between the versions and rollout concerns, so its steps land after the publish and before the
first shift) plans:

    PublishVersion
    PutProvisionedConcurrency <new version>: N     version-qualified
    WaitProvisionedConcurrency <new version>       READY; FAILED stops the rollout, nothing moved
    ShiftTraffic / BakeTraffic ...                 the rollout concern's
    WaitProvisionedConcurrency <alias>             (after the last shift) Lambda's move of the
                                                   alias's configuration onto the new version
    DeleteProvisionedConcurrency <new version>     the alias's configuration covers it now
    DeleteVersion ...

A rollback during the run (a gate, a post-traffic test, ``--fail-fast``) releases the
version's configuration too (the put step asks the rollout's handlers to, see
``ON_ROLLBACK``). Nothing is planned with ``--no-wait``, for a deploy that continues a split of
ours, or when the file leaves the alias's provisioned concurrency alone.

A split left by Ctrl-C (``--on-interrupt leave``) keeps the version's configuration: the version
serves its share. What ends that split later also ends the configuration
(``release_after_split``): ``rollout resume`` (after the last shift, once Lambda has moved the
alias's configuration; also when a gate rolls the resumed rollout back), ``rollout abort`` and
the abort after a Ctrl-C (after the alias is back on the old version alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lambherd.concurrency.model import Autoscaling, read_concurrency
from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.concurrency_planner import (
    SIDECAR,
    ConcurrencyRemote,
    DeleteProvisionedConcurrency,
    ProvisionedConfig,
    PutProvisionedConcurrency,
    WaitProvisionedConcurrency,
)
from lambherd.plan.rollout_planner import AFTER_TRAFFIC, continues, stages
from lambherd.plan.steps import Step
from lambherd.rollout.marker import RolloutMarker


@dataclass(frozen=True)
class ReleaseOnRollback(Step):
    """No call: if the rollout this plan takes up rolls back, the version-level provisioned
    concurrency a staged deploy put on ``qualifier`` is removed with it."""

    qualifier: str
    for_rollout: str

    def describe(self) -> str:
        return (
            f"ReleaseOnRollback version {self.qualifier}: its provisioned concurrency goes if "
            f"alias {self.for_rollout}'s rollout rolls back"
        )

    def labels(self) -> tuple[str, ...]:
        return (f"provisioned concurrency {self.qualifier}",)


def _count(ctx: PlanContext, alias: str) -> int | None:
    """The alias's provisioned concurrency under the file (with autoscaling: what it has)."""
    doc = ctx.desired.sidecars.get(SIDECAR)
    if doc is None:
        return None
    problems: list[str] = []
    config = read_concurrency(doc, problems)
    if problems:  # the definition's validation reports them
        return None
    value = config.provisioned.get(alias)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    have = (ctx.remote.part(ConcurrencyRemote) or ConcurrencyRemote()).provisioned.get(alias)
    if isinstance(config.autoscaling.get(alias), Autoscaling) and have is not None:
        return have.requested or None
    return None


def _plan(ctx: PlanContext) -> list[Step]:
    decision = ctx.decided.get("versions")
    alias = ctx.settings.alias
    if ctx.settings.skip_function or ctx.settings.no_wait:
        return []
    live = ctx.remote.alias
    if not stages(live, decision, ctx.settings) or continues(live, decision):
        return []
    count = _count(ctx, alias)
    if count is None:
        return []
    version = decision.target
    have = (ctx.remote.part(ConcurrencyRemote) or ConcurrencyRemote()).provisioned.get(alias)
    current = str((ctx.remote.alias or {}).get("FunctionVersion"))
    after = _after_last_shift(alias, have, current, version, count)
    ctx.decided.setdefault(AFTER_TRAFFIC, []).extend(after)
    return [
        PutProvisionedConcurrency(version, count, for_rollout=alias),
        WaitProvisionedConcurrency(version, count, for_rollout=alias),
    ]


def release_after_split(
    marker: RolloutMarker,
    alias: str,
    provisioned: Mapping[str, ProvisionedConfig],
    *,
    finishing: bool,
) -> tuple[tuple[Step, ...], tuple[Step, ...]]:
    """(before, after): the steps that end the version-level configuration a staged deploy put
    on the split's new version, around the steps that end the split. ``finishing``: the split
    ends on the new version (``rollout resume``), else on the old one (an abort)."""
    version = marker.to_version
    config = provisioned.get(version)
    if config is None:
        return (), ()
    if not finishing:  # the alias is back on the old version: nothing moves
        return (), (DeleteProvisionedConcurrency(version, config.requested),)
    have = provisioned.get(alias)
    after = _after_last_shift(alias, have, marker.from_version, version, config.requested)
    return (ReleaseOnRollback(version, alias),), tuple(after)


def _after_last_shift(
    alias: str, have: ProvisionedConfig | None, old: str, new: str, count: int
) -> list[Step]:
    """After the last shift to ``new``: wait for Lambda's move of the alias's configuration
    (when it has one), then delete the version-level one of ``count``."""
    steps: list[Step] = []
    if have is not None:  # Lambda moves the alias's configuration with the last shift
        steps.append(
            WaitProvisionedConcurrency(alias, have.requested, moving_from=old, moving_to=new)
        )
    steps.append(DeleteProvisionedConcurrency(new, count))
    return steps


CONCERN = Concern("provisioned rollout", _plan)
