"""The ``sqs-worker`` starter: an SQS queue's messages processed in batches, failures reported
one by one (partial batch responses) so only those come back."""

from __future__ import annotations

from lambherd.starters import Starter
from lambherd.starters.common import definition, deploy_steps, dumps, sandbox_flag

APP = '''\
"""{name}: processes the messages of an SQS queue in batches.

With ReportBatchItemFailures (event_sources.json), the handler returns the ids of the records
it could not process: only those return to the queue (after its visibility timeout) and, after
the queue's maxReceiveCount, go to its dead-letter queue. The others are deleted.
"""

import json
import logging
import os

LOG = logging.getLogger()
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


def process(message):
    """Do the work for one message (raise to have it retried)."""
    if not isinstance(message, dict) or "task" not in message:
        raise ValueError("a message needs a task")
    LOG.info(json.dumps({{"task": message["task"]}}))


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            process(json.loads(record["body"]))
        except Exception as exc:  # one bad record must not fail the others
            LOG.warning(json.dumps({{"failed": record["messageId"], "error": str(exc)}}))
            failures.append({{"itemIdentifier": record["messageId"]}})
    return {{"batchItemFailures": failures}}
'''

TESTS = """\
# `lambherd test` cases (SQS events, as the event source mapping sends them)
- name: a good message is processed
  payload:
    Records:
      - {"messageId": "m1", "body": "{\\"task\\": \\"resize\\"}", "eventSource": "aws:sqs"}
  expect:
    success: true
    contains: {"batchItemFailures": []}
- name: only the bad record is reported
  payload:
    Records:
      - {"messageId": "ok", "body": "{\\"task\\": \\"a\\"}"}
      - {"messageId": "bad", "body": "not json"}
  expect:
    contains: {"batchItemFailures": [{"itemIdentifier": "bad"}]}
"""


def queue_steps() -> tuple[str, ...]:
    """How to make the queue the worker reads (for the sandbox the user's one)."""
    sandbox = sandbox_flag()
    return (
        "the queue is yours; lambherd deploys the function and its mapping. Make it once "
        f"(the sandbox: add {sandbox}; an account: leave it out):",
        f"  aws {sandbox} sqs create-queue --queue-name jobs-dlq",
        f"  aws {sandbox} sqs create-queue --queue-name jobs --attributes "
        '\'{"VisibilityTimeout":"60","RedrivePolicy":"{\\"deadLetterTargetArn\\":'
        '\\"arn:aws:sqs:REGION:ACCOUNT:jobs-dlq\\",\\"maxReceiveCount\\":\\"3\\"}"}\'',
        "  (VisibilityTimeout must be at least the function's Timeout, 10 s; 6 x is recommended)",
    )


def starter(name: str) -> Starter:
    """The files of an SQS worker named ``name``."""
    sources = [
        {
            "EventSourceArn": "{{ must_env `QUEUE_ARN` }}",
            "BatchSize": 10,
            "MaximumBatchingWindowInSeconds": 1,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": 5},
        }
    ]
    return Starter(
        files={
            "function.json": definition(
                name, f"{name}: an SQS worker (lambherd sqs-worker starter)"
            ),
            "event_sources.json": dumps(sources),
            "app.py": APP.format(name=name),
            "tests.yaml": TESTS,
        },
        next_steps=(
            *queue_steps(),
            *deploy_steps("QUEUE_ARN=arn:aws:sqs:REGION:ACCOUNT:jobs"),
        ),
    )
