"""A function's resource policy (AddPermission / RemovePermission / GetPolicy) over moto's.

moto compares AddPermission's RevisionId with a policy revision of its own that no API reports,
and RemovePermission's (a list, from its query parsing) with a string, so no value passes there:
the sandbox checks the function's (or alias's) RevisionId itself (``revisions``), sends moto none,
and reports that RevisionId in GetPolicy, as Lambda does.

moto also keeps ``FunctionUrlAuthType`` and ``InvokedViaFunctionUrl`` as top-level fields of
the statement and an account principal as the bare id; GetPolicy reports them as Lambda writes
them (``Condition`` ``StringEquals lambda:FunctionUrlAuthType`` / ``Bool
lambda:InvokedViaFunctionUrl``, ``{"AWS": "arn:aws:iam::ID:root"}``), so the AWS CLI sees
Lambda's shape.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from werkzeug.wrappers import Response

from lambherd.sandbox.revisions import Revisions
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import json_doc, replace_json


def without_revision(environ: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    """The request without its RevisionId (query or body), for moto."""
    query = environ.get("QUERY_STRING", "")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "RevisionId"]
    doc = json_doc(body)
    if "RevisionId" not in doc and len(kept) == len(parse_qsl(query, keep_blank_values=True)):
        return environ, body
    environ = dict(environ)
    environ["QUERY_STRING"] = urlencode(kept)
    if "RevisionId" in doc:
        doc.pop("RevisionId")
        body = json.dumps(doc).encode()
    return environ, body


def fix_policy(
    revisions: Revisions, key: FunctionKey, qualifier: str | None, resp: Response
) -> Response:
    """GetPolicy as Lambda reports it: the function's (or alias's) RevisionId, not moto's own,
    and each statement in Lambda's shape (``lambda_statement``)."""
    doc = json_doc(resp.get_data())
    if not doc:
        return resp
    revision = revisions.policy_revision(key, qualifier)
    if revision:
        doc["RevisionId"] = revision
    if isinstance(doc.get("Policy"), str):
        try:
            policy = json.loads(doc["Policy"])
        except ValueError:
            policy = None
        if isinstance(policy, dict) and isinstance(policy.get("Statement"), list):
            policy["Statement"] = [lambda_statement(s) for s in policy["Statement"]]
            doc["Policy"] = json.dumps(policy)
    return replace_json(resp, doc)


def lambda_statement(statement: Any) -> Any:
    """One of moto's stored statements as Lambda writes it (see the module docstring)."""
    if not isinstance(statement, dict):
        return statement
    out = dict(statement)
    condition = {op: dict(entries) for op, entries in (out.get("Condition") or {}).items()}
    auth = out.pop("FunctionUrlAuthType", None)
    if auth:
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = auth
    via_url = out.pop("InvokedViaFunctionUrl", None)
    if via_url in (True, "true", "True"):
        condition.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = "true"
    if condition:
        out["Condition"] = condition
    principal = out.get("Principal")
    if isinstance(principal, str) and principal.isdigit() and len(principal) == 12:
        out["Principal"] = {"AWS": f"arn:aws:iam::{principal}:root"}
    return out
