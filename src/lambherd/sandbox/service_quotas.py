"""Service Quotas for Lambda's quotas (moto knows only VPC's): GetServiceQuota,
GetAWSDefaultServiceQuota, ListServiceQuotas, RequestServiceQuotaIncrease,
GetRequestedServiceQuotaChange and ListRequestedServiceQuotaChangeHistory(ByQuota) for
``ServiceCode=lambda``; other services go to moto.

A request's state follows from its creation time and the sandbox clock (so a restart, which
replays the request at its recorded time, agrees): PENDING for 5 minutes, then APPROVED up to
10,000 (and the account's concurrent executions in that region become the value); above that
AWS opens a support case: CASE_OPENED (with a CaseId) for 2 days, then APPROVED up to 100,000
and DENIED above. Refused at once, as Service Quotas refuses: a value not above the current
one (IllegalArgumentException), a second open request for the quota
(ResourceAlreadyExistsException), an unknown quota (NoSuchResourceException).

The requests are the room's own state: saved by the snapshot (a registered room), and a
request replayed from the journal tail gets the same Id again (derived from what it asked).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from werkzeug.wrappers import Response

from lambherd.defaults import CONCURRENCY_QUOTA_CODE, LAMBDA_SERVICE_CODE
from lambherd.sandbox.persistence import request_time
from lambherd.sandbox.wire import error, ok

#: Lambda's adjustable quotas the room serves: code -> (name, default, unit).
QUOTAS = {
    CONCURRENCY_QUOTA_CODE: ("Concurrent executions", None, "None"),
    "L-2ACBD22F": ("Function and layer storage", 75.0, "Gigabytes"),
}
PENDING_FOR = timedelta(minutes=5)
CASE_FOR = timedelta(days=2)
AUTO_APPROVED_UP_TO = 10_000
APPROVED_UP_TO = 100_000
_OPEN = ("PENDING", "CASE_OPENED")


class ServiceQuotas:
    """Lambda's quotas and the increase requests of every region."""

    def __init__(self, account: str, base_concurrency: int, now: Callable[[], datetime]) -> None:
        self.account = account
        self.base_concurrency = base_concurrency
        self._now = now
        self._requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    # -- what the rest of the sandbox asks ------------------------------------------------------
    def concurrency_limit(self, account: str, region: str) -> int:
        """The account's concurrent executions in ``region``: raised by approved requests."""
        approved = [
            int(r["DesiredValue"])
            for r in self._all(region, CONCURRENCY_QUOTA_CODE)
            if r["Status"] == "APPROVED"
        ]
        return max([self.base_concurrency, *approved])

    # -- the API ------------------------------------------------------------------------------
    def handle(
        self, environ: dict[str, Any], body: bytes, region: str, action: str | None
    ) -> Response | None:
        """Serve a Lambda quota request; None: not Lambda's (moto answers)."""
        try:
            doc = json.loads(body or b"{}")
        except ValueError:
            doc = {}
        if not isinstance(doc, dict):
            doc = {}
        code = doc.get("ServiceCode")
        if action == "GetRequestedServiceQuotaChange":
            found = next((r for r in self._all(region) if r["Id"] == doc.get("RequestId")), None)
            if found is None:
                return None  # not ours: moto says it does not know it
            return ok({"RequestedQuota": found})
        if code != LAMBDA_SERVICE_CODE:
            return None
        quota = doc.get("QuotaCode")
        if action in ("GetServiceQuota", "GetAWSDefaultServiceQuota"):
            if quota not in QUOTAS:
                return _no_such(quota)
            default = action == "GetAWSDefaultServiceQuota"
            return ok({"Quota": self._quota(region, str(quota), default=default)})
        if action in ("ListServiceQuotas", "ListAWSDefaultServiceQuotas"):
            default = action == "ListAWSDefaultServiceQuotas"
            return ok({"Quotas": [self._quota(region, q, default=default) for q in QUOTAS]})
        if action == "RequestServiceQuotaIncrease":
            return self._request(region, doc, request_time(environ))
        if action == "ListRequestedServiceQuotaChangeHistoryByQuota":
            if quota not in QUOTAS:
                return _no_such(quota)
            return ok({"RequestedQuotas": self._listed(region, doc, str(quota))})
        if action == "ListRequestedServiceQuotaChangeHistory":
            return ok({"RequestedQuotas": self._listed(region, doc, None)})
        return None

    def _quota(self, region: str, code: str, *, default: bool) -> dict[str, Any]:
        name, value, unit = QUOTAS[code]
        if code == CONCURRENCY_QUOTA_CODE:
            value = float(
                self.base_concurrency if default else self.concurrency_limit(self.account, region)
            )
        return {
            "ServiceCode": LAMBDA_SERVICE_CODE,
            "ServiceName": "AWS Lambda",
            "QuotaArn": self._arn(region, code),
            "QuotaCode": code,
            "QuotaName": name,
            "Value": value,
            "Unit": unit,
            "Adjustable": True,
            "GlobalQuota": False,
        }

    def _arn(self, region: str, code: str) -> str:
        return f"arn:aws:servicequotas:{region}:{self.account}:{LAMBDA_SERVICE_CODE}/{code}"

    def _request(self, region: str, doc: dict[str, Any], at: datetime) -> Response:
        quota = doc.get("QuotaCode")
        if quota not in QUOTAS:
            return _no_such(quota)
        desired = doc.get("DesiredValue")
        if isinstance(desired, bool) or not isinstance(desired, int | float) or desired <= 0:
            return error(400, "IllegalArgumentException", "DesiredValue must be a positive number")
        current = self._quota(region, str(quota), default=False)["Value"]
        if desired <= current:
            return error(
                400,
                "IllegalArgumentException",
                f"The requested value {desired:g} must be greater than the current quota "
                f"value {current:g}",
            )
        if any(r["Status"] in _OPEN for r in self._all(region, str(quota))):
            return error(
                400,
                "ResourceAlreadyExistsException",
                "A request for this quota is already open: wait for it to be resolved",
            )
        name, _, unit = QUOTAS[str(quota)]
        with self._lock:
            count = len(self._requests)
        entry = {
            "Id": _request_id(self.account, region, str(quota), float(desired), at, count),
            "ServiceCode": LAMBDA_SERVICE_CODE,
            "ServiceName": "AWS Lambda",
            "QuotaCode": quota,
            "QuotaName": name,
            "DesiredValue": float(desired),
            "Created": at.timestamp(),
            "Requester": f"arn:aws:iam::{self.account}:user/sandbox",
            "QuotaArn": self._arn(region, str(quota)),
            "GlobalQuota": False,
            "Unit": unit,
            "_region": region,
        }
        with self._lock:
            self._requests.append(entry)
        return ok({"RequestedQuota": self._state(entry)})

    def _state(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The request as Service Quotas reports it now."""
        created = datetime.fromtimestamp(entry["Created"], self._now().tzinfo)
        age = self._now() - created
        desired = entry["DesiredValue"]
        out = {k: v for k, v in entry.items() if not k.startswith("_")}
        if age < PENDING_FOR:
            status, changed = "PENDING", created
        elif desired <= AUTO_APPROVED_UP_TO:
            status, changed = "APPROVED", created + PENDING_FOR
        elif age < PENDING_FOR + CASE_FOR:
            status, changed = "CASE_OPENED", created + PENDING_FOR
        else:
            status = "APPROVED" if desired <= APPROVED_UP_TO else "DENIED"
            changed = created + PENDING_FOR + CASE_FOR
        if desired > AUTO_APPROVED_UP_TO and age >= PENDING_FOR:
            out["CaseId"] = f"case-{entry['Id'][:10]}"
        out["Status"] = status
        out["LastUpdated"] = changed.timestamp()
        return out

    def _all(self, region: str, quota: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            entries = [
                e
                for e in self._requests
                if e["_region"] == region and quota in (None, e["QuotaCode"])
            ]
        return [self._state(e) for e in entries]

    def _listed(self, region: str, doc: dict[str, Any], quota: str | None) -> list[dict[str, Any]]:
        found = self._all(region, quota)
        status = doc.get("Status")
        return [r for r in reversed(found) if status in (None, r["Status"])]

    def snapshot(self) -> dict[str, Any]:
        """Every increase request, as JSON data (their states follow from the clock)."""
        with self._lock:
            return {"requests": [dict(r) for r in self._requests]}

    def restore(self, doc: dict[str, Any]) -> None:
        """Take back what ``snapshot`` gave."""
        with self._lock:
            self._requests = [dict(r) for r in doc.get("requests") or ()]

    def reset(self) -> None:
        """Forget every request (``sandbox reset``)."""
        with self._lock:
            self._requests.clear()


def _request_id(
    account: str, region: str, quota: str, desired: float, at: datetime, count: int
) -> str:
    """A request's Id, the same when the journal replays it (``count``: requests before it)."""
    seed = f"{account}/{region}/{quota}/{desired:g}/{at.timestamp():.6f}/{count}"
    return uuid.uuid5(uuid.NAMESPACE_URL, f"lambherd-sandbox:servicequotas:{seed}").hex


def _no_such(quota: Any) -> Response:
    return error(
        400, "NoSuchResourceException", f"The quota {quota} does not exist for service lambda"
    )
