"""Layer versions' content, downloadable as from Lambda: ``Content.Location`` of
GetLayerVersion / GetLayerVersionByArn / PublishLayerVersion points at this sandbox
(``/_lambherd/layer/<name>/<version>.zip?region=R``; moto reports ``s3://``), and
GetLayerVersionByArn, which moto lacks, is answered as GetLayerVersion of the ARN's layer."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, quote

from werkzeug.wrappers import Response

from lambherd.sandbox.wire import json_doc, replace_json

LAYER_PATH = re.compile(r"^/_lambherd/layer/([^/]+)/(\d+)\.zip$")
_FIND = re.compile(r"^/(?P<api>\d{4}-\d{2}-\d{2})/layers/?$")
_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:layer:(?P<name>[^:]+):(?P<version>\d+)$")


def by_arn(environ: dict[str, Any]) -> dict[str, Any]:
    """GetLayerVersionByArn (``GET /layers?find=LayerVersion&Arn=...``) as the GetLayerVersion
    request moto serves; any other request unchanged."""
    m = _FIND.match(environ.get("PATH_INFO", ""))
    if not m or environ.get("REQUEST_METHOD") != "GET":
        return environ
    query = parse_qs(environ.get("QUERY_STRING", ""))
    arn = _ARN.match((query.get("Arn") or [""])[-1])
    if (query.get("find") or [""])[-1] != "LayerVersion" or not arn:
        return environ
    changed = dict(environ)
    changed["PATH_INFO"] = f"/{m['api']}/layers/{arn['name']}/versions/{arn['version']}"
    changed["QUERY_STRING"] = ""
    for key in ("RAW_URI", "REQUEST_URI"):
        changed.pop(key, None)
    return changed


def fix_location(environ: dict[str, Any], resp: Response, region: str, endpoint: str) -> Response:
    """A layer version document's ``Content.Location``, downloadable from this sandbox."""
    if resp.status_code >= 400 or "/layers" not in environ.get("PATH_INFO", ""):
        return resp
    doc = json_doc(resp.get_data())
    content = doc.get("Content")
    arn = _ARN.match(str(doc.get("LayerVersionArn", "")))
    if not isinstance(content, dict) or not arn:
        return resp
    host = environ.get("HTTP_HOST") or endpoint.split("://", 1)[-1]
    name = quote(arn["name"], safe="")
    content["Location"] = f"http://{host}/_lambherd/layer/{name}/{arn['version']}.zip" + (
        f"?region={region}"
    )
    return replace_json(resp, doc)
