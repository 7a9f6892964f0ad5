"""The definition files written from a deployed function: function.json's text and
function_url.json from the URL configuration and the resource policy."""

from __future__ import annotations

import json
import re
from typing import Any

_ROOT_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):root$")


# ----------------------------------------------------------------------------------------
# Building the files
# ----------------------------------------------------------------------------------------
def url_definition(
    url_config: dict[str, Any], policy: dict[str, Any] | None, qualifier: str | None = None
) -> dict[str, Any]:
    """function_url.json: ``{"Config": CreateFunctionUrlConfig input, "Permissions": [...]}``."""
    config: dict[str, Any] = {}
    for key in ("AuthType", "Cors", "InvokeMode"):
        value = url_config.get(key)
        if value not in (None, {}, []):
            config[key] = value
    if isinstance(config.get("InvokeMode"), str):
        config["InvokeMode"] = config["InvokeMode"].upper()  # the API's enum spelling
    if qualifier:
        config["Qualifier"] = qualifier
    out: dict[str, Any] = {"Config": config}
    permissions = url_permissions(policy)
    if permissions:
        out["Permissions"] = permissions
    return out


def url_permissions(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Statements granting ``lambda:InvokeFunctionUrl``, as AddPermission inputs."""
    out = []
    for statement in (policy or {}).get("Statement", []):
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if "lambda:InvokeFunctionUrl" not in actions or statement.get("Effect", "Allow") != "Allow":
            continue
        out.append(_permission(statement))
    return out


def _permission(statement: dict[str, Any]) -> dict[str, Any]:
    perm: dict[str, Any] = {}
    if statement.get("Sid"):
        perm["StatementId"] = statement["Sid"]
    perm["Action"] = "lambda:InvokeFunctionUrl"
    perm["Principal"] = _principal(statement.get("Principal"))
    conditions: dict[str, Any] = {}
    for values in (statement.get("Condition") or {}).values():
        for key, value in (values or {}).items():
            conditions[key.lower()] = value[0] if isinstance(value, list) else value
    for field_name, key in (
        ("SourceArn", "aws:sourcearn"),
        ("SourceAccount", "aws:sourceaccount"),
        ("PrincipalOrgID", "aws:principalorgid"),
        ("FunctionUrlAuthType", "lambda:functionurlauthtype"),
    ):
        if key in conditions:
            perm[field_name] = conditions[key]
    if "FunctionUrlAuthType" not in perm and statement.get("FunctionUrlAuthType"):
        perm["FunctionUrlAuthType"] = statement["FunctionUrlAuthType"]  # moto's shape
    return perm


def _principal(principal: Any) -> str:
    if isinstance(principal, dict):
        principal = principal.get("Service") or principal.get("AWS") or "*"
    if isinstance(principal, list):
        principal = principal[0]
    text = str(principal)
    root = _ROOT_PRINCIPAL.match(text)
    return root.group(1) if root else text


def definition_text(config: dict[str, Any], *, jsonnet: bool = False) -> str:
    """The definition file's text; literal ``{{`` are escaped so templates leave them alone."""
    text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    if not jsonnet and "{{" in text:
        text = text.replace("{{", "{{ `{{` }}")
    return text
