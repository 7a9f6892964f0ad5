"""Event source types, Lambda's limits for each, and the values Lambda reports when a field of
CreateEventSourceMapping is left out.

Source: the Lambda API reference (CreateEventSourceMapping, EventSourceMappingConfiguration,
ScalingConfig, DestinationConfig) and the developer guide's pages per source ("Using Lambda with
Amazon SQS", "... Kinesis", "... DynamoDB", "... Amazon MSK", "... self-managed Apache Kafka",
"... Amazon MQ", "... Amazon DocumentDB"), checked on 2026-12-01:

- BatchSize 1..10000 for every source; SQS FIFO queues at most 10; default 10 for SQS, 100 for
  the others. A standard SQS queue with BatchSize over 10 needs MaximumBatchingWindowInSeconds
  of at least 1 (the guide says "streams and SQS", but Kinesis and DynamoDB default to 100
  with a window of 0, so lambherd applies the rule to SQS only).
- MaximumBatchingWindowInSeconds 0..300 (default 0 for SQS and streams, 500 ms for MSK, Kafka,
  MQ and DocumentDB, which cannot be set back once changed); FIFO queues take no window.
- ScalingConfig.MaximumConcurrency 2..1000, SQS only.
- Streams only (Kinesis, DynamoDB): ParallelizationFactor 1..10, MaximumRecordAgeInSeconds -1 or
  60..604800, MaximumRetryAttempts -1..10000, TumblingWindowInSeconds 0..900.
- DestinationConfig.OnFailure and BisectBatchOnFunctionError: streams, MSK and Kafka.
- FunctionResponseTypes ReportBatchItemFailures: SQS and streams.
- StartingPosition: required for streams, MSK, Kafka and DocumentDB (AT_TIMESTAMP not on
  DynamoDB), refused for SQS and MQ. Topics (exactly one) for MSK and Kafka; Queues (exactly
  one) and SourceAccessConfigurations for MQ; DocumentDBEventSourceConfig.DatabaseName for
  DocumentDB.
- FilterCriteria: at most 5 filters by default (a quota that can be raised to 10), each
  pattern at most 4096 characters.
"""

from __future__ import annotations

from typing import Any

SQS, SQS_FIFO, KINESIS, DYNAMODB, MSK, KAFKA, MQ, DOCDB = (
    "sqs",
    "sqs-fifo",
    "kinesis",
    "dynamodb",
    "msk",
    "kafka",
    "mq",
    "docdb",
)
STREAMS = frozenset({KINESIS, DYNAMODB})
QUEUES = frozenset({SQS, SQS_FIFO})
KAFKAS = frozenset({MSK, KAFKA})

#: What each source is called in messages.
LABELS = {
    SQS: "SQS queue",
    SQS_FIFO: "SQS FIFO queue",
    KINESIS: "Kinesis stream",
    DYNAMODB: "DynamoDB stream",
    MSK: "Amazon MSK cluster",
    KAFKA: "self-managed Kafka cluster",
    MQ: "Amazon MQ broker",
    DOCDB: "DocumentDB cluster",
}

BATCH_MAX = {SQS_FIFO: 10}
BATCH_LIMIT = 10000
BATCH_DEFAULT = {SQS: 10, SQS_FIFO: 10}
BATCH_DEFAULT_OTHERS = 100
WINDOW_MAX = 300
SQS_BATCH_WITHOUT_WINDOW = 10
MAX_CONCURRENCY = (2, 1000)
PARALLELIZATION = (1, 10)
RECORD_AGE = (60, 604800)
STREAM_RETRIES = (-1, 10000)
TUMBLING_WINDOW = (0, 900)
MAX_FILTERS = 5
MAX_PATTERN_CHARS = 4096
STARTING_POSITIONS = {
    KINESIS: ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"),
    DYNAMODB: ("TRIM_HORIZON", "LATEST"),
    MSK: ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"),
    KAFKA: ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"),
    DOCDB: ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"),
}

