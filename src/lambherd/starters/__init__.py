"""``lambherd init --template NAME``: working starter functions, each with its trigger files and
``tests.yaml``.

  http-api         a function URL (AuthType NONE: public on purpose) routing JSON requests
  sqs-worker       an SQS event source mapping with partial batch failures
  scheduled-task   an EventBridge Scheduler schedule (cron in a time zone) and async settings
  dynamodb-stream  a DynamoDB stream mapping reporting the records it could not process

lambherd deploys the function side (function, mapping, schedule, permissions); the queue, the
stream's table and the roles are yours: each starter's ``next_steps`` says how to make them
(the AWS CLI, against the sandbox or an account). Every file is plain text here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

#: Starter name -> its module (exposing ``starter(function_name) -> Starter``).
STARTERS = {
    "http-api": "lambherd.starters.http_api",
    "sqs-worker": "lambherd.starters.sqs_worker",
    "scheduled-task": "lambherd.starters.scheduled_task",
    "dynamodb-stream": "lambherd.starters.dynamodb_stream",
}


@dataclass(frozen=True)
class Starter:
    """A starter's files (relative name -> text), what it says, what to do next."""

    files: dict[str, str]
    notes: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = field(default_factory=tuple)


def starter(template: str, function_name: str) -> Starter:
    """The files of ``template`` for a function named ``function_name``."""
    return importlib.import_module(STARTERS[template]).starter(function_name)
