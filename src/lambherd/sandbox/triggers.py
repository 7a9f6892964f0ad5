"""The trigger rooms, put together for the dispatcher: event source mappings and their delivery
(SQS, DynamoDB Streams, Kinesis), asynchronous invocations with their configurations and
destinations, SNS topics' lambda subscriptions, and EventBridge Scheduler schedules fired on
the sandbox clock.

Hooks (one line each in ``dispatcher``): ``serve`` answers the Lambda requests these rooms own
(event-source-mappings, their tags, event-invoke-config, recursion-config) before the Lambda
layer and moto; ``after_moto`` hears every request moto served (Scheduler, SNS); ``reset``,
``stop`` (no new delivery) and ``close`` (threads joined). The Lambda layer hands Event
invocations to ``async_invokes`` (``LambdaLayer.async_invokes``).

Across restarts: moto's queues, streams and schedules are in the sandbox's snapshot with moto;
the mappings (with their state and stream positions), the pending asynchronous events (with
their attempts and retry times) and the schedules' origins are registered rooms
(``event-source-mappings``, ``async-invokes``, ``schedules``), started again by ``restarted``
once the snapshot and the journal tail are loaded.

Delivered: SQS (standard and FIFO), DynamoDB Streams, Kinesis, asynchronous invocations and
their destinations (SQS, SNS, Lambda, EventBridge, S3), schedules with Lambda or SQS targets,
SNS messages to lambda subscriptions (``sns_delivery``, through the asynchronous path).
Managed only (created, updated, listed, deleted, never delivered): MSK, self-managed Kafka,
Amazon MQ and DocumentDB mappings.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

from lambherd.sandbox.async_invokes import AsyncInvokes
from lambherd.sandbox.destinations import Destinations
from lambherd.sandbox.event_invoke_configs import SUBS, EventInvokeConfigs
from lambherd.sandbox.event_source_mappings import EventSourceMappings
from lambherd.sandbox.moto_events import MotoEvents
from lambherd.sandbox.persistence import TIME_ENVIRON_KEY, request_time
from lambherd.sandbox.schedule_runner import ScheduleRunner
from lambherd.sandbox.sns_delivery import SnsDelivery
from lambherd.sandbox.sqs_delivery import SqsDelivery
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.stream_delivery import StreamDelivery
from lambherd.sandbox.wire import Route, split_name


class TriggerRooms:
    """Every trigger room of one sandbox (``app``: the ``SandboxApp``)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        facade = app.facade
        self.events = MotoEvents(facade.transaction)
        self._unfollow = self.events.follow_clock(app.clock.time)
        self.configs = EventInvokeConfigs(facade)
        self.destinations = Destinations(app.submit, self._invoke_arn, app.endpoint)
        self.async_invokes = AsyncInvokes(
            self._invoke, self.configs, app.scheduler, app.clock.time, self.destinations
        )
        self.mappings = EventSourceMappings(facade, self.events, app.clock.time, self._changed)
        self.sqs = SqsDelivery(self.mappings, self.events, self._invoke)
        self.streams = StreamDelivery(
            self.mappings, self.events, self._invoke, self.destinations.send, app.clock.time
        )
        self.schedules = ScheduleRunner(
            self.events,
            app.scheduler,
            self.async_invokes.submit_arn,
            self.destinations.send,
            self._function_exists,
            app.clock.now,
        )
        self.sns = SnsDelivery(
            self.async_invokes.submit_arn,
            self._function_exists,
            self._policy_statements,
            self.destinations.send,
            app.clock.now,
            app.account,
        )
        self._unfollow_sns = self.events.follow_sns_lambda(self.sns.heard)
        app.lambda_layer.async_invokes = self.async_invokes
        if app.state is not None:  # their own state, in the snapshot (sandbox/__init__.py)
            app.state.rooms.register("event-source-mappings", self.mappings)
            app.state.rooms.register("async-invokes", self.async_invokes)
            app.state.rooms.register("schedules", self.schedules)
            app.state.rooms.after_restore(self.restarted)

    # -- hooks ----------------------------------------------------------------------------
    def serve(
        self, route: Route | None, environ: dict[str, Any], body: bytes, account: str, region: str
    ) -> Response | None:
        """The answer of a request these rooms own, None for any other."""
        if route is None:
            if self.mappings.claims(environ):
                return self.mappings.handle(environ, body, account, region)
            return None
        if route.kind == "functions" and route.function and route.sub in SUBS:
            key = FunctionKey(account, region, route.function)
            return self.configs.handle(route, environ, body, key)
        return None

    def after_moto(
        self, service: str | None, environ: dict[str, Any], account: str, region: str
    ) -> None:
        """moto served a request: a Scheduler one may have changed the schedules; any (Publish,
        but also a moto notification of another service) may have handed notifications for
        lambda subscriptions over."""
        self.sns.published(environ)
        if service == "scheduler":
            at = request_time(environ) if TIME_ENVIRON_KEY in environ else self.app.clock.now()
            self.schedules.sync(account, region, at)

    def restarted(self) -> None:
        """The saved state is loaded: delivery starts for the mappings, the pending
        asynchronous events are attempted when due, the schedules' jobs are armed."""
        self.mappings.restarted()
        self.async_invokes.restarted()
        self.schedules.restarted()

    def reset(self) -> None:
        """Forget every mapping and schedule job (``sandbox reset``)."""
        self.mappings.reset()
        self.schedules.reset()
        self.async_invokes.reset()
        self.sns.reset()

    def warnings(self) -> list[str]:
        """What went wrong in delivery that a user should see (the health answer's)."""
        return self.sns.warnings()

    def stop(self) -> None:
        """Start no new delivery (before the execution environments stop)."""
        self.sqs.stop()
        self.streams.stop()

    def close(self) -> None:
        """Join every delivery thread; SQS follows its own clock again."""
        self.stop()
        self.sqs.close()
        self.streams.close()
        self.async_invokes.close()
        self._unfollow()
        self._unfollow_sns()

    # -- what the rooms call ---------------------------------------------------------------
    def _changed(self, mapping: Any) -> None:
        self.sqs.changed(mapping)
        self.streams.changed(mapping)

    def _invoke(self, key: FunctionKey, qualifier: str | None, payload: bytes) -> Any:
        return self.app.lambda_layer.invoker().invoke_direct(key, qualifier, payload)

    def _invoke_arn(self, arn: str, payload: bytes) -> Any:
        return self.async_invokes.submit_arn(arn, payload)

    def _policy_statements(self, arn: str) -> list[dict[str, Any]]:
        """The statements of the resource policy that governs invoking ``arn`` (the one of its
        qualifier), as GetPolicy reports them ([]: no policy)."""
        name, qualifier = split_name(arn)
        params = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
        answer = self.app.call_api("lambda", arn.split(":")[3], "get_policy", params)
        try:
            policy = json.loads(answer.get("Policy") or "{}")
        except ValueError:
            return []
        statements = policy.get("Statement") if isinstance(policy, dict) else None
        if isinstance(statements, dict):
            statements = [statements]
        return [s for s in statements or [] if isinstance(s, dict)]

    def _function_exists(self, arn: str) -> bool:
        parts = arn.split(":")
        if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
            return False
        name, qualifier = split_name(arn)
        key = FunctionKey(parts[4], parts[3], name)
        if self.app.facade.function_arn(key) is None:
            return False
        return qualifier is None or self.app.facade.resolve(key, qualifier) is not None
