"""Handlers of the versions concern: PublishVersion, CreateAlias, MoveAlias, DeleteAlias,
DeleteVersion."""

from __future__ import annotations

from typing import Any

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.plan.steps import LATEST, CreateAlias, DeleteVersion, MoveAlias, PublishVersion
from lambherd.plan.version_planner import DeleteAlias


@handles(PublishVersion)
def publish(run: StepRun, step: PublishVersion) -> tuple[str, int]:
    params: dict[str, Any] = {"FunctionName": run.name, **run.revision()}
    if run.code_sha256:
        params["CodeSha256"] = run.code_sha256
    if step.description:
        params["Description"] = step.description
    resp = run.call(
        f"publish a version of {run.name}",
        "publish_version",
        applied=lambda: _published(run),
        **params,
    )
    run.version = str(resp["Version"])
    run.wait_version(run.version)
    return f"version {run.version}", 0


@handles(CreateAlias)
def create_alias(run: StepRun, step: CreateAlias) -> tuple[str, int]:
    target = run.target(step.version)
    run.call(
        f"create alias {step.name}",
        "create_alias",
        applied=lambda: _alias_at(run, step.name, target),
        FunctionName=run.name,
        Name=step.name,
        FunctionVersion=target,
    )
    return f"now {target}", 0


@handles(MoveAlias)
def move_alias(run: StepRun, step: MoveAlias) -> tuple[str, int]:
    target = run.target(step.version)
    params: dict[str, Any] = {
        "FunctionName": run.name,
        "Name": step.name,
        "FunctionVersion": target,
    }
    if step.revision_id:
        params["RevisionId"] = step.revision_id
    if step.clear_routing:
        params["RoutingConfig"] = {"AdditionalVersionWeights": {}}
    run.call(
        f"move alias {step.name}",
        "update_alias",
        applied=lambda: _alias_at(run, step.name, target),
        **params,
    )
    return f"now {target}", 0


@handles(DeleteAlias)
def delete_alias(run: StepRun, step: DeleteAlias) -> tuple[str, int]:
    run.call(
        f"delete alias {step.name}",
        "delete_alias",
        applied=lambda: {} if run.gone(step.name) else None,  # a lost answer: already gone
        FunctionName=run.name,
        Name=step.name,
    )
    return "deleted", 0


@handles(DeleteVersion)
def delete_version(run: StepRun, step: DeleteVersion) -> tuple[str, int]:
    if step.version in (run.version, LATEST):
        return f"kept {step.version} (just published)", 0
    run.call(
        f"delete version {step.version}",
        "delete_function",
        applied=lambda: {} if run.gone(step.version) else None,
        FunctionName=run.name,
        Qualifier=step.version,
    )
    return f"deleted {step.version}", 0


def _published(run: StepRun) -> dict[str, Any] | None:
    """The newest version with $LATEST's code and the plan's configuration (else $LATEST's),
    when the publish was refused because it (or a racing twin) already happened."""
    from lambherd.definition.normalize import definition_from_remote
    from lambherd.plan.function_planner import config_differences

    latest = run.read_configuration()
    code = run.code_sha256 or latest.get("CodeSha256")
    wanted = run.desired_config or definition_from_remote(latest)
    found: list[dict[str, Any]] = []
    marker: dict[str, Any] = {}
    while True:
        page = run.call(
            f"list versions of {run.name}",
            "list_versions_by_function",
            FunctionName=run.name,
            **marker,
        )
        found.extend(v for v in page.get("Versions", []) if str(v.get("Version")).isdigit())
        if not page.get("NextMarker"):
            break
        marker = {"Marker": page["NextMarker"]}
    for version in sorted(found, key=lambda v: int(v["Version"]), reverse=True):
        if version.get("CodeSha256") == code and not config_differences(wanted, version):
            return version
    return None


def _alias_at(run: StepRun, name: str, target: str) -> dict[str, Any] | None:
    """The alias, when it already serves ``target`` alone."""
    from lambherd.errors import NotFoundError

    try:
        alias = run.call(f"read alias {name}", "get_alias", FunctionName=run.name, Name=name)
    except NotFoundError:
        return None
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return alias if str(alias.get("FunctionVersion")) == target and not weights else None
