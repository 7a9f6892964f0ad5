"""``list``: the functions of an account and region (ListFunctions, every page), marking the
one whose definition is here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lambherd.defaults import MEMORY_SIZE, PACKAGE_TYPE, TIMEOUT
from lambherd.errors import LambherdError, describe_client_error

if TYPE_CHECKING:
    from lambherd.app import App


@dataclass(frozen=True)
class FunctionSummary:
    """One row of ``lambherd list``."""

    name: str
    runtime: str
    memory: int
    timeout: int
    last_modified: str
    package_type: str
    managed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class ListResult:
    """The functions, and what to say about telling which one is managed here."""

    rows: list[FunctionSummary]
    warnings: list[str]


def list_functions(app: App, prefix: str | None = None) -> ListResult:
    """Every function of the account and region (``prefix`` filters by name), the one defined
    in the working folder marked."""
    warnings: list[str] = []
    rows = list_summaries(app.clients, prefix=prefix, managed=_managed_names(app, warnings))
    return ListResult(rows, warnings)


def _managed_names(app: App, warnings: list[str]) -> set[str]:
    """The function name of the definition in the current folder, if there is one (as its
    project names it, rendered without AWS unless the name comes from AWS).

    When its name cannot be rendered, one warning says why and what to do; the list goes on.
    """
    from lambherd.project.context import definition_path, load_app_definition

    path = definition_path(app)
    if path is None:
        return set()
    try:
        name = load_app_definition(app, fields=("FunctionName",)).name
    except LambherdError as exc:
        advice = exc.hint or f"`lambherd render` shows the problem in {path.name}"
        warnings.append(f"cannot tell which function is managed here: {exc.message}; {advice}")
        return set()
    return {name} if name else set()


def list_summaries(
    clients: Any, *, prefix: str | None = None, managed: Iterable[str] = ()
) -> list[FunctionSummary]:
    """Every function (all pages), optionally only names starting with ``prefix``, sorted by name.

    ``managed`` names are flagged (the functions whose definitions live here).
    """
    from botocore.exceptions import ClientError

    managed_names = set(managed)
    paginator = clients.client("lambda").get_paginator("list_functions")
    rows = []
    try:
        for page in paginator.paginate():
            for fn in page.get("Functions", []):
                name = fn.get("FunctionName", "")
                if prefix and not name.startswith(prefix):
                    continue
                rows.append(_summary(fn, name in managed_names))
    except ClientError as exc:
        raise describe_client_error(exc, "list functions") from exc
    return sorted(rows, key=lambda r: r.name)


def _summary(fn: dict[str, Any], managed: bool) -> FunctionSummary:
    package_type = fn.get("PackageType", PACKAGE_TYPE)
    return FunctionSummary(
        name=fn.get("FunctionName", ""),
        runtime=fn.get("Runtime") or ("image" if package_type == "Image" else ""),
        memory=int(fn.get("MemorySize", MEMORY_SIZE)),
        timeout=int(fn.get("Timeout", TIMEOUT)),
        last_modified=str(fn.get("LastModified", "")),
        package_type=package_type,
        managed=managed,
    )


def list_definitions(app: App, prefix: str | None = None) -> list[dict[str, Any]]:
    """Every function (``prefix`` filters by name) as lambroll's ``list`` prints it: its
    definition in function.json's shape, with its tags (ListTags, one call per function)."""
    from botocore.exceptions import ClientError

    from lambherd.definition.normalize import definition_from_remote

    lam = app.clients.client("lambda")
    out = []
    try:
        for page in lam.get_paginator("list_functions").paginate():
            for fn in page.get("Functions", []):
                name = fn.get("FunctionName", "")
                if prefix and not name.startswith(prefix):
                    continue
                tags = lam.list_tags(Resource=fn["FunctionArn"]).get("Tags") or {}
                out.append({"FunctionName": name, **definition_from_remote(fn, tags)})
    except ClientError as exc:
        raise describe_client_error(exc, "list functions") from exc
    return sorted(out, key=lambda d: str(d.get("FunctionName")))
