"""The ``http-api`` starter: a function URL (payload format 2.0) answering JSON routes."""

from __future__ import annotations

from lambherd.starters import Starter
from lambherd.starters.common import definition, deploy_steps, dumps

APP = '''\
"""{name}: a small HTTP API behind a Lambda function URL (payload format 2.0).

Routes: GET /health, GET /items/{{id}}, POST /items (a JSON body with "name").
Code outside ``handler`` runs once per execution environment (init): keep clients here.
"""

import json
import logging
import os

LOG = logging.getLogger()
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
ITEMS = {{"1": {{"id": "1", "name": "first"}}}}  # a stand-in for your table


def respond(status, body):
    return {{
        "statusCode": status,
        "headers": {{"content-type": "application/json"}},
        "body": json.dumps(body),
    }}


def handler(event, context):
    http = (event.get("requestContext") or {{}}).get("http") or {{}}
    method, path = http.get("method", "GET"), event.get("rawPath", "/")
    if method == "GET" and path == "/health":
        return respond(200, {{"ok": True}})
    if method == "GET" and path.startswith("/items/"):
        item = ITEMS.get(path.rsplit("/", 1)[-1])
        return respond(200, item) if item else respond(404, {{"error": "no such item"}})
    if method == "POST" and path == "/items":
        try:
            doc = json.loads(event.get("body") or "{{}}")
        except ValueError:
            return respond(400, {{"error": "the body is not JSON"}})
        if not isinstance(doc, dict) or not doc.get("name"):
            return respond(400, {{"error": "name is required"}})
        item = {{"id": str(len(ITEMS) + 1), "name": doc["name"]}}
        ITEMS[item["id"]] = item
        LOG.info(json.dumps({{"created": item["id"], "request_id": context.aws_request_id}}))
        return respond(201, item)
    return respond(404, {{"error": f"no route for {{method}} {{path}}"}})
'''

TESTS = """\
# `lambherd test` cases (function URL events, payload format 2.0)
- name: health
  payload: {"rawPath": "/health", "requestContext": {"http": {"method": "GET"}}}
  expect:
    success: true
    contains: {"statusCode": 200, "body": "{\\"ok\\": true}"}
- name: an item
  payload: {"rawPath": "/items/1", "requestContext": {"http": {"method": "GET"}}}
  expect:
    contains: {"statusCode": 200}
- name: no such route
  payload: {"rawPath": "/nowhere", "requestContext": {"http": {"method": "GET"}}}
  expect:
    contains: {"statusCode": 404}
- name: a body without a name is refused
  payload: {"rawPath": "/items", "body": "{}", "requestContext": {"http": {"method": "POST"}}}
  expect:
    contains: {"statusCode": 400}
"""


def starter(name: str) -> Starter:
    """The files of an HTTP API named ``name``."""
    url = {
        "Config": {"AuthType": "NONE", "InvokeMode": "BUFFERED"},
        "Permissions": [{"Principal": "*"}],
    }
    return Starter(
        files={
            "function.json": definition(name, f"{name}: an HTTP API (lambherd http-api starter)"),
            "function_url.json": dumps(url),
            "app.py": APP.format(name=name),
            "tests.yaml": TESTS,
        },
        notes=(
            "function_url.json makes a PUBLIC URL (AuthType NONE, anyone may call it); "
            "use AuthType AWS_IAM and a Permissions list to restrict it",
        ),
        next_steps=(
            *deploy_steps(),
            "lambherd --sandbox status      # shows the URL; curl it: curl $URL/health",
        ),
    )