#: Fields that only some sources take: field -> the sources that take it.
ONLY_FOR: dict[str, frozenset[str]] = {
    "ScalingConfig": QUEUES,
    "ParallelizationFactor": STREAMS,
    "MaximumRecordAgeInSeconds": STREAMS,
    "MaximumRetryAttempts": STREAMS,
    "TumblingWindowInSeconds": STREAMS,
    "BisectBatchOnFunctionError": STREAMS | KAFKAS,
    "DestinationConfig": STREAMS | KAFKAS,
    "FunctionResponseTypes": QUEUES | STREAMS,
    "StartingPosition": STREAMS | KAFKAS | {DOCDB},
    "StartingPositionTimestamp": STREAMS | KAFKAS | {DOCDB},
    "Topics": KAFKAS,
    "Queues": frozenset({MQ}),
    "AmazonManagedKafkaEventSourceConfig": frozenset({MSK}),
    "SelfManagedKafkaEventSourceConfig": frozenset({KAFKA}),
    "SelfManagedEventSource": frozenset({KAFKA}),
    "DocumentDBEventSourceConfig": frozenset({DOCDB}),
    "ProvisionedPollerConfig": KAFKAS,
}

#: Fields CreateEventSourceMapping sets once: UpdateEventSourceMapping cannot change them, so a
#: difference in them is not a change lambherd can make (they are not compared).
CREATE_ONLY = (
    "StartingPosition",
    "StartingPositionTimestamp",
    "Topics",
    "Queues",
    "SelfManagedEventSource",
    "AmazonManagedKafkaEventSourceConfig",
    "SelfManagedKafkaEventSourceConfig",
)

#: Fields UpdateEventSourceMapping takes (besides UUID and FunctionName), compared one by one.
UPDATABLE = (
    "Enabled",
    "BatchSize",
    "FilterCriteria",
    "KMSKeyArn",
    "MetricsConfig",
    "ScalingConfig",
    "MaximumBatchingWindowInSeconds",
    "ParallelizationFactor",
    "DestinationConfig",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "TumblingWindowInSeconds",
    "SourceAccessConfigurations",
    "FunctionResponseTypes",
    "DocumentDBEventSourceConfig",
    "ProvisionedPollerConfig",
)

#: What UpdateEventSourceMapping is sent to put a field back when the file leaves it out.
RESET = {
    "Enabled": True,
    "FilterCriteria": {"Filters": []},
    "KMSKeyArn": "",
    "MetricsConfig": {"Metrics": []},
    "ScalingConfig": {},
    "DestinationConfig": {"OnFailure": {}},
    "FunctionResponseTypes": [],
}


def source_type(spec: dict[str, Any]) -> str | None:
    """The source a CreateEventSourceMapping input reads (None: not one lambherd knows)."""
    arn = spec.get("EventSourceArn")
    if not isinstance(arn, str) or not arn:
        return KAFKA if spec.get("SelfManagedEventSource") else None
    return type_of_arn(arn)


def type_of_arn(arn: str) -> str | None:
    """The source type of an event source ARN."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    service, resource = parts[2], parts[5]
    if service == "sqs":
        return SQS_FIFO if resource.endswith(".fifo") else SQS
    if service == "kinesis":
        return KINESIS
    if service == "dynamodb" and "/stream/" in resource:
        return DYNAMODB
    if service == "kafka":
        return MSK
    if service == "mq":
        return MQ
    if service == "rds":
        return DOCDB
    return None


def batch_limit(kind: str) -> int:
    """The largest BatchSize Lambda takes for the source."""
    return BATCH_MAX.get(kind, BATCH_LIMIT)


def reported_defaults(kind: str | None) -> dict[str, Any]:
    """What GetEventSourceMapping reports for the fields CreateEventSourceMapping left out."""
    if kind is None:
        return {}
    out: dict[str, Any] = {
        "Enabled": True,
        "BatchSize": BATCH_DEFAULT.get(kind, BATCH_DEFAULT_OTHERS),
    }
    if kind in QUEUES or kind in STREAMS:
        out["MaximumBatchingWindowInSeconds"] = 0
    if kind in STREAMS:
        out.update(
            ParallelizationFactor=1,
            MaximumRecordAgeInSeconds=-1,
            BisectBatchOnFunctionError=False,
            MaximumRetryAttempts=-1,
            TumblingWindowInSeconds=0,
        )
    return out


def queue_name(arn: str) -> str:
    """The queue's name in an SQS ARN."""
    return arn.rsplit(":", 1)[-1]


def arn_account_region(arn: str) -> tuple[str, str]:
    """(account, region) of an ARN."""
    parts = arn.split(":")
    return (parts[4] if len(parts) > 4 else "", parts[3] if len(parts) > 3 else "")
