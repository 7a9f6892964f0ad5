"""Concurrency: reserved (and the unreserved floor), provisioned configs, account settings.

moto stores reserved concurrency but neither checks it against the account nor serves
provisioned concurrency or GetAccountSettings as Lambda does; the sandbox does. Provisioned
environments are pre-warmed by the invoker (``on_change`` tells it to look again).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.versions import Versions
from lambherd.sandbox.wire import Route, error, lambda_time, ok

DEFAULT_ACCOUNT_CONCURRENCY = 1000
MIN_UNRESERVED = 100
#: Lambda's account limits GetAccountSettings reports (besides concurrency).
CODE_LIMITS = {
    "TotalCodeSize": 80530636800,
    "CodeSizeUnzipped": 262144000,
    "CodeSizeZipped": 52428800,
}


def _not_found(qualifier: str) -> Response:
    return error(
        404,
        "ProvisionedConcurrencyConfigNotFoundException",
        f"No Provisioned Concurrency Config found for this function: {qualifier}",
    )


class Concurrency:
    """Reserved and provisioned concurrency of every function, against the account's limit."""

    def __init__(
        self,
        facade: MotoFacade,
        versions: Versions,
        *,
        account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY,
        on_change: Callable[[FunctionKey], None] = lambda _key: None,
    ) -> None:
        self._facade = facade
        self._versions = versions
        self.account_concurrency = account_concurrency
        self.on_change = on_change

    # -- reserved ---------------------------------------------------------------------------
    def reserved_total(self, account: str, region: str, excluding: str | None = None) -> int:
        """Concurrency reserved by the functions of an account in a region."""
        return sum(
            f.reserved or 0
            for f in self._facade.functions(account, region)
            if f.name != excluding and f.reserved is not None
        )

    def check_reserved(self, key: FunctionKey, doc: dict[str, Any]) -> Response | None:
        """Refuse a PutFunctionConcurrency that leaves the account under its floor."""
        wanted = int(doc.get("ReservedConcurrentExecutions") or 0)
        others = self.reserved_total(key.account, key.region, excluding=key.name)
        if self.account_concurrency - others - wanted < MIN_UNRESERVED:
            return error(
                400,
                "InvalidParameterValueException",
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}].",
            )
        return None

    def account_settings(self, account: str, region: str) -> Response:
        """GetAccountSettings."""
        functions = self._facade.functions(account, region)
        unreserved = self.account_concurrency - self.reserved_total(account, region)
        return ok(
            {
                "AccountLimit": {
                    **CODE_LIMITS,
                    "ConcurrentExecutions": self.account_concurrency,
                    "UnreservedConcurrentExecutions": unreserved,
                },
                "AccountUsage": {
                    "TotalCodeSize": sum(f.code_size for f in functions),
                    "FunctionCount": len(functions),
                },
            }
        )

    # -- provisioned -----------------------------------------------------------------------
    def provisioned(
        self, route: Route, key: FunctionKey, doc: dict[str, Any], at: datetime
    ) -> Response:
        """Put / Get / Delete / List provisioned concurrency configs."""
        qualifier, method = route.qualifier, route.method
        arn = self._facade.function_arn(key)
        if arn is None:
            return error(404, "ResourceNotFoundException", f"Function not found: {key.name}")
        state = self._facade.extra(key)
        if method == "GET" and route.query.get("List") == "ALL":
            items = [_doc(arn, q, cfg) for q, cfg in sorted(state.provisioned.items())]
            return ok({"ProvisionedConcurrencyConfigs": items})
        if not qualifier:
            return error(400, "InvalidParameterValueException", "Qualifier is required")
        if qualifier == "$LATEST":
            return error(
                400,
                "InvalidParameterValueException",
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions.",
            )
        if self._versions.resolve(key, qualifier) is None:
            return error(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
        if method == "GET":
            cfg = state.provisioned.get(qualifier)
            return _not_found(qualifier) if cfg is None else ok(_doc(arn, qualifier, cfg, False))
        if method == "DELETE":
            if state.provisioned.pop(qualifier, None) is None:
                return _not_found(qualifier)
            self.on_change(key)
            return Response(status=204)
        wanted = doc.get("ProvisionedConcurrentExecutions")
        if not isinstance(wanted, int) or wanted < 1:
            return error(
                400,
                "InvalidParameterValueException",
                "ProvisionedConcurrentExecutions must be an integer of at least 1",
            )
        limit = self._facade.reserved(key)
        others = sum(c["Requested"] for q, c in state.provisioned.items() if q != qualifier)
        if limit is not None and others + wanted > limit:
            return error(
                400,
                "InvalidParameterValueException",
                f"Requested Provisioned Concurrency should not be greater than the "
                f"reservedConcurrentExecution for function: {limit}",
            )
        state.provisioned[qualifier] = {"Requested": wanted, "LastModified": lambda_time(at)}
        self.on_change(key)
        return ok(_doc(arn, qualifier, state.provisioned[qualifier], False), status=202)

    def drop(self, key: FunctionKey, qualifier: str) -> None:
        """Forget the config of a deleted version or alias."""
        state = self._facade.extra_if_any(key)
        if state is not None:
            state.provisioned.pop(qualifier, None)

    def by_version(self, key: FunctionKey) -> dict[str, int]:
        """Provisioned environments per version number (aliases resolved)."""
        out: dict[str, int] = {}
        with self._facade.transaction():
            state = self._facade.extra_if_any(key)
            for qualifier, cfg in (state.provisioned if state else {}).items():
                version = self._versions.resolve(key, qualifier)
                if version:
                    out[version] = out.get(version, 0) + int(cfg["Requested"])
        return out


def _doc(arn: str, qualifier: str, cfg: dict[str, Any], with_arn: bool = True) -> dict[str, Any]:
    n = cfg["Requested"]
    out = {
        "FunctionArn": f"{arn}:{qualifier}",
        "RequestedProvisionedConcurrentExecutions": n,
        "AvailableProvisionedConcurrentExecutions": n,
        "AllocatedProvisionedConcurrentExecutions": n,
        "Status": "READY",
        "LastModified": cfg["LastModified"],
    }
    if not with_arn:
        out.pop("FunctionArn")
    return out
