"""What planning reads about the ARNs the trigger files name (reads only, never a change): does
each queue, topic, function, bus, bucket or stream exist, and an SQS queue's visibility timeout.

An ARN in another region or account than the clients', or a service lambherd does not check
(MSK, MQ, DocumentDB), is left unknown (``exists`` None): the files are not refused for what
could not be read. Access denied is unknown too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from lambherd.triggers.validation import ArnFact

_MISSING = {
    "ResourceNotFoundException",
    "NotFound",
    "NotFoundException",
    "404",
    "NoSuchBucket",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
}


def read_arn_facts(reader: Any, arns: Iterable[str]) -> dict[str, ArnFact]:
    """A fact for each ARN (one or two reads each)."""
    clients = reader.clients
    region = getattr(clients, "region", None)
    out: dict[str, ArnFact] = {}
    for arn in dict.fromkeys(arns):
        parts = arn.split(":")
        if len(parts) < 6:
            continue
        service, arn_region = parts[2], parts[3]
        if arn_region and region and arn_region != region:
            out[arn] = ArnFact(None)
            continue
        check = _CHECKS.get(service)
        out[arn] = ArnFact(None) if check is None else check(clients, arn, parts)
    return out


def _exists(call: Callable[[], Any]) -> ArnFact:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        call()
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return ArnFact(False if code in _MISSING else None)
    except BotoCoreError:
        return ArnFact(None)
    return ArnFact(True)


def _sqs(clients: Any, arn: str, parts: list[str]) -> ArnFact:
    from botocore.exceptions import BotoCoreError, ClientError

    sqs = clients.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return ArnFact(False if code in _MISSING else None)
    except BotoCoreError:
        return ArnFact(None)
    value = (attrs.get("Attributes") or {}).get("VisibilityTimeout")
    return ArnFact(True, int(value) if value is not None else None)


def _sns(clients: Any, arn: str, parts: list[str]) -> ArnFact:
    return _exists(lambda: clients.client("sns").get_topic_attributes(TopicArn=arn))


def _lambda(clients: Any, arn: str, parts: list[str]) -> ArnFact:
    return _exists(lambda: clients.client("lambda").get_function(FunctionName=arn))


def _events(clients: Any, arn: str, parts: list[str]) -> ArnFact:
    return _exists(lambda: clients.client("events").describe_event_bus(Name=arn))


def _s3(clients: Any, arn: str, parts: list[str]) -> ArnFact:
    bucket = parts[5].split("/", 1)[0]
    return _exists(lambda: clients.client("s3").head_bucket(Bucket=bucket))


def _kinesis(clients: Any, arn: str, parts: list[str]) -> ArnFact:
    stream = arn.split("/consumer/", 1)[0]
    return _exists(lambda: clients.client("kinesis").describe_stream_summary(StreamARN=stream))


def _dynamodb(clients: Any, arn: str, parts: list[str]) -> ArnFact:
    if "/stream/" not in arn:
        return ArnFact(None)
    return _exists(lambda: clients.client("dynamodbstreams").describe_stream(StreamArn=arn))


_CHECKS: dict[str, Callable[[Any, str, list[str]], ArnFact]] = {
    "sqs": _sqs,
    "sns": _sns,
    "lambda": _lambda,
    "events": _events,
    "s3": _s3,
    "kinesis": _kinesis,
    "dynamodb": _dynamodb,
}
