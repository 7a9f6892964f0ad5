"""What an import reads from AWS about one function, once: GetFunction, its tags, its URL
configuration and resource policy, its aliases and published versions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lambherd.errors import describe_client_error


@dataclass(frozen=True)
class RemoteFunction:
    """What AWS reports about one function (and its URL, when asked for)."""

    configuration: dict[str, Any]
    tags: dict[str, str]
    code: dict[str, Any]
    url_config: dict[str, Any] | None = None
    policy: dict[str, Any] | None = None
    #: ListAliases entries (without ResponseMetadata)
    aliases: tuple[dict[str, Any], ...] = ()
    #: ListVersionsByFunction entries of the published versions (no $LATEST)
    versions: tuple[dict[str, Any], ...] = ()

    @property
    def name(self) -> str:
        """The function's name."""
        return str(self.configuration.get("FunctionName", ""))

    @property
    def region(self) -> str:
        """The region of its ARN (``arn:aws:lambda:REGION:ACCOUNT:function:NAME``)."""
        parts = str(self.configuration.get("FunctionArn", "")).split(":")
        return parts[3] if len(parts) > 3 else ""


def fetch_remote(
    clients: Any,
    name: str,
    qualifier: str | None = None,
    *,
    with_url: bool = False,
    with_versions: bool = True,
) -> RemoteFunction | None:
    """GetFunction + ListTags (+ URL config and policy, aliases and versions); None when the
    function does not exist."""
    from botocore.exceptions import ClientError

    lam = clients.client("lambda")
    what = f"get function {name}" + (f":{qualifier}" if qualifier else "")
    kwargs: dict[str, Any] = {"FunctionName": name}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    try:
        resp = lam.get_function(**kwargs)
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException" and not qualifier:
            return None
        raise describe_client_error(exc, what) from exc
    configuration = resp["Configuration"]
    arn = unqualified_arn(configuration.get("FunctionArn", ""))
    try:
        tags = lam.list_tags(Resource=arn).get("Tags", {}) if arn else resp.get("Tags", {})
    except ClientError as exc:
        raise describe_client_error(exc, f"list tags of {name}") from exc
    url_config = policy = None
    if with_url:
        url_config, policy = _fetch_url(lam, name, kwargs)
    aliases: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    if with_versions:  # by the name GetFunction reports (``name`` may be an ARN)
        plain = str(configuration.get("FunctionName") or name)
        aliases = _all(lam, "list_aliases", "Aliases", plain)
        versions = [
            v
            for v in _all(lam, "list_versions_by_function", "Versions", plain)
            if v.get("Version") != "$LATEST"
        ]
    return RemoteFunction(
        configuration,
        tags or {},
        resp.get("Code") or {},
        url_config,
        policy,
        tuple(aliases),
        tuple(versions),
    )


def _all(lam: Any, operation: str, key: str, name: str) -> list[dict[str, Any]]:
    from botocore.exceptions import ClientError

    try:
        pages = lam.get_paginator(operation).paginate(FunctionName=name)
        return [
            {k: v for k, v in item.items() if k != "ResponseMetadata"}
            for page in pages
            for item in page.get(key, [])
        ]
    except ClientError as exc:
        raise describe_client_error(exc, f"{operation} {name}") from exc


def _fetch_url(
    lam: Any, name: str, kwargs: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The URL configuration and resource policy of ``kwargs`` (FunctionName[, Qualifier])."""
    from botocore.exceptions import ClientError

    try:
        url_config = lam.get_function_url_config(**kwargs)
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return None, None
        raise describe_client_error(exc, f"get function URL of {name}") from exc
    try:
        policy = json.loads(lam.get_policy(**kwargs)["Policy"])
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise describe_client_error(exc, f"get policy of {name}") from exc
        policy = None
    return url_config, policy


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def unqualified_arn(arn: str) -> str:
    """A function ARN without its version or alias."""
    parts = arn.split(":")
    return ":".join(parts[:7]) if len(parts) >= 7 else arn
