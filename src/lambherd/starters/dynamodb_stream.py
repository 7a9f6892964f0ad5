"""The ``dynamodb-stream`` starter: a function reading a DynamoDB table's stream, reporting the
records it could not process so the stream retries from there."""

from __future__ import annotations

from lambherd.starters import Starter
from lambherd.starters.common import definition, deploy_steps, dumps, sandbox_flag

APP = '''\
"""{name}: reacts to the changes of a DynamoDB table (its stream).

Records arrive in order per shard. With ReportBatchItemFailures (event_sources.json) the
handler returns the sequence number of the first record it could not process: Lambda retries
the batch from there, and gives up after MaximumRetryAttempts.
"""

import json
import logging
import os

LOG = logging.getLogger()
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


def plain(image):
    """A DynamoDB image ({{"id": {{"S": "1"}}}}) as plain values."""
    return {{k: next(iter(v.values())) for k, v in (image or {{}}).items()}}


def process(record):
    change = record["eventName"]  # INSERT, MODIFY or REMOVE
    keys = plain(record["dynamodb"]["Keys"])  # every stream record has its item's keys
    new = plain(record["dynamodb"].get("NewImage"))
    LOG.info(json.dumps({{"change": change, "keys": keys, "new": new}}))


def handler(event, context):
    for record in event.get("Records", []):
        try:
            process(record)
        except Exception as exc:
            LOG.warning(json.dumps({{"error": str(exc)}}))
            sequence = record["dynamodb"]["SequenceNumber"]
            return {{"batchItemFailures": [{{"itemIdentifier": sequence}}]}}
    return {{"batchItemFailures": []}}
'''

TESTS = """\
# `lambherd test` cases (DynamoDB stream events)
- name: an insert is processed
  payload:
    Records:
      - eventName: INSERT
        dynamodb:
          Keys: {"id": {"S": "1"}}
          NewImage: {"id": {"S": "1"}}
          SequenceNumber: "100"
  expect:
    success: true
    contains: {"batchItemFailures": []}
- name: a record without keys is reported by its sequence number
  payload: {"Records": [{"eventName": "INSERT", "dynamodb": {"SequenceNumber": "101"}}]}
  expect:
    contains: {"batchItemFailures": [{"itemIdentifier": "101"}]}
"""


def starter(name: str) -> Starter:
    """The files of a stream reader named ``name``."""
    sources = [
        {
            "EventSourceArn": "{{ must_env `STREAM_ARN` }}",
            "StartingPosition": "LATEST",
            "BatchSize": 100,
            "MaximumRetryAttempts": 3,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        }
    ]
    return Starter(
        files={
            "function.json": definition(
                name, f"{name}: a DynamoDB stream reader (lambherd starter)"
            ),
            "event_sources.json": dumps(sources),
            "app.py": APP.format(name=name),
            "tests.yaml": TESTS,
        },
        next_steps=(
            "the table is yours; lambherd deploys the function and its mapping. Make it once "
            f"(the sandbox: add {sandbox_flag()}):",
            f"  aws {sandbox_flag()} dynamodb create-table --table-name items "
            "--attribute-definitions AttributeName=id,AttributeType=S "
            "--key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST "
            "--stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES",
            "  STREAM_ARN is its LatestStreamArn (aws dynamodb describe-table --table-name items)",
            *deploy_steps("STREAM_ARN=<the LatestStreamArn>"),
        ),
    )
