"""Execution roles: Lambda refuses a function whose role does not exist; the sandbox makes it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.wire import internal_request

MotoCall = Callable[[dict[str, Any], bytes], Response]
_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$")
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def ensure_role(
    facade: MotoFacade, call_moto: MotoCall, account: str, region: str, role_arn: str
) -> None:
    """Create the role ``role_arn`` names when it is missing and belongs to ``account``."""
    m = _ROLE_ARN.match(role_arn)
    if not m or m.group(1) != account or facade.role_exists(account, role_arn):
        return
    path = "/" + role_arn.split(":role/", 1)[1].rsplit("/", 1)[0] + "/"
    if path == f"/{m.group(2)}/":
        path = "/"
    form = {
        "Action": "CreateRole",
        "Version": "2010-05-08",
        "RoleName": m.group(2),
        "Path": path,
        "AssumeRolePolicyDocument": json.dumps(_TRUST),
        "Description": "created by the lambherd sandbox for a function that named it",
    }
    call_moto(*internal_request("POST", "/", "iam", region, form=form))
