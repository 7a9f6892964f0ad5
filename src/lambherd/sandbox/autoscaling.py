"""Application Auto Scaling of Lambda provisioned concurrency, acting as AWS does.

moto keeps scalable targets, scheduled actions and scaling policies and answers their Describe
calls; it neither checks Lambda resources nor ever acts. This room, in front of moto for the
``lambda`` namespace:

- checks before moto: a target's ResourceId (``function:NAME:QUALIFIER``) names an existing
  alias or version, never ``$LATEST``; a new target has both capacities, Min <= Max; actions
  and policies go on a registered target; a schedule or time zone AWS would refuse is refused
  (``lambherd.concurrency.schedules``); deleting what is not there is ObjectNotFoundException;
- acts after it: the alias's provisioned concurrency is kept within its target's range;
  scheduled actions run when sandbox time reaches them (cron and at() in their time zone,
  rate() from their StartTime or creation, StartTime/EndTime honoured) and set the range;
  target tracking is evaluated each sandbox minute (``lambherd.sandbox.target_tracking``);
  DeregisterScalableTarget takes its actions and policies with it; DescribeScalingActivities
  lists what it did.

Every effect is a request served by the sandbox's own stack (``submit``), journaled like a
client's, so a restart replays it; the jobs are armed again from the restored state. Targets,
actions and policies live in moto (in the snapshot); the room keeps the regions it serves (what
``rearm`` looks at) and the activities it recorded, in its snapshot (a registered room).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from lambherd.sandbox.persistence import REPLAY_ENVIRON_KEY
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import error, ok

log = logging.getLogger("lambherd.sandbox")
NAMESPACE = "lambda"
DIMENSION = "lambda:function:ProvisionedConcurrency"
Submit = Callable[[str, str, str, dict[str, Any]], tuple[int, bytes]]
_TARGET_KEYS = ("ServiceNamespace", "ResourceId", "ScalableDimension")


def _refuse(code: str, message: str) -> Response:
    return error(400, code, message)


class AutoScaling:
    """The Application Auto Scaling room (see the module docstring)."""

    def __init__(
        self,
        *,
        account: str,
        call_moto: Callable[[dict[str, Any], bytes], Response],
        submit: Submit,
        scheduler: Any,
        now: Callable[[], datetime],
        resolve: Callable[[FunctionKey, str], str | None],
        metric_points: Callable[[str, str], list[Any]],
    ) -> None:
        from lambherd.sandbox.scheduled_actions import ScheduledActions
        from lambherd.sandbox.target_tracking import TargetTracking

        self.account = account
        self._call_moto = call_moto
        self._submit = submit
        self._scheduler = scheduler
        self._now = now
        self._resolve = resolve
        self._regions: set[str] = set()
        self._activities: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.tracking = TargetTracking(self, metric_points)
        self.scheduled = ScheduledActions(self)

    # -- requests ----------------------------------------------------------------------------
    def handle(
        self, environ: dict[str, Any], body: bytes, region: str, action: str | None
    ) -> Response:
        """Serve one Application Auto Scaling request."""
        try:
            doc = json.loads(body or b"{}")
        except ValueError:
            doc = {}
        doc = doc if isinstance(doc, dict) else {}
        if doc.get("ServiceNamespace") != NAMESPACE and action != "DescribeScalingActivities":
            return self._call_moto(environ, body)
        with self._lock:
            self._regions.add(region)
        if action == "DescribeScalingActivities":
            return ok({"ScalingActivities": self.activities(region, doc)})
        refused = self._check(action or "", doc, region)
        if refused is not None:
            return refused
        replaying = bool(environ.get(REPLAY_ENVIRON_KEY))
        if action == "DeregisterScalableTarget" and not replaying:
            self._remove_children(region, str(doc.get("ResourceId")))  # AWS takes them along
        resp = self._call_moto(environ, body)
        if resp.status_code < 400 and not replaying:
            try:
                self._after(action or "", doc, region)
            except Exception:  # the call itself succeeded: say what failed, keep serving
                log.exception("autoscaling effect of %s failed", action)
        return resp

    def _check(self, action: str, doc: dict[str, Any], region: str) -> Response | None:
        rid = str(doc.get("ResourceId") or "")
        if action not in {
            "RegisterScalableTarget",
            "PutScheduledAction",
            "DeleteScheduledAction",
            "PutScalingPolicy",
            "DeregisterScalableTarget",
        }:
            return None
        if doc.get("ScalableDimension") not in (None, DIMENSION):
            return _refuse(
                "ValidationException", "Unsupported service namespace, resource type or dimension"
            )
        if action == "RegisterScalableTarget":
            return self._check_target(doc, region, rid)
        target = self.target(region, rid)
        if target is None:
            return _refuse(
                "ObjectNotFoundException",
                f"No scalable target registered for service namespace: {NAMESPACE}, resource "
                f"ID: {rid}, scalable dimension: {DIMENSION}",
            )
        if action == "PutScheduledAction":
            from lambherd.sandbox.scheduled_actions import check_action

            return check_action(doc)
        if (
            action == "DeleteScheduledAction"
            and self.action(region, rid, str(doc.get("ScheduledActionName"))) is None
        ):
            return _refuse(
                "ObjectNotFoundException",
                f"No scheduled action found for service namespace: {NAMESPACE}, scheduled "
                f"action name: {doc.get('ScheduledActionName')}",
            )
        return None

    def _check_target(self, doc: dict[str, Any], region: str, rid: str) -> Response | None:
        parts = rid.split(":")
        if len(parts) != 3 or parts[0] != "function" or not parts[1] or not parts[2]:
            return _refuse(
                "ValidationException",
                f"Unsupported resource ID {rid!r}: expected function:NAME:ALIAS (or :VERSION)",
            )
        if parts[2] == "$LATEST":
            return _refuse(
                "ValidationException",
                "Provisioned concurrency cannot be scaled on $LATEST (unpublished function "
                "version); use an alias or a published version",
            )
        key = FunctionKey(self.account, region, parts[1])
        if self._resolve(key, parts[2]) is None:
            return _refuse(
                "ValidationException", f"Lambda function {parts[1]}:{parts[2]} does not exist"
            )
        low, high = doc.get("MinCapacity"), doc.get("MaxCapacity")
        if self.target(region, rid) is None and (low is None or high is None):
            return _refuse(
                "ValidationException",
                "MinCapacity and MaxCapacity are required to register a new scalable target",
            )
        if low is not None and high is not None and low > high:
            return _refuse(
                "ValidationException", f"MinCapacity {low} is greater than MaxCapacity {high}"
            )
        return None

    def _remove_children(self, region: str, rid: str) -> None:
        """The scheduled actions and scaling policies of a target being deregistered."""
        for found in self.describe(region, "describe_scheduled_actions", rid, "ScheduledActions"):
            name = found["ScheduledActionName"]
            self.scheduled.cancel(region, rid, str(name))
            self.call(region, "delete_scheduled_action", rid, ScheduledActionName=name)
        for policy in self.describe(region, "describe_scaling_policies", rid, "ScalingPolicies"):
            self.call(region, "delete_scaling_policy", rid, PolicyName=policy["PolicyName"])
        self.tracking.forget(region, rid)

    def _after(self, action: str, doc: dict[str, Any], region: str) -> None:
        rid = str(doc.get("ResourceId") or "")
        if action == "RegisterScalableTarget":
            self.keep_in_range(region, rid, "the scalable target's range changed")
        elif action == "PutScheduledAction":
            self.scheduled.arm(region, rid, str(doc["ScheduledActionName"]))
        elif action == "DeleteScheduledAction":
            self.scheduled.cancel(region, rid, str(doc["ScheduledActionName"]))
        elif action == "PutScalingPolicy":
            self.tracking.arm(region, rid)

    # -- state, through the sandbox's own stack ----------------------------------------------
    def call(self, region: str, operation: str, rid: str, **params: Any) -> dict[str, Any]:
        """One Application Auto Scaling call on a Lambda target, served by the sandbox."""
        status, body = self._submit(
            "application-autoscaling",
            region,
            operation,
            {"ServiceNamespace": NAMESPACE, "ResourceId": rid, "ScalableDimension": DIMENSION}
            | params,
        )
        if status >= 400:
            raise RuntimeError(f"{operation} {rid}: HTTP {status}: {body[:300]!r}")
        return json.loads(body or b"{}")

    def describe(self, region: str, operation: str, rid: str, key: str) -> list[dict[str, Any]]:
        """The items of a Describe* call on one target."""
        params = {"ResourceIds": [rid]} if operation == "describe_scalable_targets" else {}
        if operation == "describe_scalable_targets":
            status, body = self._submit(
                "application-autoscaling",
                region,
                operation,
                {"ServiceNamespace": NAMESPACE, "ScalableDimension": DIMENSION, **params},
            )
            items = json.loads(body or b"{}").get(key, []) if status < 400 else []
            return [i for i in items if i.get("ResourceId") == rid]
        return list(self.call(region, operation, rid).get(key, []))

    def target(self, region: str, rid: str) -> dict[str, Any] | None:
        """The scalable target of ``rid`` (None: not registered)."""
        found = self.describe(region, "describe_scalable_targets", rid, "ScalableTargets")
        return found[0] if found else None

    def action(self, region: str, rid: str, name: str) -> dict[str, Any] | None:
        """One scheduled action of ``rid``."""
        items = self.describe(region, "describe_scheduled_actions", rid, "ScheduledActions")
        return next((a for a in items if a.get("ScheduledActionName") == name), None)

    def lambda_call(self, region: str, operation: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """A Lambda call served by the sandbox: (status, parsed body)."""
        status, body = self._submit("lambda", region, operation, params)
        try:
            return status, json.loads(body or b"{}")
        except ValueError:
            return status, {}

    # -- capacity --------------------------------------------------------------------------
    def capacity(self, region: str, rid: str) -> int:
        """The provisioned concurrency the target has now (Requested; 0 without a config)."""
        _, name, qualifier = rid.split(":")
        status, doc = self.lambda_call(
            region, "get_provisioned_concurrency_config", FunctionName=name, Qualifier=qualifier
        )
        return int(doc.get("RequestedProvisionedConcurrentExecutions") or 0) if status < 400 else 0

    def set_capacity(self, region: str, rid: str, count: int, cause: str) -> None:
        """Put the alias's provisioned concurrency to ``count`` (0 removes the config)."""
        _, name, qualifier = rid.split(":")
        before = self.capacity(region, rid)
        if count == before:
            return
        if count <= 0:
            status, doc = self.lambda_call(
                region,
                "delete_provisioned_concurrency_config",
                FunctionName=name,
                Qualifier=qualifier,
            )
        else:
            status, doc = self.lambda_call(
                region,
                "put_provisioned_concurrency_config",
                FunctionName=name,
                Qualifier=qualifier,
                ProvisionedConcurrentExecutions=count,
            )
        outcome = "Successful" if status < 400 else "Failed"
        self.record(region, rid, f"Setting provisioned concurrency to {count}", cause, outcome, doc)

    def keep_in_range(self, region: str, rid: str, cause: str) -> None:
        """Bring the capacity into the target's range (scale out to Min, in to Max)."""
        target = self.target(region, rid)
        if target is None:
            return
        low, high = int(target.get("MinCapacity") or 0), int(target.get("MaxCapacity") or 0)
        current = self.capacity(region, rid)
        if current < low:
            self.set_capacity(region, rid, low, f"{cause}: below the minimum {low}")
        elif current > high:
            self.set_capacity(region, rid, high, f"{cause}: above the maximum {high}")

    def record(
        self, region: str, rid: str, description: str, cause: str, outcome: str, doc: Any = None
    ) -> None:
        """One entry of DescribeScalingActivities."""
        at = self._now().timestamp()
        entry = {
            "ActivityId": str(uuid.uuid4()),
            "ServiceNamespace": NAMESPACE,
            "ResourceId": rid,
            "ScalableDimension": DIMENSION,
            "Description": description,
            "Cause": cause,
            "StartTime": at,
            "EndTime": at,
            "StatusCode": outcome,
            "_region": region,
        }
        if outcome != "Successful":
            entry["StatusMessage"] = str((doc or {}).get("message") or doc)
        with self._lock:
            self._activities.append(entry)

    def activities(self, region: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
        """DescribeScalingActivities (newest first; filtered by ResourceId when given)."""
        rid = doc.get("ResourceId")
        with self._lock:
            found = [
                {k: v for k, v in a.items() if k != "_region"}
                for a in self._activities
                if a["_region"] == region and rid in (None, a["ResourceId"])
            ]
        return list(reversed(found))

    def snapshot(self) -> dict[str, Any]:
        """The regions served and the activities recorded, as JSON data (a registered room:
        activities come from scheduler jobs and effects, which no journal replay repeats)."""
        with self._lock:
            return {
                "regions": sorted(self._regions),
                "activities": [dict(a) for a in self._activities],
            }

    def restore(self, doc: dict[str, Any]) -> None:
        """Take back what ``snapshot`` gave (``rearm`` then arms the jobs of those regions)."""
        with self._lock:
            self._regions = {str(r) for r in doc.get("regions") or ()}
            self._activities = [dict(a) for a in doc.get("activities") or ()]

    def reset(self) -> None:
        """Forget every job and activity (``sandbox reset``)."""
        with self._lock:
            self._activities.clear()
            self._regions.clear()
        self.scheduled.reset()
        self.tracking.reset()

    def rearm(self) -> None:
        """After a restart: the scheduled actions and policies of every target armed again."""
        with self._lock:
            regions = sorted(self._regions)
        for region in regions:
            status, body = self._submit(
                "application-autoscaling",
                region,
                "describe_scheduled_actions",
                {"ServiceNamespace": NAMESPACE},
            )
            for found in (
                json.loads(body or b"{}").get("ScheduledActions", []) if status < 400 else []
            ):
                self.scheduled.arm(
                    region, str(found["ResourceId"]), str(found["ScheduledActionName"])
                )
            status, body = self._submit(
                "application-autoscaling",
                region,
                "describe_scaling_policies",
                {"ServiceNamespace": NAMESPACE},
            )
            for policy in (
                json.loads(body or b"{}").get("ScalingPolicies", []) if status < 400 else []
            ):
                self.tracking.arm(region, str(policy["ResourceId"]))
