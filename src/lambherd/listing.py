"""List the functions of an account and region (ListFunctions, every page)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from lambherd.defaults import MEMORY_SIZE, PACKAGE_TYPE, TIMEOUT
from lambherd.errors import describe_client_error


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


def list_functions(
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
