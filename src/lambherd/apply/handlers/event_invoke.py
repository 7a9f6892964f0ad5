"""Handlers of the event invoke concern: PutFunctionEventInvokeConfig, its delete, and
PutFunctionRecursionConfig."""

from __future__ import annotations

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.plan.event_invoke_planner import (
    DeleteEventInvokeConfig,
    PutEventInvokeConfig,
    PutRecursionConfig,
)


@handles(PutEventInvokeConfig)
def put_config(run: StepRun, step: PutEventInvokeConfig) -> tuple[str, int]:
    run.call(
        f"put event invoke config of {run.name}:{step.qualifier or '$LATEST'}",
        "put_function_event_invoke_config",
        **run.qualified(step.qualifier),
        **step.params,
    )
    return step.qualifier or "$LATEST", 0


@handles(DeleteEventInvokeConfig)
def delete_config(run: StepRun, step: DeleteEventInvokeConfig) -> tuple[str, int]:
    run.call(
        f"delete event invoke config of {run.name}:{step.qualifier or '$LATEST'}",
        "delete_function_event_invoke_config",
        **run.qualified(step.qualifier),
    )
    return step.qualifier or "$LATEST", 0


@handles(PutRecursionConfig)
def put_recursion(run: StepRun, step: PutRecursionConfig) -> tuple[str, int]:
    run.call(
        f"put recursion config of {run.name}",
        "put_function_recursion_config",
        FunctionName=run.name,
        RecursiveLoop=step.setting,
    )
    return step.setting, 0
