"""SNS -> Lambda: a message published to a topic (Publish, PublishBatch, or a destination's
record) reaches each ``lambda`` subscription's function as an asynchronous invocation, as AWS
delivers it.

moto picks the subscriptions and applies their FilterPolicy (MessageAttributes or MessageBody
scope) and MessageStructure json; ``moto_events.follow_sns_lambda`` hands the notifications
that pass to ``heard`` (in the thread serving the Publish, instead of moto's Docker delivery).
``published`` (the dispatcher's ``after_moto`` hook) then delivers each one:

- the function (and the qualifier the subscription's endpoint names: alias or version) must
  exist, and its resource policy for that qualifier must let ``sns.amazonaws.com`` invoke it
  (``sns_may_invoke``: Allow for lambda:InvokeFunction on the endpoint's ARN, its conditions
  on AWS:SourceArn / AWS:SourceAccount met by the topic; a matching Deny wins). Otherwise AWS
  counts a client-side error, does not retry, and moves the message to the subscription's
  dead-letter queue (RedrivePolicy) if it has one: the sandbox does the same, logs why in
  the sandbox log and keeps the reason in the health answer's ``warnings``. Publish itself
  succeeds either way.
- the event (``sns_event``: one record per message) goes to ``async_invokes``, the sandbox's
  Event invocation path: retries, MaximumEventAgeInSeconds, destinations of the qualifier.

A replayed Publish (journal replay at start) delivers nothing again. The Signature has the
shape of one but cannot be verified: the sandbox serves no signing certificate.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lambherd.sandbox.moto_events import SnsNotification
from lambherd.sandbox.persistence import REPLAY_ENVIRON_KEY, TIME_ENVIRON_KEY, request_time

log = logging.getLogger("lambherd.sandbox")
SNS_PRINCIPAL = "sns.amazonaws.com"
#: how many refused deliveries the health answer keeps (the newest)
KEPT_WARNINGS = 20
_INVOKE_ACTIONS = {"lambda:invokefunction", "lambda:*", "*"}


class SnsDelivery:
    """Delivers the notifications moto handed over to the functions they are for."""

    def __init__(
        self,
        submit_arn: Callable[[str, bytes], Any],
        function_exists: Callable[[str], bool],
        policy_statements: Callable[[str], list[dict[str, Any]]],
        send: Callable[..., Any],
        now: Callable[[], datetime],
        account: str,
    ) -> None:
        self.submit_arn = submit_arn
        self.function_exists = function_exists
        self.policy_statements = policy_statements
        self.send = send
        self.now = now
        self.account = account
        #: the notifications heard in this thread's request, not delivered yet (transient)
        self._heard = threading.local()
        self._lock = threading.Lock()
        #: the newest refused deliveries, for the health answer (transient: a log, not state)
        self.refused: deque[str] = deque(maxlen=KEPT_WARNINGS)
        #: notifications handed to the asynchronous path (for tests and the log)
        self.delivered = 0

    def heard(self, notification: SnsNotification) -> None:
        """moto chose ``notification`` for a lambda subscription (``follow_sns_lambda``)."""
        pending = getattr(self._heard, "pending", None)
        if pending is None:
            pending = self._heard.pending = []
        pending.append(notification)

    def published(self, environ: dict[str, Any]) -> None:
        """moto served an SNS request: deliver what it handed over meanwhile (nothing when
        the request is a journal replay: it was delivered when it was first served)."""
        pending = getattr(self._heard, "pending", None)
        self._heard.pending = []
        if not pending or environ.get(REPLAY_ENVIRON_KEY):
            return
        at = request_time(environ) if TIME_ENVIRON_KEY in environ else self.now()
        for notification in pending:
            self.deliver(notification, at)

    def deliver(self, notification: SnsNotification, at: datetime) -> bool:
        """Invoke the subscribed function asynchronously, or refuse as AWS would (then the
        dead-letter queue gets the message); True when it was handed to the function."""
        endpoint = notification.endpoint
        if not self.function_exists(endpoint):
            self._refuse(notification, at, f"ResourceNotFoundException: {endpoint} does not exist")
            return False
        statements = self.policy_statements(endpoint)
        if not sns_may_invoke(statements, endpoint, notification.topic_arn, self.account):
            reason = (
                f"AccessDeniedException: the resource policy of {endpoint} does not let "
                f"{SNS_PRINCIPAL} invoke it from {notification.topic_arn}"
            )
            self._refuse(notification, at, reason)
            return False
        payload = json.dumps(sns_event(notification, at)).encode()
        self.submit_arn(endpoint, payload)
        with self._lock:
            self.delivered += 1
        return True

    def warnings(self) -> list[str]:
        """The newest refused deliveries, oldest first."""
        with self._lock:
            return list(self.refused)

    def reset(self) -> None:
        """Forget the refusals (``sandbox reset``)."""
        with self._lock:
            self.refused.clear()
            self.delivered = 0

    def _refuse(self, notification: SnsNotification, at: datetime, reason: str) -> None:
        where = notification.dead_letter_arn
        line = (
            f"SNS {notification.subscription_arn}: message {notification.message_id} not "
            f"delivered: {reason}" + (f"; sent to {where}" if where else "; dropped")
        )
        log.warning("%s", line)
        with self._lock:
            self.refused.append(line)
        if not where:
            return
        body = json.dumps(notification_document(notification, at))
        try:
            self.send(where, body, notification.topic_arn.split(":")[3])
        except Exception:  # AWS would count a failed DLQ move; the sandbox logs it
            log.exception("dead-letter queue %s refused message %s", where, notification.message_id)


# -- pure parts ------------------------------------------------------------------------------
def sns_event(notification: SnsNotification, at: datetime) -> dict[str, Any]:
    """Lambda's SNS event for one notification: one record, its fields as SNS fills them."""
    sns = notification_document(notification, at)
    record_sns = {
        "Type": sns["Type"],
        "MessageId": sns["MessageId"],
        "TopicArn": sns["TopicArn"],
        "Subject": notification.subject,
        "Message": sns["Message"],
        "Timestamp": sns["Timestamp"],
        "SignatureVersion": sns["SignatureVersion"],
        "Signature": sns["Signature"],
        "SigningCertUrl": sns["SigningCertURL"],
        "UnsubscribeUrl": sns["UnsubscribeURL"],
        "MessageAttributes": dict(notification.message_attributes),
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": notification.subscription_arn,
                "Sns": record_sns,
            }
        ]
    }


