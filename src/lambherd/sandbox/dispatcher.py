"""The sandbox's WSGI stack: lambherd's own endpoints, the Lambda layer, then moto.

Requests that may change state are serialised by one lock and, when they succeed, appended to the
journal in the order they were applied (so a replay rebuilds the same state; ``state_store``
keeps the snapshot, the journal tail and the blobs). Invokes run outside that lock: they change
nothing in the control plane; their logs and metrics are written straight into moto's
CloudWatch (``telemetry``) and kept apart from the control-plane journal.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

import lambherd.sandbox.pricing as pricing
from lambherd.defaults import DEFAULT_REGION, SANDBOX_ACCOUNT_ID
from lambherd.sandbox import (
    cloudwatch_ext,
    code_limits,
    function_url,
    layer_content,
    logs_ext,
    moto_cloudwatch,
    moto_state,
    persistence,
    telemetry,
)
from lambherd.sandbox.alarms import AlarmEvaluator
from lambherd.sandbox.autoscaling import AutoScaling
from lambherd.sandbox.clock import SandboxClock, clock_endpoint
from lambherd.sandbox.guard import INTERNAL_ENVIRON_KEY, RequestGuard
from lambherd.sandbox.lambda_ext import LambdaLayer
from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.recorder import RequestRecorder
from lambherd.sandbox.scheduler import Scheduler
from lambherd.sandbox.service_quotas import ServiceQuotas
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.state_store import StateStore
from lambherd.sandbox.triggers import TriggerRooms
from lambherd.sandbox.wire import Route, error, ok, parse_route, split_name
from lambherd.sandbox.wsgi_io import decompressed, plain_request, read_body, run_wsgi

log = logging.getLogger("lambherd.sandbox")
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_CODE_PATH = re.compile(r"^/_lambherd/code/([^/]+)/([^/]+)/[0-9a-f]*\.zip$")


def credential_scope(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(region, service) from a SigV4 ``Authorization`` header."""
    m = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (m.group(1), m.group(2)) if m else (None, None)


