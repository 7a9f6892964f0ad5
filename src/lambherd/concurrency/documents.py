"""concurrency.json documents built from what AWS reports: the file ``init --download`` /
``import --all`` write (``document_from_remote``: the first plan after it is empty), and the two
sides ``diff`` shows (``comparable_documents``: equal exactly when the planner plans nothing)."""

from __future__ import annotations

from typing import Any

from lambherd.concurrency.model import (
    UNMANAGED,
    Autoscaling,
    ConcurrencyConfig,
    ScheduledAction,
    TargetTracking,
    as_instant,
)
from lambherd.plan.concurrency_planner import ConcurrencyRemote


def document_from_remote(remote: ConcurrencyRemote) -> dict[str, Any] | None:
    """The concurrency.json document that describes ``remote`` exactly (None: nothing to say)."""
    provisioned = {q: c.requested for q, c in sorted(remote.provisioned.items()) if c.requested}
    autoscaling: dict[str, Autoscaling | None] = {}
    for qualifier, target in sorted(remote.targets.items()):
        actions = tuple(_imported_action(a) for a in target.actions)
        tracking: Any = None
        for policy in target.policies:
            tracking = _imported_policy(policy)
            if tracking is not None:
                break
        autoscaling[qualifier] = Autoscaling(
            target.min_capacity,
            target.max_capacity,
            actions,
            tracking if tracking is not None else UNMANAGED,
        )
        if qualifier in provisioned and target.actions:
            # what autoscaling set now would read as a base the live range may not hold later
            low = target.min_capacity
            provisioned[qualifier] = max(low, min(target.max_capacity, provisioned[qualifier]))
    reserved: Any = remote.reserved
    if reserved is None:
        reserved = UNMANAGED
    config = ConcurrencyConfig(reserved, provisioned, autoscaling)
    doc = config.to_document()
    return doc or None


def _imported_action(described: dict[str, Any]) -> ScheduledAction:

    target = described.get("ScalableTargetAction") or {}
    zone = described.get("Timezone")
    return ScheduledAction(
        name=str(described["ScheduledActionName"]),
        schedule=str(described.get("Schedule", "")).strip(),
        timezone=None if zone in (None, "", "UTC", "Etc/UTC") else str(zone),
        start_time=as_instant(described.get("StartTime")),
        end_time=as_instant(described.get("EndTime")),
        min_capacity=target.get("MinCapacity"),
        max_capacity=target.get("MaxCapacity"),
    )


def _imported_policy(described: dict[str, Any]) -> TargetTracking | None:
    if described.get("PolicyType") != "TargetTrackingScaling":
        return None
    config = described.get("TargetTrackingScalingPolicyConfiguration") or {}
    metric = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
    if metric != "LambdaProvisionedConcurrencyUtilization":
        return None
    return TargetTracking(
        float(config["TargetValue"]),
        config.get("ScaleInCooldown"),
        config.get("ScaleOutCooldown"),
        config.get("DisableScaleIn"),
        str(described["PolicyName"]),
    )


# -- diff ----------------------------------------------------------------------------------------
def comparable_documents(
    config: ConcurrencyConfig, remote: ConcurrencyRemote
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(local, deployed) documents of what the file manages, as ``diff`` shows them: equal
    exactly when the planner plans nothing (a range or count the schedule set counts as the
    file's)."""
    local = config.to_document()
    deployed: dict[str, Any] = {}
    if config.reserved is not UNMANAGED:
        deployed["ReservedConcurrentExecutions"] = remote.reserved
    described = document_from_remote(remote) or {}
    provisioned: dict[str, Any] = {}
    for qualifier, value in config.provisioned.items():
        have = remote.provisioned.get(qualifier)
        scaling = config.autoscaling.get(qualifier, UNMANAGED)
        autoscaled = isinstance(scaling, Autoscaling) or (
            scaling is UNMANAGED and qualifier in remote.targets
        )
        if autoscaled and have is not None and value is not None and have.status != "FAILED":
            provisioned[qualifier] = value  # Application Auto Scaling's to change
        else:
            provisioned[qualifier] = have.requested if have is not None else None
    if config.provisioned:
        deployed["ProvisionedConcurrency"] = provisioned
    scaled: dict[str, Any] = {}
    for qualifier, scaling in config.autoscaling.items():
        target = remote.targets.get(qualifier)
        if target is None:
            scaled[qualifier] = None
            continue
        doc = dict((described.get("Autoscaling") or {}).get(qualifier) or {})
        if isinstance(scaling, Autoscaling):
            if (target.min_capacity, target.max_capacity) in scaling.reachable_ranges():
                doc["MinCapacity"], doc["MaxCapacity"] = scaling.min_capacity, scaling.max_capacity
            if scaling.scheduled_actions is None:
                doc.pop("ScheduledActions", None)
            else:
                doc["ScheduledActions"] = sorted(
                    doc.get("ScheduledActions", []), key=lambda a: a["Name"]
                )
                local["Autoscaling"][qualifier]["ScheduledActions"] = sorted(
                    local["Autoscaling"][qualifier]["ScheduledActions"], key=lambda a: a["Name"]
                )
            if scaling.target_tracking is UNMANAGED:
                doc.pop("TargetTracking", None)
            else:
                doc.setdefault("TargetTracking", None)
        scaled[qualifier] = doc
    if config.autoscaling:
        deployed["Autoscaling"] = scaled
    return local, deployed
