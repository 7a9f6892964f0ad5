"""The sandbox's Invoke API: deployed code of the invoked version, run by the local emulator.

Each version's zip is extracted once into ``<state dir>/code/<sha256>/`` and registered with the
emulator as its own function version, so warm environments are kept per version. The code sees
the sandbox as its AWS (``AWS_ENDPOINT_URL`` and dummy credentials), and every invocation's log
and metrics go to the sandbox's CloudWatch.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import shutil
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from lambherd.defaults import (
    MEMORY_SIZE,
    SANDBOX_ACCESS_KEY,
    SANDBOX_ACCOUNT_ID,
    SANDBOX_SECRET_KEY,
    TIMEOUT,
)
from lambherd.errors import LambherdError, NotFoundError, PayloadTooLargeError, ThrottledError
from lambherd.invoke_limits import payload_limit
from lambherd.sandbox.lambda_ext import Route, error

if TYPE_CHECKING:
    from lambherd.local.runtime import FunctionSpec, InvokeResult
    from lambherd.sandbox.lambda_ext import LambdaLayer

log = logging.getLogger("lambherd.sandbox")
TAIL_BYTES = 4096
#: What an invocation cut off by ``sandbox stop``/``sandbox reset`` answers.
STOPPED_REASON = (
    "the execution environment was stopped (sandbox stopped or reset) during the invocation"
)
DELETED_REASON = (
    "the execution environment was stopped (the function or version was deleted) during the "
    "invocation"
)


class Invoker:
    """Registers function versions with the local runtime on demand and invokes them."""

    def __init__(self, layer: LambdaLayer) -> None:
        from lambherd.local.runtime import LocalRuntime

        self.layer = layer
        self.runtime = LocalRuntime()
        self._specs: dict[tuple[str, str], FunctionSpec] = {}
        self._lock = threading.Lock()
        self._extract_lock = threading.Lock()
        self._register_lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self.closed = False

    def close(self) -> None:
        """Stop every environment; invocations still running leave no logs or metrics behind."""
        self.closed = True
        self.runtime.close(STOPPED_REASON)

    # -- Invoke API -----------------------------------------------------------------------
    def invoke(self, route: Route, environ: dict[str, Any], body: bytes, region: str) -> Response:
        """Serve ``POST /2015-03-31/functions/{name}/invocations``."""
        name = route.function or ""
        qualifier = route.qualifier or "$LATEST"
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE") or "RequestResponse"
        version = self.layer.pick_version(name, qualifier, region)
        if version is None:
            return error(
                404,
                "ResourceNotFoundException",
                f"Function not found: arn:aws:lambda:{region}:{SANDBOX_ACCOUNT_ID}:function:"
                f"{name}{':' + qualifier if route.qualifier else ''}",
            )
        limit = payload_limit(invocation_type)
        if len(body) > limit:
            return error(
                413,
                "RequestTooLargeException",
                f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
            )
        try:
            spec = self.spec_for(name, version, region)
        except LambherdError as exc:
            return error(502, "ServiceException", exc.message)
        if invocation_type == "DryRun":
            return Response(status=204, headers={"X-Amz-Executed-Version": version})
        resource = f"{name}:{route.qualifier}" if route.qualifier else None
        context = environ.get("HTTP_X_AMZ_CLIENT_CONTEXT")
        if invocation_type == "Event":
            threading.Thread(
                target=self._run, args=(spec, body, context, resource), daemon=True
            ).start()
            return Response(status=202, headers={"X-Amz-Executed-Version": version})
        try:
            result = self._run(spec, body, context, resource)
        except ThrottledError:
            return error(
                429,
                "TooManyRequestsException",
                "Rate Exceeded.",
                Reason="ReservedFunctionConcurrentInvocationLimitExceeded",
            )
        except PayloadTooLargeError as exc:
            return error(413, "RequestTooLargeException", exc.message)
        except LambherdError as exc:
            return error(502, "ServiceException", exc.message)
        headers = {
            "X-Amz-Executed-Version": result.executed_version,
            "Content-Type": "application/json",
        }
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        if (environ.get("HTTP_X_AMZ_LOG_TYPE") or "").lower() == "tail":
            tail = result.log.encode("utf-8")[-TAIL_BYTES:]
            headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode("ascii")
        return Response(result.payload, status=200, headers=headers)

    def invoke_direct(
        self, name: str, qualifier: str | None, payload: bytes, region: str
    ) -> InvokeResult:
        """Run one synchronous invocation (function URLs); raises ThrottledError/NotFoundError."""
        version = self.layer.pick_version(name, qualifier or "$LATEST", region)
        if version is None:
            raise NotFoundError(f"function {name}{':' + qualifier if qualifier else ''} not found")
        spec = self.spec_for(name, version, region)
        resource = f"{name}:{qualifier}" if qualifier else None
        return self._run(spec, payload, None, resource)

    def _run(
        self, spec: FunctionSpec, payload: bytes, context: str | None, resource: str | None
    ) -> InvokeResult:
        with self._lock:
            current = self._in_flight.get(spec.name, 0) + 1
            self._in_flight[spec.name] = current
        try:
            result = self.runtime.invoke(
                spec.name, payload, version=spec.version, client_context=context
            )
        except ThrottledError:
            self._record(spec, None, resource, current, throttled=True)
            raise
        finally:
            with self._lock:
                self._in_flight[spec.name] -= 1
        self._record(spec, result, resource, current, throttled=False)
        return result

    def _record(
        self,
        spec: FunctionSpec,
        result: InvokeResult | None,
        resource: str | None,
        concurrent: int,
        *,
        throttled: bool,
    ) -> None:
        telemetry = self.layer.telemetry
        if telemetry is None or self.closed:  # closed: the sandbox was reset or is stopping
            return
        telemetry.record(
            spec.name,
            spec.version,
            spec.log_group or f"/aws/lambda/{spec.name}",
            result,
            region=spec.region,
            resource=resource,
            concurrent=concurrent,
            throttled=throttled,
        )

    # -- registration -----------------------------------------------------------------------
    def spec_for(self, name: str, version: str, region: str) -> FunctionSpec:
        """The emulator's spec for a function version, registered (or re-registered) as needed."""
        from lambherd.local.runtime import FunctionSpec

        with self.layer._lock:
            fn = self.layer.backend(region).get_function(name, version)
            code = bytes(getattr(fn, "code_bytes", b"") or b"")
            environment = dict(fn.environment_vars or {})
            latest_reserved = self.layer.backend(region).get_function(name).reserved_concurrency
            provisioned = self.layer.provisioned_by_version(name, region).get(version, 0)
            log_group = self.layer.log_group(name, version)
            handler, runtime = fn.handler, fn.run_time or "python3.12"
            memory, timeout = int(fn.memory_size or MEMORY_SIZE), float(fn.timeout or TIMEOUT)
            architecture = (fn.architectures or ["x86_64"])[0]
            layers = self._layer_zips(fn, region)
        if not code:
            raise NotFoundError(f"{name}:{version} has no code the sandbox can run")
        code_dir = self._extract(code)
        layer_dirs = tuple(self._extract(zipped) for zipped in layers)
        endpoint = self.layer.endpoint
        spec = FunctionSpec(
            name=name,
            handler=handler or "index.handler",
            runtime=runtime,
            code_dir=code_dir,
            memory_mb=memory,
            timeout_s=timeout,
            environment=environment,
            version=version,
            layer_dirs=layer_dirs,
            reserved_concurrency=latest_reserved,
            provisioned=provisioned,
            region=region,
            log_group=log_group,
            architecture=architecture,
            extra_env={
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": SANDBOX_ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SANDBOX_SECRET_KEY,
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
            },
        )
        with self._register_lock:  # the first invokes of a version may arrive together
            with self._lock:
                known = self._specs.get((name, version))
            if known != spec:
                seen = len(self.runtime.warnings)
                self.runtime.register(spec)
                for warning in self.runtime.warnings[seen:]:  # e.g. python3.12 run by 3.11
                    log.warning(warning)
                with self._lock:
                    self._specs[(name, version)] = spec
        return spec

    def _layer_zips(self, fn: Any, region: str) -> list[bytes]:
        """The zips of a function version's layers, in its ``Layers`` order."""
        zips = []
        for entry in getattr(fn, "layers", None) or []:
            arn = entry.get("Arn", "") if isinstance(entry, dict) else str(entry)
            try:
                found = self.layer.backend(region).layers_versions_by_arn(arn)
            except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
                found = None
            code = bytes(getattr(found, "code_bytes", b"") or b"") if found else b""
            if not code:
                raise NotFoundError(f"layer {arn} of {fn.function_name} has no content")
            zips.append(code)
        return zips

    def refresh_concurrency(self, name: str, region: str) -> None:
        """Apply the current reserved and provisioned concurrency of ``name``."""
        try:
            latest = self.layer.backend(region).get_function(name)
        except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
            return
        provisioned = self.layer.provisioned_by_version(name, region)
        for version in provisioned:  # provisioned environments are pre-warmed now
            try:
                self.spec_for(name, version, region)
            except LambherdError:
                continue
        with self._lock:
            registered = {v for (n, v) in self._specs if n == name}
        if not registered:
            return
        for version in registered:
            provisioned.setdefault(version, 0)
        self.runtime.set_concurrency(name, latest.reserved_concurrency, provisioned)

    def forget(self, name: str, version: str | None) -> None:
        """Drop environments of a deleted function (or version)."""
        with self._lock:
            keys = [k for k in self._specs if k[0] == name and version in (None, k[1])]
            for key in keys:
                del self._specs[key]
        if keys:
            try:
                self.runtime.unregister(name, version, reason=DELETED_REASON)
            except LambherdError:
                pass

    def _extract(self, code: bytes) -> Path:
        """Extract a zip (code or layer) once into the state dir, keyed by its SHA-256."""
        sha = hashlib.sha256(code).hexdigest()
        target = self.layer.state_dir / "code" / sha
        if target.is_dir():
            return target
        with self._extract_lock:
            if target.is_dir():
                return target
            tmp = target.with_name(sha + ".partial")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            with zipfile.ZipFile(io.BytesIO(code)) as zf:
                for info in zf.infolist():
                    dest = (tmp / info.filename).resolve()
                    if not dest.is_relative_to(tmp.resolve()):
                        raise NotFoundError(f"unsafe path in the code zip: {info.filename}")
                zf.extractall(tmp)
                for info in zf.infolist():  # keep the executable bits Lambda would keep
                    mode = (info.external_attr >> 16) & 0o777
                    if mode and not info.is_dir():
                        (tmp / info.filename).chmod(mode | 0o400)
            tmp.rename(target)
        return target
