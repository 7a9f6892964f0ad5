"""What AWS reports about one function, read once before planning (the planner's only input
from AWS). Build ``RemoteState`` directly for tests; ``read_remote_state`` does the reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lambherd.errors import describe_client_error


@dataclass(frozen=True)
class RemoteState:
    """A function as deployed. ``configuration`` is None when the function does not exist.

    ``versions`` are ListVersionsByFunction entries (published ones only, no $LATEST);
    ``aliases`` ListAliases entries; ``alias`` the deploy's alias (GetAlias) or None;
    ``url_config`` GetFunctionUrlConfig or None; ``policy_statements`` GetPolicy's statements
    for the URL's qualifier; ``code`` GetFunction's ``Code`` (``ImageUri`` of image functions).
    """

    configuration: dict[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    alias: dict[str, Any] | None = None
    versions: tuple[dict[str, Any], ...] = ()
    aliases: tuple[dict[str, Any], ...] = ()
    url_config: dict[str, Any] | None = None
    policy_statements: tuple[dict[str, Any], ...] = ()
    code: dict[str, Any] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        """True when the function exists."""
        return self.configuration is not None

    @property
    def revision_id(self) -> str | None:
        """$LATEST's RevisionId as read."""
        return (self.configuration or {}).get("RevisionId")

    @property
    def code_sha256(self) -> str | None:
        """$LATEST's CodeSha256 as read."""
        return (self.configuration or {}).get("CodeSha256")

    @property
    def function_arn(self) -> str | None:
        """The unqualified function ARN."""
        return (self.configuration or {}).get("FunctionArn")

    def version(self, number: str) -> dict[str, Any] | None:
        """One published version's configuration, or None."""
        return next((v for v in self.versions if v.get("Version") == number), None)

    def published_numbers(self) -> list[int]:
        """Published version numbers, ascending."""
        return sorted(int(v["Version"]) for v in self.versions if str(v["Version"]).isdigit())


def alias_weights(alias: dict[str, Any]) -> dict[str, Any]:
    """An alias's routing weights (version -> weight), {} when it sends all traffic to one."""
    return (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


def aliased_versions(aliases: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> set[str]:
    """Every version an alias points to, including through routing weights."""
    out: set[str] = set()
    for alias in aliases:
        out.add(str(alias.get("FunctionVersion")))
        out.update(str(v) for v in alias_weights(alias))
    return out


def read_remote_state(
    clients: Any,
    name: str,
    alias: str | None = None,
    url_qualifier: str | None = None,
    *,
    details: bool = True,
    versions: bool = True,
    qualifier: str | None = None,
    url: bool = True,
) -> RemoteState:
    """Read a function's state (GetFunction, ListTags, GetAlias, versions, aliases, URL, policy).

    A missing function gives an empty ``RemoteState``; ``details=False`` stops after GetFunction
    and ListTags; ``versions=False`` skips ListVersionsByFunction and ListAliases; ``qualifier``
    reads that version or alias's configuration instead of $LATEST's; ``url=False`` skips the
    function URL and its policy (function_url.json absent: the URL is not managed).
    """
    lam = clients.client("lambda")
    get_kwargs = {"Qualifier": qualifier} if qualifier else {}
    got = _optional(
        lambda: lam.get_function(FunctionName=name, **get_kwargs), f"read function {name}"
    )
    if got is None:
        return RemoteState()
    configuration = dict(got["Configuration"])
    arn = configuration["FunctionArn"]
    if qualifier and arn.endswith(f":{qualifier}"):
        arn = arn[: -len(qualifier) - 1]
    tags = got.get("Tags")
    if tags is None:
        tags = _call(lambda: lam.list_tags(Resource=arn), f"list tags of {name}").get("Tags", {})
    code = {k: v for k, v in (got.get("Code") or {}).items() if k != "Location"}
    if not details:
        return RemoteState(configuration=configuration, tags=dict(tags), code=code)
    alias_doc = None
    if alias:
        alias_doc = _optional(
            lambda: lam.get_alias(FunctionName=name, Name=alias), f"read alias {alias}"
        )
    published: list[dict[str, Any]] = []
    aliases: list[dict[str, Any]] = []
    if versions:
        published = [
            v
            for v in _paginate(lam, "list_versions_by_function", "Versions", FunctionName=name)
            if v.get("Version") != "$LATEST"
        ]
        aliases = list(_paginate(lam, "list_aliases", "Aliases", FunctionName=name))
    url_kwargs = {"Qualifier": url_qualifier} if url_qualifier else {}
    url_doc = policy = None
    if url:
        url_doc = _optional(
            lambda: lam.get_function_url_config(FunctionName=name, **url_kwargs),
            f"read function URL of {name}",
        )
        policy = _optional(
            lambda: lam.get_policy(FunctionName=name, **url_kwargs), f"read policy of {name}"
        )
    statements: list[dict[str, Any]] = []
    if policy and policy.get("Policy"):
        statements = list(json.loads(policy["Policy"]).get("Statement", []))
    return RemoteState(
        configuration=configuration,
        tags=dict(tags),
        alias=_strip_metadata(alias_doc),
        versions=tuple(published),
        aliases=tuple(_strip_metadata(a) or {} for a in aliases),
        url_config=_strip_metadata(url_doc),
        policy_statements=tuple(statements),
        code=code,
    )


def _strip_metadata(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k != "ResponseMetadata"}


def _paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    from botocore.exceptions import ClientError

    from lambherd.retry import call_with_retry

    def read_all() -> list[dict[str, Any]]:
        pages = client.get_paginator(operation).paginate(**kwargs)
        return [item for page in pages for item in page.get(key, [])]

    try:
        return call_with_retry(read_all)
    except ClientError as exc:
        raise describe_client_error(exc, f"{operation} {kwargs.get('FunctionName')}") from exc


def _call(fn: Any, action: str) -> dict[str, Any]:
    """``fn()`` with throttling retried (plans read many functions in parallel)."""
    from botocore.exceptions import ClientError

    from lambherd.retry import call_with_retry

    try:
        return call_with_retry(fn)
    except ClientError as exc:
        raise describe_client_error(exc, action) from exc


def _optional(fn: Any, action: str) -> dict[str, Any] | None:
    """``fn()``, or None when AWS says the resource does not exist (throttling retried)."""
    from botocore.exceptions import ClientError

    from lambherd.retry import call_with_retry

    try:
        return call_with_retry(fn)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise describe_client_error(exc, action) from exc
