"""The top-level planner: desired state + remote state -> one ``Plan`` (pure, no AWS calls)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lambherd.plan.function_planner import plan_function
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import CodeSource, Plan, Step
from lambherd.plan.tags_planner import plan_tags
from lambherd.plan.url_planner import plan_url
from lambherd.plan.version_planner import VersionOptions, plan_versions


@dataclass(frozen=True)
class DesiredState:
    """The rendered definition, its URL sidecar and where its code comes from."""

    config: dict[str, Any]
    code: CodeSource
    url_config: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """The function's name."""
        return str(self.config.get("FunctionName", ""))


@dataclass(frozen=True)
class PlanOptions:
    """Deploy switches that change what is planned."""

    versions: VersionOptions = field(default_factory=VersionOptions)
    skip_configuration: bool = False
    skip_function: bool = False
    force_code: bool = False


def plan_deploy(desired: DesiredState, remote: RemoteState, options: PlanOptions) -> Plan:
    """Every step a deploy takes, in order: function, versions/alias, URL, tags."""
    steps: list[Step] = []
    changed: tuple[str, ...] = ()
    tags = desired.config.get("Tags")
    if not options.skip_function:
        fn = plan_function(
            desired.config,
            remote,
            desired.code,
            skip_configuration=options.skip_configuration,
            force_code=options.force_code,
        )
        steps.extend(fn.steps)
        changed = fn.changed_fields
        code_sha = desired.code.sha256 or remote.code_sha256
        steps.extend(
            plan_versions(
                desired.config,
                remote,
                options.versions,
                function_changed=bool(fn.steps),
                code_sha256=None if fn.code_changed and desired.code.sha256 is None else code_sha,
                compare_config=not options.skip_configuration,
            )
        )
    if remote.exists:
        steps.extend(plan_tags(tags if isinstance(tags, dict) else None, remote.tags))
    steps.extend(plan_url(desired.url_config, remote))
    return Plan(
        function_name=desired.name,
        steps=tuple(steps),
        function_arn=remote.function_arn,
        revision_id=remote.revision_id,
        code_sha256=remote.code_sha256,
        changed_fields=changed,
        alias=options.versions.alias,
    )
