"""Concurrency: reserved (and the unreserved floor), account settings, provisioned configs.

moto stores reserved concurrency but neither checks it against the account nor serves
provisioned concurrency or GetAccountSettings as Lambda does; the sandbox does. Provisioned
configs and their allocation are the room ``lambherd.sandbox.provisioned``; the account's limit
is the one it started with, raised by approved Service Quotas requests (``limit_of``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from lambherd.defaults import ACCOUNT_CONCURRENCY, MIN_UNRESERVED_CONCURRENCY
from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.provisioned import Provisioned
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.versions import Versions
from lambherd.sandbox.wire import Route, error, ok

DEFAULT_ACCOUNT_CONCURRENCY = ACCOUNT_CONCURRENCY
MIN_UNRESERVED = MIN_UNRESERVED_CONCURRENCY
#: Lambda's account limits GetAccountSettings reports (besides concurrency).
CODE_LIMITS = {
    "TotalCodeSize": 80530636800,
    "CodeSizeUnzipped": 262144000,
    "CodeSizeZipped": 52428800,
}


class Concurrency:
    """Reserved and provisioned concurrency of every function, against the account's limit."""

    def __init__(
        self,
        facade: MotoFacade,
        versions: Versions,
        *,
        account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        from datetime import UTC

        self._facade = facade
        self._versions = versions
        self.account_concurrency = account_concurrency
        #: (account, region) -> the account's limit there (quota increases raise it)
        self.limit_of: Callable[[str, str], int] = lambda _a, _r: self.account_concurrency
        self.provisioned_room = Provisioned(
            facade, versions, now=now or (lambda: datetime.now(UTC))
        )

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
        if self.limit_of(key.account, key.region) - others - wanted < MIN_UNRESERVED:
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
        limit = self.limit_of(account, region)
        unreserved = limit - self.reserved_total(account, region)
        return ok(
            {
                "AccountLimit": {
                    **CODE_LIMITS,
                    "ConcurrentExecutions": limit,
                    "UnreservedConcurrentExecutions": unreserved,
                },
                "AccountUsage": {
                    "TotalCodeSize": sum(f.code_size for f in functions),
                    "FunctionCount": len(functions),
                },
            }
        )

    # -- provisioned (the room of its own: ``lambherd.sandbox.provisioned``) ---------------------
    def provisioned(
        self,
        route: Route,
        key: FunctionKey,
        doc: dict[str, Any],
        at: datetime,
        *,
        replaying: bool = False,
    ) -> Response:
        """Put / Get / Delete / List provisioned concurrency configs."""
        reserved = self._facade.reserved(key)
        return self.provisioned_room.serve(
            route, key, doc, at, reserved=reserved, replaying=replaying
        )

    def drop(self, key: FunctionKey, qualifier: str) -> None:
        """Forget the config of a deleted version or alias."""
        self.provisioned_room.drop(key, qualifier)

    def by_version(self, key: FunctionKey) -> dict[str, int]:
        """Provisioned environments per version number (aliases resolved; a moving alias's on
        both its versions)."""
        return self.provisioned_room.by_version(key)
