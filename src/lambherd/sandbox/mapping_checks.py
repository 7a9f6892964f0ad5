"""What Lambda refuses in CreateEventSourceMapping / UpdateEventSourceMapping, as the sandbox
checks it: an unknown source, BatchSize over the source's limit, a batching window on a FIFO
queue (or missing for a standard queue's BatchSize over 10), a queue or stream that does not
exist, a queue whose visibility timeout is below the function's Timeout, and a second mapping
of the same source and function."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import error
from lambherd.triggers import sources


def refusal(
    room: Any, params: dict[str, Any], key: FunctionKey, function_arn: str, exclude: str | None
) -> Response | None:
    """Lambda's refusals of a mapping (None: accepted)."""
    kind = sources.source_type(params)
    arn = params.get("EventSourceArn")
    if kind is None:
        return error(
            400,
            "InvalidParameterValueException",
            "Unrecognized event source, must be kinesis, dynamodb stream, sqs, msk, mq "
            f"or documentdb: {arn}",
        )
    batch = params.get("BatchSize")
    limit = sources.batch_limit(kind)
    if isinstance(batch, int) and not 1 <= batch <= limit:
        return error(
            400,
            "InvalidParameterValueException",
            f"BatchSize must be between 1 and {limit} for {sources.LABELS[kind]}s.",
        )
    window = params.get("MaximumBatchingWindowInSeconds") or 0
    if kind == sources.SQS_FIFO and window:
        return error(
            400,
            "InvalidParameterValueException",
            "Batching window is not supported for FIFO queues.",
        )
    if kind == sources.SQS and isinstance(batch, int) and batch > 10 and window < 1:
        return error(
            400,
            "InvalidParameterValueException",
            "Maximum batch window in seconds must be greater than 0 if maximum batch "
            "size is greater than 10",
        )
    if kind in sources.QUEUES:
        queue = room.events.queue(str(arn))
        if queue is None:
            return error(
                400,
                "InvalidParameterValueException",
                "Error occurred while ReceiveMessage. SQS Error Code: "
                "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The "
                "specified queue does not exist.",
            )
        config = room.facade.version_config(key, "$LATEST")
        timeout = int(config.timeout_s) if config is not None else 3
        if queue.visibility_timeout < timeout:
            return error(
                400,
                "InvalidParameterValueException",
                f"Queue visibility timeout: {queue.visibility_timeout} seconds is less "
                f"than Function timeout: {timeout} seconds",
            )
    if kind == sources.DYNAMODB and room.events.dynamodb_stream_length(str(arn)) < 0:
        return error(400, "InvalidParameterValueException", f"Stream not found: {arn}")
    if kind == sources.KINESIS and room.events.kinesis_records(str(arn), {}) is None:
        return error(400, "InvalidParameterValueException", f"Stream not found: {arn}")
    for other in room.mappings_now():
        same = other.doc.get("EventSourceArn") == arn and other.doc.get("Topics") == params.get(
            "Topics"
        )
        if (
            other.uuid != exclude
            and same
            and other.doc.get("FunctionArn") == function_arn
            and other.state != "Deleting"
        ):
            return error(
                409,
                "ResourceConflictException",
                f"The event source arn ({arn}) and function ({function_arn}) provided "
                "mapping already exists. Please update or delete the existing mapping "
                f"with UUID {other.uuid}",
            )
    return None
