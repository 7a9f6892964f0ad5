"""The ``scheduled-task`` starter: a function run by an EventBridge Scheduler schedule (a cron
expression in a time zone), with its asynchronous retry settings."""

from __future__ import annotations

from lambherd.starters import Starter
from lambherd.starters.common import definition, deploy_steps, dumps

APP = '''\
"""{name}: a task the EventBridge Scheduler runs (schedules.json).

The schedule's Input carries the time it was due (<aws.scheduler.scheduled-time>), so a late
or retried run knows which occurrence it is doing.
"""

import json
import logging
import os

LOG = logging.getLogger()
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


def handler(event, context):
    due = (event or {{}}).get("scheduled_time", "unknown")
    LOG.info(json.dumps({{"task": "{name}", "scheduled_time": due}}))
    return {{"done": True, "scheduled_time": due}}
'''

TESTS = """\
# `lambherd test` cases (the payload the schedule sends)
- name: runs for its scheduled time
  payload: {"scheduled_time": "2026-12-02T00:00:00Z"}
  expect:
    success: true
    contains: {"done": true, "scheduled_time": "2026-12-02T00:00:00Z"}
"""


def starter(name: str) -> Starter:
    """The files of a scheduled task named ``name`` (every day at 09:00 in a time zone)."""
    schedules = [
        {
            "Name": "daily",
            "Description": f"{name} every day at 09:00",
            "ScheduleExpression": "cron(0 9 * * ? *)",
            "ScheduleExpressionTimezone": "{{ env `SCHEDULE_TIMEZONE` `Asia/Tokyo` }}",
            "Target": {
                "RoleArn": "{{ must_env `SCHEDULER_ROLE_ARN` }}",
                "Input": '{"scheduled_time": "<aws.scheduler.scheduled-time>"}',
                "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
            },
        }
    ]
    invoke = {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 3600}
    role = "SCHEDULER_ROLE_ARN=arn:aws:iam::123456789012:role/lambherd-scheduler"
    return Starter(
        files={
            "function.json": definition(name, f"{name}: a scheduled task (lambherd starter)"),
            "schedules.json": dumps(schedules),
            "event_invoke.json": dumps(invoke),
            "app.py": APP.format(name=name),
            "tests.yaml": TESTS,
        },
        next_steps=(
            "SCHEDULER_ROLE_ARN: a role the Scheduler assumes (scheduler.amazonaws.com) with "
            "lambda:InvokeFunction on the function; any ARN works in the sandbox",
            *deploy_steps(role),
            "see it fire in the sandbox: move its clock past 09:00 (POST /_lambherd/clock), then "
            "lambherd --sandbox logs --since 1d",
        ),
    )
