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
    resp = run.call(f"publish a version of {run.name}", "publish_version", **params)
    run.version = str(resp["Version"])
    run.wait_version(run.version)
    return f"version {run.version}", 0


@handles(CreateAlias)
def create_alias(run: StepRun, step: CreateAlias) -> tuple[str, int]:
    target = run.target(step.version)
    run.call(
        f"create alias {step.name}",
        "create_alias",
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
    run.call(f"move alias {step.name}", "update_alias", **params)
    return f"now {target}", 0


@handles(DeleteAlias)
def delete_alias(run: StepRun, step: DeleteAlias) -> tuple[str, int]:
    run.call(f"delete alias {step.name}", "delete_alias", FunctionName=run.name, Name=step.name)
    return "deleted", 0


@handles(DeleteVersion)
def delete_version(run: StepRun, step: DeleteVersion) -> tuple[str, int]:
    if step.version in (run.version, LATEST):
        return f"kept {step.version} (just published)", 0
    run.call(
        f"delete version {step.version}",
        "delete_function",
        FunctionName=run.name,
        Qualifier=step.version,
    )
    return f"deleted {step.version}", 0
