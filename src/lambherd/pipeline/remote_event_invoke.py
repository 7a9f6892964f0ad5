"""The event invoke concern's remote part: the function's async invocation configurations, its
RecursiveLoop setting, and whether event_invoke.json's destinations exist."""

from __future__ import annotations

from typing import Any

from lambherd.pipeline.remote import RemotePart, RemoteReader, strip_metadata
from lambherd.pipeline.remote_event_sources import items_if_any
from lambherd.pipeline.trigger_facts import read_arn_facts
from lambherd.plan.event_invoke_planner import DEFAULT_RECURSION, SIDECAR, EventInvokeRemote
from lambherd.triggers.validation import destination_arns


def read_recursion(reader: RemoteReader, name: str) -> str | None:
    """GetFunctionRecursionConfig's RecursiveLoop; Terminate for a function that does not
    exist; None when the endpoint does not answer it."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        got = reader.lam.get_function_recursion_config(FunctionName=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return DEFAULT_RECURSION
        return None
    except (BotoCoreError, AttributeError):
        return None
    return str(got.get("RecursiveLoop") or DEFAULT_RECURSION)


def read_event_invoke(reader: RemoteReader, name: str, sidecar: Any) -> EventInvokeRemote:
    """Every qualifier's configuration (ListFunctionEventInvokeConfigs) and the setting."""
    listed = items_if_any(
        reader,
        "list_function_event_invoke_configs",
        "FunctionEventInvokeConfigs",
        FunctionName=name,
    )
    configs = tuple(strip_metadata(c) or {} for c in listed)
    facts = read_arn_facts(reader, destination_arns({SIDECAR: sidecar}))
    return EventInvokeRemote(configs=configs, recursion=read_recursion(reader, name), facts=facts)


PART = RemotePart(SIDECAR, read_event_invoke, new_functions=True)
