"""Lambda's rules for a function's name, in one place: ``import --all`` checks every listed
name before it touches the disk (a name is a folder there: ``../x`` must never become one), and
the sandbox refuses at CreateFunction what Lambda refuses.

A name is 1-64 of ``a-z A-Z 0-9 - _``. CreateFunction also takes the function's ARN or a partial
ARN (``123456789012:function:name``) in FunctionName, 140 characters at most
(botocore's model of CreateFunction; Lambda's developer guide, "Function naming").
"""

from __future__ import annotations

import re

NAME_MAX = 64
#: FunctionName of CreateFunction (the name, a partial ARN, or an ARN), as the API model has it.
CREATE_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?"
    r"([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
CREATE_MAX = 140
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_CREATE = re.compile(CREATE_PATTERN)


def invalid_function_name(name: str) -> str | None:
    """Why ``name`` is not a plain Lambda function name (None when it is one)."""
    if _NAME.fullmatch(name):
        return None
    if not name:
        return "empty"
    if len(name) > NAME_MAX:
        return f"{len(name)} characters, at most {NAME_MAX}"
    return "only letters, digits, - and _ are allowed"


def create_name_problem(value: str) -> str | None:
    """What Lambda answers a CreateFunction whose FunctionName is ``value`` (None: accepted):
    its "1 validation error detected" text."""
    head = f"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy "
    if not value:
        return head + "constraint: Member must have length greater than or equal to 1"
    if len(value) > CREATE_MAX:
        return head + f"constraint: Member must have length less than or equal to {CREATE_MAX}"
    match = _CREATE.fullmatch(value)
    if match is None:
        return (
            head + f"constraint: Member must satisfy regular expression pattern: {CREATE_PATTERN}"
        )
    if len(match.group(7)) > NAME_MAX:
        return head + f"constraint: Member must have length less than or equal to {NAME_MAX}"
    return None
