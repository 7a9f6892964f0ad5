"""Helpers of the trigger tests (not a test module): the module's sandbox seen from
ap-northeast-1, function folders with trigger files, queues, and a results file the handlers
write to (one JSON line per event they saw), read by the tests."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

TOKYO = "ap-northeast-1"
ROLE = "arn:aws:iam::123456789012:role/lambherd-triggers"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/lambherd-scheduler"
LAMBDAIGNORE = "function.json\n.lambdaignore\n*.zip\nresults*\n"

#: A handler that records each event it gets (with its version) in $RESULTS, fails the SQS
#: records whose body's "n" is a multiple of 10 (partial batch response), and raises when the
#: event says {"fail": true}.
RECORDING_HANDLER = """
import json, os, time
RESULTS = os.environ["RESULTS"]
VERSION = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]


def note(**doc):
    with open(RESULTS, "a") as fh:
        fh.write(json.dumps({"version": VERSION, "at": time.time(), **doc}) + "\\n")


def handler(event, context):
    records = (event or {}).get("Records")
    if records is None:
        note(event=event)
        if event.get("fail"):
            raise RuntimeError("asked to fail")
        return {"ok": True}
    failures = []
    for record in records:
        if "body" in record:
            n = json.loads(record["body"]).get("n", 1)
            receive = record["attributes"]["ApproximateReceiveCount"]
            if n % 10 == 0:
                failures.append({"itemIdentifier": record["messageId"]})
                continue
            note(kind="sqs", n=n, id=record["messageId"], receive=int(receive))
        else:
            note(kind=record.get("eventSource"), record=record)
    return {"batchItemFailures": failures}
"""


@dataclass
class Tokyo:
    """The module's sandbox, seen from ap-northeast-1."""

    endpoint: str

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=TOKYO,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )

    def queue(self, name: str, **attributes: Any) -> tuple[str, str]:
        """A new queue's (URL, ARN)."""
        sqs = self.client("sqs")
        attrs = {k: str(v) for k, v in attributes.items()}
        url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    def counts(self, url: str) -> tuple[int, int]:
        """(visible, in flight) messages of a queue."""
        attrs = self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        a = attrs["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(
            a["ApproximateNumberOfMessagesNotVisible"]
        )

    def drain(self, url: str) -> list[dict[str, Any]]:
        """Receive (and delete) every message of a queue."""
        sqs = self.client("sqs")
        out: list[dict[str, Any]] = []
        while True:
            got = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=60
            ).get("Messages", [])
            if not got:
                return out
            out.extend(got)
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
                ],
            )


def tokyo_sandbox(sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Tokyo:
    """The module's sandbox, emptied, and the environment lambherd reads pointed at it in
    ap-northeast-1 (conftest's ``tokyo`` fixture)."""
    req = urllib.request.Request(f"{sandbox_endpoint}/_lambherd/reset", method="POST")
    urllib.request.urlopen(req, timeout=60).read()
    from sandbox_testkit import point_at_sandbox

    point_at_sandbox(sandbox_endpoint, monkeypatch, tmp_path, TOKYO)
    return Tokyo(sandbox_endpoint)


def function_folder(
    folder: Path,
    name: str,
    *,
    results: Path | None = None,
    source: str = RECORDING_HANDLER,
    files: dict[str, Any] | None = None,
    **config: Any,
) -> Path:
    """A function folder: function.json (its Environment RESULTS= ``results``), app.py, a
    .lambdaignore and the trigger files in ``files`` (name -> JSON document)."""
    folder.mkdir(parents=True, exist_ok=True)
    definition = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": ROLE,
        "Timeout": 10,
        **config,
    }
    if results is not None:
        definition["Environment"] = {"Variables": {"RESULTS": str(results)}}
    (folder / "function.json").write_text(json.dumps(definition, indent=2))
    (folder / "app.py").write_text(source)
    (folder / ".lambdaignore").write_text(LAMBDAIGNORE)
    for filename, doc in (files or {}).items():
        (folder / filename).write_text(json.dumps(doc, indent=2))
    return folder


def results_of(path: Path) -> list[dict[str, Any]]:
    """The lines a recording handler wrote."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll ``check()`` until it returns something true; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


#: Lambda's SNS event: the keys of a record, and of its ``Sns`` body, in the order AWS sends them.
SNS_RECORD_KEYS = ("EventSource", "EventVersion", "EventSubscriptionArn", "Sns")
SNS_BODY_KEYS = (
    "Type",
    "MessageId",
    "TopicArn",
    "Subject",
    "Message",
    "Timestamp",
    "SignatureVersion",
    "Signature",
    "SigningCertUrl",
    "UnsubscribeUrl",
    "MessageAttributes",
)