def notification_document(notification: SnsNotification, at: datetime) -> dict[str, Any]:
    """The notification as SNS sends it to a queue (the JSON a dead-letter queue receives):
    ``Subject`` and ``MessageAttributes`` only when there are some."""
    region = notification.topic_arn.split(":")[3]
    stamp = sns_timestamp(at)
    doc: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": notification.message_id,
        "TopicArn": notification.topic_arn,
    }
    if notification.subject is not None:
        doc["Subject"] = notification.subject
    signed = "\n".join(
        [
            "Message",
            notification.message,
            "MessageId",
            notification.message_id,
            *(["Subject", notification.subject] if notification.subject is not None else []),
            "Timestamp",
            stamp,
            "TopicArn",
            notification.topic_arn,
            "Type",
            "Notification",
            "",
        ]
    )
    digest = hashlib.sha256(signed.encode()).digest()
    signature = b"".join(hashlib.sha256(digest + bytes([n])).digest() for n in range(8))
    cert = hashlib.md5(region.encode(), usedforsecurity=False).hexdigest()
    doc.update(
        Message=notification.message,
        Timestamp=stamp,
        SignatureVersion="1",
        # the length of an RSA-2048 signature; not verifiable (no certificate is served)
        Signature=base64.b64encode(signature).decode(),
        SigningCertURL=f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{cert}.pem",
        UnsubscribeURL=(
            f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
            f"&SubscriptionArn={notification.subscription_arn}"
        ),
    )
    if notification.message_attributes:
        doc["MessageAttributes"] = dict(notification.message_attributes)
    return doc


def sns_timestamp(at: datetime) -> str:
    """SNS's Timestamp: UTC, milliseconds, ``Z`` (``2019-08-20T18:47:13.322Z``)."""
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sns_may_invoke(
    statements: list[dict[str, Any]], endpoint: str, topic_arn: str, account: str
) -> bool:
    """True when a resource policy lets SNS (topic ``topic_arn`` of ``account``) invoke the
    function ARN ``endpoint`` (qualified or not): an Allow matches and no Deny does."""
    context = {"aws:sourcearn": topic_arn, "aws:sourceaccount": account}
    allowed = False
    for statement in statements:
        if not _applies(statement, _unlatest(endpoint), context):
            continue
        if str(statement.get("Effect", "Allow")).lower() == "deny":
            return False
        allowed = True
    return allowed


def _applies(statement: dict[str, Any], resource: str, context: dict[str, str]) -> bool:
    if not _principal_is_sns(statement.get("Principal")):
        return False
    actions = {str(a).lower() for a in _listed(statement.get("Action"))}
    if not actions & _INVOKE_ACTIONS:
        return False
    resources = [_unlatest(str(r)) for r in _listed(statement.get("Resource"))]
    if not any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources):
        return False
    return all(
        _condition_holds(operator, key, values, context)
        for operator, entries in (statement.get("Condition") or {}).items()
        for key, values in (entries or {}).items()
    )


def _principal_is_sns(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return principal == SNS_PRINCIPAL
    return SNS_PRINCIPAL in _listed(principal.get("Service")) or "*" in _listed(
        principal.get("AWS")
    )


def _condition_holds(operator: str, key: str, values: Any, context: dict[str, str]) -> bool:
    """One condition of a statement against what SNS's request carries; a key SNS does not
    send fails it (unless the operator ends in IfExists), an unknown operator fails."""
    op = operator.lower()
    if_exists = op.endswith("ifexists")
    op = op.removesuffix("ifexists")
    actual = context.get(key.lower())
    if actual is None:
        return if_exists
    patterns = [str(v) for v in _listed(values)]
    if op in {"stringequals", "arnequals"}:
        return actual in patterns
    if op == "stringequalsignorecase":
        return actual.lower() in {p.lower() for p in patterns}
    if op in {"stringlike", "arnlike"}:
        return any(fnmatch.fnmatchcase(actual, p) for p in patterns)
    if op in {"stringnotequals", "arnnotequals"}:
        return actual not in patterns
    if op in {"stringnotlike", "arnnotlike"}:
        return not any(fnmatch.fnmatchcase(actual, p) for p in patterns)
    return False


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _unlatest(arn: str) -> str:
    return arn.removesuffix(":$LATEST")
