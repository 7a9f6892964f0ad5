"""A function's resource policy (AddPermission / RemovePermission / GetPolicy) over moto's.

moto compares AddPermission's RevisionId with a policy revision of its own that no API reports,
and RemovePermission's (a list, from its query parsing) with a string, so no value passes there:
the sandbox checks the function's (or alias's) RevisionId itself (``revisions``), sends moto none,
and reports that RevisionId in GetPolicy, as Lambda does.
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
    """GetPolicy's RevisionId is the function's (or alias's), as on Lambda, not moto's own."""
    doc = json_doc(resp.get_data())
    revision = revisions.policy_revision(key, qualifier)
    if not doc or not revision:
        return resp
    doc["RevisionId"] = revision
    return replace_json(resp, doc)
