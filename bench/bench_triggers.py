"""Benchmark: SQS -> Lambda delivery in the sandbox (messages a second through a trivial handler),
beside two peers measured in the same run against the same sandbox:

- a plain boto3 consumer: ReceiveMessage (10 at a time) + DeleteMessageBatch over HTTP, the rate
  any client drains the same queue at (no function run);
- the raw invoke rate: boto3 Invoke (RequestResponse) of the same function with a 10-record
  SQS event, one after the other, counted as messages (10 a call).

The sandbox runs in this process (in-process server on a free port, state in a temporary
folder); its delivery polls with BatchSize 10 and the default 5 batches at once.

    python3 bench/bench_triggers.py [--messages 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
REGION = "ap-northeast-1"
HANDLER = "def handler(event, context):\n    return {'batchItemFailures': []}\n"


def fill(sqs, url: str, count: int) -> None:
    for start in range(0, count, 10):
        entries = [
            {"Id": str(i), "MessageBody": json.dumps({"n": i})}
            for i in range(start, min(start + 10, count))
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def empty(sqs, url: str) -> bool:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (
        attrs["ApproximateNumberOfMessages"] == "0"
        and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    )


def delivery_rate(sb, lam, sqs, count: int, run: int) -> float:
    """messages/s: the queue filled, then a mapping enabled, until the queue is empty."""
    url = sqs.create_queue(QueueName=f"bench-{run}", Attributes={"VisibilityTimeout": "30"})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    fill(sqs, url, count)
    start = time.perf_counter()
    mapping = lam.create_event_source_mapping(
        FunctionName="bench", EventSourceArn=arn, BatchSize=10
    )
    while not empty(sqs, url):
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    lam.delete_event_source_mapping(UUID=mapping["UUID"])
    return count / seconds


def consumer_rate(sqs, count: int, run: int) -> float:
    """messages/s of a boto3 receive/delete loop on a queue of the same sandbox."""
    url = sqs.create_queue(QueueName=f"peer-{run}", Attributes={"VisibilityTimeout": "30"})[
        "QueueUrl"
    ]
    fill(sqs, url, count)
    start = time.perf_counter()
    done = 0
    while done < count:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if got:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
                ],
            )
            done += len(got)
    return count / (time.perf_counter() - start)


def invoke_rate(lam, count: int) -> float:
    """messages/s of back-to-back Invoke calls, 10 SQS records each."""
    records = [{"messageId": str(i), "body": "{}", "eventSource": "aws:sqs"} for i in range(10)]
    payload = json.dumps({"Records": records}).encode()
    start = time.perf_counter()
    for _ in range(count // 10):
        lam.invoke(FunctionName="bench", Payload=payload)["Payload"].read()
    return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from sandbox_testkit import create_with, in_process

    with tempfile.TemporaryDirectory() as tmp, in_process(Path(tmp) / "state") as sb:
        lam, sqs = sb.client("lambda", REGION), sb.client("sqs", REGION)
        create_with(lam, "bench", HANDLER, Timeout=10)
        invoke_rate(lam, 100)  # warm the environments (the runtime is prepared once)
        rows = {"delivery": [], "consumer": [], "invoke": []}
        for run in range(args.runs):  # interleaved, so machine noise hits all three alike
            rows["delivery"].append(delivery_rate(sb, lam, sqs, args.messages, run))
            rows["consumer"].append(consumer_rate(sqs, args.messages, run))
            rows["invoke"].append(invoke_rate(lam, args.messages))
        median = {k: statistics.median(v) for k, v in rows.items()}
        print(f"messages per run: {args.messages}, runs: {args.runs} (medians, messages/s)")
        delivery, consumer, invoke = median["delivery"], median["consumer"], median["invoke"]
        print(f"sandbox SQS -> Lambda delivery (BatchSize 10, 5 at once): {delivery:,.0f}")
        print(f"peer: boto3 ReceiveMessage/DeleteMessageBatch loop: {consumer:,.0f}")
        print(f"peer: boto3 Invoke, 10 records a call, one at a time: {invoke:,.0f}")
        print(f"ratio delivery / consumer loop: {delivery / consumer:.2f}")
        print(f"ratio delivery / sequential invokes: {delivery / invoke:.2f}")
        counts = sb.app.triggers.sqs.counts
        print(f"batches delivered: {counts['batches']}, failed invocations: {counts['failed']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
