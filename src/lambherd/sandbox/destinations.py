"""Where the sandbox sends invocation records: an SQS queue, an SNS topic, another function (an
asynchronous invoke), an EventBridge bus or an S3 bucket, by ARN.

Writes go through the sandbox's own stack (``SandboxApp.submit``), so they are checked and
journaled like a client's (a record sent before a restart is still in its queue after it).
A record published to a topic with lambda subscriptions reaches them (``sns_delivery``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Submit = Callable[[str, str, str, dict[str, Any]], tuple[int, bytes]]


class DeliveryError(Exception):
    """A destination refused the record (the message says why)."""


class Destinations:
    """Sends a JSON record to the resource an ARN names."""

    def __init__(self, submit: Submit, invoke_async: Callable[..., Any], endpoint: str) -> None:
        self.submit = submit
        self.invoke_async = invoke_async
        self.endpoint = endpoint

    def send(
        self, arn: str, record: dict[str, Any] | str, region: str, *, success: bool = False
    ) -> None:
        """Deliver ``record`` (a JSON document, or text as it is) to ``arn``; DeliveryError
        when it is refused."""
        parts = arn.split(":")
        service = parts[2] if len(parts) > 2 else ""
        where = parts[3] if len(parts) > 3 and parts[3] else region
        body = record if isinstance(record, str) else json.dumps(record)
        if service == "sqs":
            url = f"{self.endpoint}/{parts[4]}/{parts[5]}"
            self._submit("sqs", where, "send_message", QueueUrl=url, MessageBody=body)
        elif service == "sns":
            self._submit("sns", where, "publish", TopicArn=arn, Message=body)
        elif service == "lambda":
            self.invoke_async(arn, body.encode())
        elif service == "events":
            kind = "Success" if success else "Failure"
            entry = {
                "Source": "lambda",
                "DetailType": f"Lambda Function Invocation Result - {kind}",
                "Detail": body,
                "EventBusName": arn,
            }
            self._submit("events", where, "put_events", Entries=[entry])
        elif service == "s3":
            bucket = parts[5].split("/", 1)[0]
            stamp = datetime.now(UTC).strftime("%Y/%m/%d/%Y-%m-%dT%H.%M.%S")
            context = record.get("requestContext") if isinstance(record, dict) else None
            ident = (context or {}).get("requestId", "record")
            key = f"aws/lambda/async/{stamp}-{ident}"
            self._submit("s3", where, "put_object", Bucket=bucket, Key=key, Body=body.encode())
        else:
            raise DeliveryError(f"{arn}: not a destination the sandbox delivers to")

    def _submit(self, service: str, region: str, operation: str, **params: Any) -> None:
        status, data = self.submit(service, region, operation, params)
        if status >= 400:
            raise DeliveryError(f"{operation} answered {status}: {data[:200]!r}")
