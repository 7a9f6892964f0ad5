"""Handlers of the concurrency concern: Lambda's reserved and provisioned concurrency calls,
Application Auto Scaling's target, scheduled action and policy calls, and the wait for a
provisioned allocation to be READY (progress events while it allocates)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.concurrency.model import SCALABLE_DIMENSION, SERVICE_NAMESPACE
from lambherd.defaults import (
    PROVISIONED_POLL_FIRST_S,
    PROVISIONED_POLL_MAX_S,
    PROVISIONED_WAIT_S,
)
from lambherd.errors import DeployError, LambherdError
from lambherd.plan.concurrency_planner import (
    DeleteProvisionedConcurrency,
    DeleteReservedConcurrency,
    DeleteScalingPolicy,
    DeleteScheduledAction,
    DeregisterScalableTarget,
    PutProvisionedConcurrency,
    PutReservedConcurrency,
    PutScalingPolicy,
    PutScheduledAction,
    RegisterScalableTarget,
    WaitProvisionedConcurrency,
)
from lambherd.plan.provisioned_rollout_planner import ReleaseOnRollback
from lambherd.plan.rollout_planner import ON_ROLLBACK

AAS = "application-autoscaling"


@handles(PutReservedConcurrency)
def put_reserved(run: StepRun, step: PutReservedConcurrency) -> tuple[str, int]:
    run.call(
        f"set reserved concurrency of {run.name} to {step.count}",
        "put_function_concurrency",
        FunctionName=run.name,
        ReservedConcurrentExecutions=step.count,
    )
    return f"reserved {step.count}", 0


@handles(DeleteReservedConcurrency)
def delete_reserved(run: StepRun, step: DeleteReservedConcurrency) -> tuple[str, int]:
    run.call(
        f"remove reserved concurrency of {run.name}",
        "delete_function_concurrency",
        FunctionName=run.name,
    )
    return "unreserved", 0


@handles(PutProvisionedConcurrency)
def put_provisioned(run: StepRun, step: PutProvisionedConcurrency) -> tuple[str, int]:
    qualifier = run.target(step.qualifier)
    resp = run.call(
        f"set provisioned concurrency of {run.name}:{qualifier} to {step.count}",
        "put_provisioned_concurrency_config",
        FunctionName=run.name,
        Qualifier=qualifier,
        ProvisionedConcurrentExecutions=step.count,
    )
    if step.for_rollout is not None:  # a rollback of that rollout releases it
        run.state.setdefault(ON_ROLLBACK, []).append(lambda run: _release(run, qualifier))
    return f"requested {step.count} on {qualifier} ({resp.get('Status', 'IN_PROGRESS')})", 0


def _release(run: StepRun, qualifier: str) -> None:
    run.call(
        f"remove provisioned concurrency of {run.name}:{qualifier}",
        "delete_provisioned_concurrency_config",
        FunctionName=run.name,
        Qualifier=qualifier,
    )


@handles(ReleaseOnRollback)
def release_on_rollback(run: StepRun, step: ReleaseOnRollback) -> tuple[str, int]:
    qualifier = step.qualifier
    run.state.setdefault(ON_ROLLBACK, []).append(lambda run: _release(run, qualifier))
    return f"released with a rollback of {step.for_rollout}", 0


@handles(DeleteProvisionedConcurrency)
def delete_provisioned(run: StepRun, step: DeleteProvisionedConcurrency) -> tuple[str, int]:
    _release(run, run.target(step.qualifier))
    return "released", 0


@handles(WaitProvisionedConcurrency)
def wait_provisioned(run: StepRun, step: WaitProvisionedConcurrency) -> tuple[str, int]:
    qualifier = run.target(step.qualifier)
    where = f"{run.name}:{qualifier}"
    deadline = time.monotonic() + PROVISIONED_WAIT_S
    delay = PROVISIONED_POLL_FIRST_S
    said = ""
    while True:
        config = run.call(
            f"read provisioned concurrency of {where}",
            "get_provisioned_concurrency_config",
            FunctionName=run.name,
            Qualifier=qualifier,
        )
        status = str(config.get("Status") or "READY")
        requested = config.get("RequestedProvisionedConcurrentExecutions")
        allocated = config.get("AllocatedProvisionedConcurrentExecutions") or 0
        weights: dict[str, Any] = {}
        if step.moving_from is not None:
            alias = run.call(
                f"read alias {step.qualifier}",
                "get_alias",
                FunctionName=run.name,
                Name=step.qualifier,
            )
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if status == "FAILED":
            _failed(run, step, str(config.get("StatusReason") or "no reason given"))
        if status == "READY" and not weights:
            available = config.get("AvailableProvisionedConcurrentExecutions")
            if step.for_rollout is not None:
                at = datetime.fromtimestamp(run.now(), UTC).isoformat(timespec="milliseconds")
                run.timeline.append(
                    {"at": at, "function": run.name, "event": "provisioned"}
                    | {"qualifier": qualifier, "status": status, "available": available}
                )
            return f"{available}/{requested} READY", 0
        text = f"{qualifier}: {allocated}/{requested} allocated ({status})"
        if weights:
            serving = ", ".join(f"version {v}" for v in sorted(weights))
            text += f", {serving} serving meanwhile"
        if text != said:
            run.progress(step, text)
            said = text
        if time.monotonic() >= deadline:
            raise DeployError(
                f"{where}: provisioned concurrency still {status} ({allocated}/{requested}) "
                f"after {PROVISIONED_WAIT_S:.0f}s",
                hint="see `lambherd concurrency`; run the deploy again to go on waiting",
            )
        if run.wait(delay):  # the run was asked to stop (Ctrl-C...)
            raise DeployError(
                f"{where}: stopped while provisioned concurrency is {status} "
                f"({allocated}/{requested}): {run.stop.reason if run.stop else 'stopped'}",
                hint="see `lambherd concurrency`; run the deploy again to go on waiting",
            )
        delay = min(delay * 2, PROVISIONED_POLL_MAX_S)


def _failed(run: StepRun, step: WaitProvisionedConcurrency, reason: str) -> None:
    qualifier = run.target(step.qualifier)
    where = f"{run.name}:{qualifier}"
    message = f"{where}: provisioned concurrency FAILED: {reason}"
    if step.for_rollout is not None:
        run.state.pop(ON_ROLLBACK, None)
        note = ""
        try:  # nothing moved: the failed configuration goes, the version is kept
            _release(run, qualifier)
        except LambherdError as exc:
            note = f" (its configuration could not be removed: {exc.message})"
        raise DeployError(
            f"{message}; the rollout stopped before any traffic moved (alias "
            f"{step.for_rollout} unchanged, version {qualifier} kept){note}",
            hint="fix the new version's initialisation (see its logs), then deploy again",
        )
    if step.moving_from is None:
        raise DeployError(message, hint="fix the function's initialisation, then deploy again")
    try:  # the alias goes back where it was: its old version's environments still serve
        run.call(
            f"move alias {step.qualifier} back to {step.moving_from}",
            "update_alias",
            FunctionName=run.name,
            Name=step.qualifier,
            FunctionVersion=step.moving_from,
            RoutingConfig={"AdditionalVersionWeights": {}},
        )
    except LambherdError as exc:
        raise DeployError(
            f"{message}; and putting alias {step.qualifier} back failed: {exc.message}"
        ) from exc
    raise DeployError(
        f"{message}; alias {step.qualifier} left on version {step.moving_from}",
        hint="fix the new version's initialisation (see its logs), then deploy again",
    )


def _target(step: Any) -> dict[str, Any]:
    return {
        "ServiceNamespace": SERVICE_NAMESPACE,
        "ResourceId": step.resource_id,
        "ScalableDimension": SCALABLE_DIMENSION,
    }


@handles(RegisterScalableTarget)
def register_target(run: StepRun, step: RegisterScalableTarget) -> tuple[str, int]:
    run.call(
        f"register scalable target {step.resource_id}",
        "register_scalable_target",
        service=AAS,
        **_target(step),
        MinCapacity=step.min_capacity,
        MaxCapacity=step.max_capacity,
    )
    return f"{step.min_capacity}-{step.max_capacity}", 0


@handles(DeregisterScalableTarget)
def deregister_target(run: StepRun, step: DeregisterScalableTarget) -> tuple[str, int]:
    run.call(
        f"deregister scalable target {step.resource_id}",
        "deregister_scalable_target",
        service=AAS,
        **_target(step),
    )
    return "deregistered", 0


@handles(PutScheduledAction)
def put_scheduled(run: StepRun, step: PutScheduledAction) -> tuple[str, int]:
    assert step.action is not None
    run.call(
        f"put scheduled action {step.action.name} of {step.resource_id}",
        "put_scheduled_action",
        service=AAS,
        **_target(step),
        **step.action.api_params(),
    )
    return step.action.schedule, 0


@handles(DeleteScheduledAction)
def delete_scheduled(run: StepRun, step: DeleteScheduledAction) -> tuple[str, int]:
    run.call(
        f"delete scheduled action {step.name} of {step.resource_id}",
        "delete_scheduled_action",
        service=AAS,
        **_target(step),
        ScheduledActionName=step.name,
    )
    return "deleted", 0


@handles(PutScalingPolicy)
def put_policy(run: StepRun, step: PutScalingPolicy) -> tuple[str, int]:
    assert step.policy is not None
    resp = run.call(
        f"put scaling policy {step.policy.policy_name} of {step.resource_id}",
        "put_scaling_policy",
        service=AAS,
        **_target(step),
        PolicyName=step.policy.policy_name,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=step.policy.api_config(),
    )
    return str(resp.get("PolicyARN", "")), 0


@handles(DeleteScalingPolicy)
def delete_policy(run: StepRun, step: DeleteScalingPolicy) -> tuple[str, int]:
    run.call(
        f"delete scaling policy {step.policy_name} of {step.resource_id}",
        "delete_scaling_policy",
        service=AAS,
        **_target(step),
        PolicyName=step.policy_name,
    )
    return "deleted", 0
