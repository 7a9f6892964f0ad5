"""A small, realistic Lambda function: clients made once at init, reused by every invocation."""

import json
import os
import time

import boto3

# Init code: runs once per execution environment, then is reused while the environment is warm.
GREETING = os.environ.get("GREETING", "Hello")
BUCKET = os.environ.get("BUCKET", "")
s3 = boto3.client("s3")
STARTED = time.time()
invocations = 0


def handler(event, context):
    """Greet ``event["name"]``; with ``event["record"]`` true, also store the greeting in S3."""
    global invocations
    invocations += 1
    name = (event or {}).get("name", "world")
    message = f"{GREETING}, {name}!"
    if (event or {}).get("record") and BUCKET:
        s3.put_object(Bucket=BUCKET, Key=f"greetings/{context.aws_request_id}.txt", Body=message)
    print(json.dumps({"level": "info", "message": message, "warm_invocations": invocations}))
    return {
        "statusCode": 200,
        "body": message,
        "warm": invocations > 1,
        "environment_age_s": round(time.time() - STARTED, 3),
    }
