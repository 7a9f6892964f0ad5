"""The definition files written from a deployed function: function.json's text and
function_url.json from the URL configuration and the resource policy."""

from __future__ import annotations

import json
from typing import Any


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
    # lambroll's shape: each permission grants both statements a URL needs; an AWS_IAM URL
    # without grants gets an explicit [] (no Permissions would be refused, as lambroll does)
    return {"Config": config, "Permissions": url_permissions(policy, str(config.get("AuthType")))}


def url_permissions(policy: dict[str, Any] | None, auth_type: str) -> list[dict[str, Any]]:
    """The policy's URL grants as function_url.json permissions (lambroll's shape: Principal,
    PrincipalOrgID, SourceArn, SourceAccount), one per principal and source, whichever of the
    URL's two statements (InvokeFunctionUrl for ``auth_type``, InvokeFunction through the URL)
    grants it."""
    from lambherd.plan.policy import INVOKE_FUNCTION_URL, grant_from_statement

    out: list[dict[str, Any]] = []
    for statement in (policy or {}).get("Statement", []):
        for grant in grant_from_statement(statement):
            if not grant.for_function_url or grant.other_conditions:
                continue
            if grant.action == INVOKE_FUNCTION_URL and grant.function_url_auth_type not in (
                None,
                auth_type,
            ):
                continue
            entry = {
                key: value
                for key, value in (
                    ("Principal", grant.principal),
                    ("PrincipalOrgID", grant.principal_org_id),
                    ("SourceArn", grant.source_arn),
                    ("SourceAccount", grant.source_account),
                )
                if value
            }
            if entry not in out:
                out.append(entry)
    return out


def missing_url_statements(url: dict[str, Any], policy: dict[str, Any] | None) -> list[str]:
    """The statements function_url.json asks for that the policy lacks (a URL made before
    Lambda required lambda:InvokeFunction too has only half of them)."""
    from lambherd.plan.policy import match_grants
    from lambherd.plan.url_planner import is_url_grant, url_grants

    wanted = url_grants(url)
    match = match_grants(wanted, (policy or {}).get("Statement", []), is_url_grant)
    return [wanted[key].describe() for key in match.missing]


def definition_text(config: dict[str, Any], *, jsonnet: bool = False) -> str:
    """The definition file's text; literal ``{{`` are escaped so templates leave them alone."""
    text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    if not jsonnet and "{{" in text:
        text = text.replace("{{", "{{ `{{` }}")
    return text
