"""Asynchronous invocation configurations per qualifier, and the recursive-loop setting.

moto keeps one EventInvokeConfig per function whatever the qualifier, and has no
FunctionRecursionConfig; the sandbox keeps both itself, in the function's state (so they go
with the function when it is deleted): PutFunctionEventInvokeConfig (replaces), Update (merges),
Get, Delete, ListFunctionEventInvokeConfigs; Put/GetFunctionRecursionConfig. Values are checked
as Lambda checks them (MaximumRetryAttempts 0-2, MaximumEventAgeInSeconds 60-21600, the
qualifier exists, destinations are SQS, SNS, Lambda, EventBridge or, on failure, S3 ARNs).
``lookup`` gives the async room the configuration an invocation of a qualifier uses.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from lambherd.defaults import ASYNC_MAX_EVENT_AGE_S, ASYNC_MAX_RETRIES
from lambherd.sandbox.persistence import request_time
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import Route, error, json_doc, ok

SUBS = ("event-invoke-config", "recursion-config")
_FIELDS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
_SERVICES = {
    "OnSuccess": ("sqs", "sns", "lambda", "events"),
    "OnFailure": ("sqs", "sns", "lambda", "events", "s3"),
}


class EventInvokeConfigs:
    """The Lambda API over each function's configurations."""

    def __init__(self, facade: Any) -> None:
        self.facade = facade

    def lookup(self, key: FunctionKey, qualifier: str | None) -> dict[str, Any]:
        """The configuration an invocation of ``qualifier`` uses (Lambda's defaults if none)."""
        state = self.facade.extra_if_any(key)
        found = (state.event_invoke if state is not None else {}).get(qualifier or "$LATEST") or {}
        return {
            "MaximumRetryAttempts": found.get("MaximumRetryAttempts", ASYNC_MAX_RETRIES),
            "MaximumEventAgeInSeconds": found.get(
                "MaximumEventAgeInSeconds", ASYNC_MAX_EVENT_AGE_S
            ),
            "DestinationConfig": found.get("DestinationConfig") or {},
        }

    def recursion(self, key: FunctionKey) -> str:
        """The function's RecursiveLoop setting."""
        state = self.facade.extra_if_any(key)
        return (state.recursion if state is not None else None) or "Terminate"

    def handle(
        self, route: Route, environ: dict[str, Any], body: bytes, key: FunctionKey
    ) -> Response:
        """Serve an event-invoke-config or recursion-config request."""
        with self.facade.transaction():
            arn = self.facade.function_arn(key)
            if arn is None:
                return error(404, "ResourceNotFoundException", f"Function not found: {key.name}")
            if route.sub == "recursion-config":
                return self._recursion(route, key, arn, json_doc(body))
            if route.rest == "list":
                state = self.facade.extra(key)
                configs = [self._view(arn, q, c) for q, c in sorted(state.event_invoke.items())]
                return ok({"FunctionEventInvokeConfigs": configs})
            qualifier = route.qualifier or "$LATEST"
            if qualifier != "$LATEST" and self.facade.resolve(key, qualifier) is None:
                return error(
                    404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}"
                )
            state = self.facade.extra(key)
            current = state.event_invoke.get(qualifier)
            method = route.method
            if method == "GET" or (method == "DELETE" and current is None):
                if current is None:
                    return error(
                        404,
                        "ResourceNotFoundException",
                        f"The function {arn}:{qualifier} doesn't have an EventInvokeConfig",
                    )
                if method == "GET":
                    return ok(self._view(arn, qualifier, current))
            if method == "DELETE":
                del state.event_invoke[qualifier]
                return Response(status=204)
            doc = {k: v for k, v in json_doc(body).items() if k in _FIELDS}
            if method == "POST":  # UpdateFunctionEventInvokeConfig merges
                if current is None:
                    return error(
                        404,
                        "ResourceNotFoundException",
                        f"The function {arn}:{qualifier} doesn't have an EventInvokeConfig",
                    )
                doc = {**current, **doc}
            refused = _check(doc)
            if refused is not None:
                return refused
            doc["LastModified"] = request_time(environ).timestamp()
            state.event_invoke[qualifier] = doc
            return ok(self._view(arn, qualifier, doc))

    def _recursion(self, route: Route, key: FunctionKey, arn: str, doc: dict[str, Any]) -> Response:
        state = self.facade.extra(key)
        if route.method == "PUT":
            value = doc.get("RecursiveLoop")
            if value not in ("Allow", "Terminate"):
                return error(400, "ValidationException", "RecursiveLoop must be Allow or Terminate")
            state.recursion = str(value)
        return ok({"RecursiveLoop": state.recursion or "Terminate"})

    @staticmethod
    def _view(arn: str, qualifier: str, doc: dict[str, Any]) -> dict[str, Any]:
        destinations = doc.get("DestinationConfig") or {}
        view = {k: doc[k] for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds") if k in doc}
        view.update(
            FunctionArn=f"{arn}:{qualifier}",
            LastModified=doc.get("LastModified"),
            DestinationConfig={
                "OnSuccess": destinations.get("OnSuccess") or {},
                "OnFailure": destinations.get("OnFailure") or {},
            },
        )
        return view


def _check(doc: dict[str, Any]) -> Response | None:
    retries = doc.get("MaximumRetryAttempts")
    if retries is not None and (not isinstance(retries, int) or not 0 <= retries <= 2):
        return error(
            400,
            "ValidationException",
            f"1 validation error detected: Value {retries} at 'maximumRetryAttempts' failed "
            "to satisfy constraint: Member must have value less than or equal to 2",
        )
    age = doc.get("MaximumEventAgeInSeconds")
    if age is not None and (not isinstance(age, int) or not 60 <= age <= 21600):
        return error(
            400,
            "ValidationException",
            f"1 validation error detected: Value {age} at 'maximumEventAgeInSeconds' failed "
            "to satisfy constraint: Member must have value between 60 and 21600",
        )
    for side, allowed in _SERVICES.items():
        target = ((doc.get("DestinationConfig") or {}).get(side) or {}).get("Destination")
        if target and (str(target).count(":") < 5 or str(target).split(":")[2] not in allowed):
            return error(
                400, "InvalidParameterValueException", f"The destination ARN {target} is invalid."
            )
    return None
