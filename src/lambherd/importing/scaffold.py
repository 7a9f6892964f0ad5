"""Starting files for a function that does not exist yet (``lambherd init`` on a new name).

Everything here is plain text: the definition (JSON with template calls, or Jsonnet), a handler
whose AWS clients are made at init (outside the handler, so warm invocations reuse them), a
``tests.yaml`` for ``lambherd test``, and the default ``.lambdaignore`` (shared with the importer).
"""

from __future__ import annotations

import json

#: Environment variable the scaffold's Role reads; rendering fails clearly until it is set.
ROLE_ENV = "LAMBDA_ROLE_ARN"

#: Files that never belong in the deployment package.
LAMBDAIGNORE = """\
# files left out of the deployment package, matched as lambroll does: each line against the
# whole path from this folder; * matches any characters, / included (so *.pyc is any depth)
.lambdaignore
function.json
function.jsonnet
function_url.json
function_url.jsonnet
function.zip
.git/*
.terraform/*
terraform.tfstate
tests.json
tests.yaml
tests.yml
*.zip
*__pycache__/*
*.pyc
.pytest_cache/*
.venv/*
"""

_APP_PY = '''\
"""{name}: an AWS Lambda function.

Code outside ``handler`` is init code: it runs once per execution environment and is reused by
every warm invocation. Create AWS clients, read configuration and open connections here, never
inside the handler.
"""

import json
import logging
import os

import boto3

LOG = logging.getLogger()
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

# Init code: one session and its clients per environment.
session = boto3.session.Session()
s3 = session.client("s3")
GREETING = os.environ.get("GREETING", "Hello")


def handler(event, context):
    """Greet ``event["name"]`` (default: world)."""
    name = (event or {{}}).get("name", "world")
    message = f"{{GREETING}}, {{name}}!"
    LOG.info(json.dumps({{"message": message, "request_id": context.aws_request_id}}))
    return {{"statusCode": 200, "body": message}}
'''

_TESTS_YAML = """\
# `lambherd test` cases: each invokes the function and checks the result.
- name: greets by name
  payload: {"name": "Ada"}
  expect:
    success: true
    contains: {"statusCode": 200, "body": "Hello, Ada!"}
- name: defaults to world
  payload: {}
  expect:
    contains: {"body": "Hello, world!"}
    max_duration_ms: 3000
"""


def scaffold_definition(name: str) -> dict[str, object]:
    """The new function's definition as data (Role left as a template call)."""
    return {
        "FunctionName": name,
        "Description": f"{name} (created by lambherd init)",
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": f"{{{{ must_env `{ROLE_ENV}` }}}}",
        "MemorySize": 256,
        "Timeout": 10,
        "Architectures": ["x86_64"],
        "Environment": {"Variables": {"GREETING": "Hello", "LOG_LEVEL": "INFO"}},
    }


def scaffold_function_json(name: str) -> str:
    """function.json text for a new function."""
    return json.dumps(scaffold_definition(name), indent=2) + "\n"


def scaffold_function_jsonnet(name: str) -> str:
    """function.jsonnet text for a new function (Role via ``std.native('must_env')``)."""
    body = scaffold_definition(name)
    body["Role"] = "__ROLE__"
    text = json.dumps(body, indent=2)
    text = text.replace('"__ROLE__"', f"must_env('{ROLE_ENV}')")
    return "local must_env = std.native('must_env');\n\n" + text + "\n"


def scaffold_app_py(name: str) -> str:
    """app.py for a new function."""
    return _APP_PY.format(name=name)


def scaffold_tests_yaml() -> str:
    """tests.yaml matching ``scaffold_app_py``'s behaviour."""
    return _TESTS_YAML


def scaffold_function_url_json() -> str:
    """function_url.json for a new function: an IAM-authenticated URL with no resource-policy
    grant (nothing public; callers of the same account need ``lambda:InvokeFunctionUrl`` and
    ``lambda:InvokeFunction`` in their own IAM policies).

    A public URL is ``"AuthType": "NONE"`` (with no Permissions: ``[{"Principal": "*"}]``);
    another account is ``{"Principal": "ACCOUNT_ID"}``; that is left as a deliberate choice.
    """
    doc = {"Config": {"AuthType": "AWS_IAM", "InvokeMode": "BUFFERED"}, "Permissions": []}
    return json.dumps(doc, indent=2) + "\n"


def next_steps(name: str) -> list[str]:
    """What a new user does after the scaffold is written."""
    return [
        f"export {ROLE_ENV}=arn:aws:iam::ACCOUNT_ID:role/ROLE "
        "(a role Lambda can assume, e.g. with AWSLambdaBasicExecutionRole)",
        "lambherd render            # check the definition",
        "lambherd local invoke      # run it on this machine",
        f"lambherd deploy            # create {name}",
        "lambherd test              # run the cases in tests.yaml",
    ]