class SandboxApp:
    """The WSGI application the sandbox serves."""

    def __init__(
        self,
        state_dir: Path,
        endpoint: str,
        *,
        account_concurrency: int = 1000,
        journal: bool = True,
        clock: SandboxClock | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.endpoint = endpoint
        self.account = SANDBOX_ACCOUNT_ID  # the one account the sandbox serves
        self.facade = MotoFacade()
        self.moto = moto_state.wsgi_app()
        self._write_lock = threading.RLock()
        #: snapshot + journal tail + blobs (None: nothing is kept, ``journal=False``)
        self.state = (
            StateStore(state_dir, self._write_lock, live={"facade": self.facade})
            if journal
            else None
        )
        self.clock = clock or SandboxClock(state_dir)
        self.scheduler = Scheduler(self.clock)
        self._unfollow_clock = moto_state.follow_clock(self.clock.now)
        self._recorder = RequestRecorder()
        self.telemetry = telemetry.Telemetry(self._commit_telemetry, self.clock.now)
        self.lambda_layer = LambdaLayer(
            self.call_moto,
            state_dir,
            endpoint,
            account_concurrency=account_concurrency,
            telemetry=self.telemetry,
            facade=self.facade,
        )
        self.lambda_layer.provisioned.attach(self.clock.now, self.scheduler)
        self.quotas = ServiceQuotas(self.account, account_concurrency, self.clock.now)
        self.lambda_layer.concurrency.limit_of = self.quotas.concurrency_limit
        self.autoscaling = AutoScaling(
            account=self.account,
            call_moto=self.call_moto,
            submit=self.submit,
            scheduler=self.scheduler,
            now=self.clock.now,
            resolve=self.facade.resolve,
            metric_points=self.facade.metric_points,
        )
        self.replayed = 0
        self.triggers = TriggerRooms(self)  # mappings, delivery, async invokes, schedules
        self.guard = RequestGuard(endpoint)
        self.alarms = AlarmEvaluator(self.call_api, self.clock.now, self.scheduler)
        if self.state is not None:  # the rooms whose state lives outside moto
            self.state.rooms.register("functions", self.facade)
            self.state.rooms.register("revisions", self.lambda_layer.revisions)
            self.state.rooms.register("url-configs", self.lambda_layer.urls)
            self.state.rooms.register("telemetry", self.telemetry)
            self.state.rooms.register("alarms", self.alarms)
            self.state.rooms.register("provisioned", self.lambda_layer.provisioned)
            self.state.rooms.register("quota-requests", self.quotas)
            self.state.rooms.register("autoscaling", self.autoscaling)
            self.state.rooms.register("target-tracking", self.autoscaling.tracking)
            self.facade.telemetry_ready = self.state.wait_telemetry

    @property
    def write_lock(self) -> threading.RLock:
        """Held by every request that may change state, and while a snapshot copies it: a room
        changes its own state under it."""
        return self._write_lock

    # -- lifecycle --------------------------------------------------------------------------
    def restore(self) -> int:
        """Load the snapshot and replay the journal tail (before serving); returns how many
        journal entries were replayed."""
        if self.state is not None:
            self.replayed = self.state.restore(self._replay, self._apply_telemetry)
        self.lambda_layer.provisioned.allocate_all()  # the environments died with the process
        self.autoscaling.rearm()  # scheduled actions and target tracking armed again
        return self.replayed

    def _replay(self, request: persistence.RecordedRequest) -> None:
        status, _headers, _data = run_wsgi(self, request.environ())
        if status >= 500:
            log.warning("replayed %s %s answered %d", request.method, request.path, status)

    def _apply_telemetry(self, doc: dict[str, Any]) -> None:
        telemetry.apply(self.facade, doc)

    def _commit_telemetry(self, doc: dict[str, Any]) -> None:
        """Apply one invocation's telemetry record and keep it (``telemetry.Commit``)."""
        with self._write_lock:
            telemetry.apply(self.facade, doc)
            if self.state is not None:
                self.state.record_telemetry(doc)

    def reset(self) -> None:
        """Empty moto, the Lambda layer, the saved state and the code cache; the clock goes back
        to wall time (scheduled jobs stay: their owners drop what the reset made obsolete)."""
        with self.state.exclusive() if self.state is not None else self._write_lock:
            env, body = plain_request("POST", "/moto-api/reset")
            self.call_moto(env, body)
            self.lambda_layer.reset()
            self.triggers.reset()
            self.telemetry.reset()
            self.autoscaling.reset()
            self.quotas.reset()
            if self.state is not None:
                self.state.reset()
            shutil.rmtree(self.state_dir / "code", ignore_errors=True)
        self.clock.reset()

    def close(self) -> None:
        """Stop the scheduler and every execution environment, then take the last snapshot;
        moto gets its own clock back."""
        self.scheduler.close()
        self.triggers.stop()
        self.lambda_layer.close()
        self.triggers.close()
        try:
            if self.state is not None:
                self.state.close()
        finally:
            self._unfollow_clock()

    # -- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        refused = self.guard.refuse(environ)  # Host, browsers, signatures (sandbox.guard)
        if refused is not None:
            return refused(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_lambherd/"):
            return self._own(environ)(environ, start_response)
        url = function_url.match(environ)
        if url is not None:  # a function URL: invoke, never journaled
            body = read_body(environ)
            resp = function_url.serve(
                self.lambda_layer.urls,
                self._invoke_direct,
                url[0],
                url[1],
                environ,
                body,
                self.clock.now(),
            )
            return resp(environ, start_response)
        fresh = not environ.get(persistence.REPLAY_ENVIRON_KEY)  # a replay was accepted once
        too_big = code_limits.refuse_early(environ) if fresh else None  # Lambda's size limits
        if too_big is not None:
            return too_big(environ, start_response)
        body = read_body(environ)
        region, service = credential_scope(environ)
        if service in telemetry.SERVICES and self.state is not None:
            self.state.wait_telemetry()  # the snapshot's logs and metrics are loaded after start
        region = region or DEFAULT_REGION
        body = decompressed(environ, body, service)
        too_big = code_limits.refuse(environ, body, self._s3_object) if fresh else None
        if too_big is not None:
            return too_big(environ, start_response)
        if pricing.is_pricing(environ):  # the Price List API: our room (moto has none)
            return pricing.serve(environ, body)(environ, start_response)
        route = parse_route(environ) if service in (None, "lambda") else None
        if route is not None and service is None and "HTTP_AUTHORIZATION" in environ:
            route = None
        if route is not None and route.sub == "response-streaming-invocations":
            from lambherd.sandbox import stream_invoke  # InvokeWithResponseStream, not journaled

            resp = stream_invoke.serve(
                self.lambda_layer.invoker(), route, environ, body, self.account, region
            )
            return resp(environ, start_response)
        if route is not None and self.lambda_layer.is_invoke(route):
            resp = self.lambda_layer.invoke(route, environ, body, self.account, region)
            return resp(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        if not persistence.is_mutating(method, environ, body):
            resp = self._serve(route, environ, body, region)
            return resp(environ, start_response)
        with self._write_lock:
            # the time the layer stamps (LastModified...), journaled so a replay stamps it again
            environ.setdefault(persistence.TIME_ENVIRON_KEY, self.clock.time())
            record = persistence.RecordedRequest.from_environ(environ, body)
            resp = self._serve(route, environ, body, region)
            replaying = environ.get(persistence.REPLAY_ENVIRON_KEY)
            if self.state is not None and not replaying and resp.status_code < 400:
                self.state.record(record)
        return resp(environ, start_response)

    def _serve(
        self, route: Route | None, environ: dict[str, Any], body: bytes, region: str
    ) -> Response:
        handled = self.triggers.serve(route, environ, body, self.account, region)
        if handled is not None:
            return handled
        if route is None:
            service = credential_scope(environ)[1]
            action = persistence.action_name(environ, body)
            if action == "GetMetricData":
                cloudwatch_ext.install(self.facade, self.account, region)
            elif action in {"GetMetricStatistics", "ListMetrics"}:  # series by exact dimensions
                moto_cloudwatch.match_dimensions_exactly(self.account, region)
            if service == "application-autoscaling":
                return self.autoscaling.handle(environ, body, region, action)
            if service == "servicequotas":
                served = self.quotas.handle(environ, body, region, action)
                if served is not None:
                    return served
            if action in ("DescribeAlarms", "DescribeAlarmsForMetric"):
                self.alarms.evaluate(region)  # the state the metrics give now
            if service == "lambda":
                environ = layer_content.by_arn(environ)  # GetLayerVersionByArn: moto lacks it
            resp = self.call_moto(environ, body)
            self.triggers.after_moto(service, environ, self.account, region)
            if action == "PutMetricAlarm" and resp.status_code < 400:
                self.alarms.noticed(region)
            if service == "lambda":
                resp = self.lambda_layer.stamp_moto_write(environ, resp, self.account, region)
                resp = layer_content.fix_location(environ, resp, region, self.endpoint)
            elif service == "logs" and resp.status_code < 400:
                at = persistence.request_time(environ).timestamp()
                logs_ext.stamp_write(
                    self.facade, action, body, self.account, region, int(at * 1000)
                )
            return resp
        try:
            return self.lambda_layer.handle(route, environ, body, self.account, region)
        except (
            Exception
        ) as exc:  # a bug of ours: answer like Lambda does, keep the trace in the log
            log.exception("Lambda request %s %s failed", route.method, environ.get("PATH_INFO"))
            return error(500, "ServiceException", f"lambherd sandbox: {type(exc).__name__}: {exc}")

    def _s3_object(self, bucket: str, key: str) -> bytes | None:
        return moto_state.s3_object(self.account, bucket, key)

    def _invoke_direct(
        self, key: FunctionKey, qualifier: str | None, payload: bytes, stream: Any = None
    ) -> Any:
        return self.lambda_layer.invoker().invoke_direct(key, qualifier, payload, stream)

    def submit(
        self, service: str, region: str, operation: str, params: dict[str, Any]
    ) -> tuple[int, bytes]:
        """Serve an API call the sandbox makes itself (telemetry) through this very stack, as a
        client's request: checked, applied and journaled the same way. (status, body)."""
        record = self._recorder.record(service, region, operation, **params)
        environ = record.environ(replay=False)
        environ[INTERNAL_ENVIRON_KEY] = True  # ours: the guard does not judge it
        status, _headers, data = run_wsgi(self, environ)
        return status, data

    def call_api(
        self, service: str, region: str, operation: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """``submit``, answered as botocore parses it (an ``Error`` key when it failed)."""
        record = self._recorder.record(service, region, operation, **params)
        environ = record.environ(replay=False)
        environ[INTERNAL_ENVIRON_KEY] = True  # ours: the guard does not judge it
        status, headers, data = run_wsgi(self, environ)
        return self._recorder.parse(service, region, operation, status, headers, data)

    def call_moto(self, environ: dict[str, Any], body: bytes) -> Response:
        """Run one request through moto and capture its response."""
        environ = dict(environ)
        environ["wsgi.input"] = persistence.body_stream(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        status, headers, data = run_wsgi(self.moto, environ)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        return Response(data, status=status, headers=headers)

    # -- lambherd's own endpoints ---------------------------------------------------------------
    def _own(self, environ: dict[str, Any]) -> Response:
        request = Request(environ)
        path = request.path
        if path == "/_lambherd/health":
            return ok(self.health())
        if path == "/_lambherd/reset" and request.method == "POST":
            self.reset()
            return ok({"reset": True})
        if path == "/_lambherd/clock":
            return clock_endpoint(self.clock, request)
        layer = layer_content.LAYER_PATH.match(path)
        if layer and request.method in {"GET", "HEAD"}:
            region = request.args.get("region", DEFAULT_REGION)
            arn = f"arn:aws:lambda:{region}:{self.account}:layer:{layer[1]}:{layer[2]}"
            zipped = self.facade.layer_zip(self.account, region, arn)
            if zipped is None:
                return Response("no such layer version", status=404)
            return Response(zipped, status=200, content_type="application/zip")
        m = _CODE_PATH.match(path)
        if m and request.method in {"GET", "HEAD"}:
            name, version = split_name(m.group(1))[0], m.group(2)
            region = request.args.get("region", DEFAULT_REGION)
            code = self.lambda_layer.code_bytes(FunctionKey(self.account, region, name), version)
            if code is None:
                return Response("no such function version", status=404)
            return Response(code, status=200, content_type="application/zip")
        return Response("not found", status=404)

    def health(self) -> dict[str, Any]:
        """What ``/_lambherd/health`` answers (``functions``: in every region)."""
        functions = 0
        try:
            functions = self.facade.function_count(self.account)
        except Exception:  # health must answer whatever state moto is in
            functions = -1
        return {
            "service": "lambherd-sandbox",
            "pid": os.getpid(),
            "endpoint": self.endpoint,
            "state_dir": str(self.state_dir),
            "functions": functions,
            "replayed": self.replayed,
            "journal": {}
            if self.state is None
            else {
                "seq": self.state.seq,
                "snapshot_seq": self.state.snapshot_seq,
                "tail_bytes": self.state.tail_bytes,
                "telemetry_loaded": self.state.telemetry_loaded,
            },
            "warnings": self.lambda_layer.warnings() + self.triggers.warnings(),
        }
