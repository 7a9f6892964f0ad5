"""Handlers of the event sources concern: each mapping change waits until the mapping has left
Creating / Updating / Enabling / Disabling / Deleting, and reports Lambda's
StateTransitionReason when it ends up other than asked (``wait_mapping``)."""

from __future__ import annotations

import time
from typing import Any

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.defaults import MAPPING_WAIT_S
from lambherd.errors import DeployError
from lambherd.plan.event_sources_planner import (
    CreateEventSourceMapping,
    DeleteEventSourceMapping,
    TagEventSourceMapping,
    UpdateEventSourceMapping,
)
from lambherd.triggers.files import describe_key, mapping_key

SETTLED = ("Enabled", "Disabled")


def wait_mapping(
    read: Any,
    uuid: str,
    what: str,
    *,
    enabled: bool | None,
    gone: bool = False,
    timeout: float = MAPPING_WAIT_S,
    sleep: Any = time.sleep,
    clock: Any = time.monotonic,
) -> dict[str, Any] | None:
    """Poll ``read(uuid)`` (GetEventSourceMapping; None once deleted) until the mapping is
    Enabled or Disabled (``gone``: until it no longer exists). A mapping that settles Disabled
    when ``enabled`` was asked (or the reverse) raises DeployError with its
    StateTransitionReason."""
    deadline = clock() + min(timeout, MAPPING_WAIT_S)
    delay = 0.1
    last: dict[str, Any] | None = None
    while True:
        last = read(uuid)
        if last is None:
            if gone:
                return None
            raise DeployError(f"{what}: mapping {uuid} disappeared")
        state = str(last.get("State", ""))
        if not gone and state in SETTLED:
            if enabled is not None and (state == "Enabled") != enabled:
                reason = last.get("StateTransitionReason") or "no reason given"
                raise DeployError(f"{what}: mapping {uuid} is {state}, not as asked: {reason}")
            return last
        if clock() >= deadline:
            reason = last.get("StateTransitionReason") or "no reason given"
            raise DeployError(
                f"{what}: mapping {uuid} still {state} after {timeout:.0f}s ({reason})",
                hint="look at the mapping in the console, then run again",
            )
        sleep(delay)
        delay = min(delay * 2, 2.0)


def _reader(run: StepRun) -> Any:
    from botocore.exceptions import ClientError

    lam = run._executor.clients.client("lambda")

    def read(uuid: str) -> dict[str, Any] | None:
        try:
            return lam.get_event_source_mapping(UUID=uuid)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise

    return read


def _wait(run: StepRun, uuid: str, what: str, **kwargs: Any) -> dict[str, Any] | None:
    return wait_mapping(
        _reader(run), uuid, what, timeout=run.wait_timeout, sleep=run.sleep, **kwargs
    )


@handles(CreateEventSourceMapping)
def create(run: StepRun, step: CreateEventSourceMapping) -> tuple[str, int]:
    what = describe_key(mapping_key(step.params, step.qualifier))
    function = run.name + (f":{step.qualifier}" if step.qualifier else "")
    resp = run.call(
        f"create event source mapping {what}",
        "create_event_source_mapping",
        FunctionName=function,
        **step.params,
        Tags=step.tags,
    )
    uuid = str(resp["UUID"])
    final = _wait(run, uuid, what, enabled=bool(step.params.get("Enabled", True)))
    return f"{uuid} {(final or {}).get('State', '')}".strip(), 0


@handles(UpdateEventSourceMapping)
def update(run: StepRun, step: UpdateEventSourceMapping) -> tuple[str, int]:
    run.call(
        f"update event source mapping {step.source}",
        "update_event_source_mapping",
        UUID=step.uuid,
        **step.changes,
    )
    enabled = step.changes.get("Enabled")
    final = _wait(run, step.uuid, step.source, enabled=enabled)
    return f"{step.uuid} {(final or {}).get('State', '')}".strip(), 0


@handles(TagEventSourceMapping)
def tag(run: StepRun, step: TagEventSourceMapping) -> tuple[str, int]:
    run.call(
        f"tag event source mapping {step.source}", "tag_resource", Resource=step.arn, Tags=step.tags
    )
    return ", ".join(sorted(step.tags)), 0


@handles(DeleteEventSourceMapping)
def delete(run: StepRun, step: DeleteEventSourceMapping) -> tuple[str, int]:
    run.call(
        f"delete event source mapping {step.source}",
        "delete_event_source_mapping",
        UUID=step.uuid,
    )
    _wait(run, step.uuid, step.source, enabled=None, gone=True)
    return step.uuid, 0
