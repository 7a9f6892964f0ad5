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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug.wrappers import Response

from lambherd.defaults import SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY
from lambherd.errors import LambherdError, NotFoundError, PayloadTooLargeError, ThrottledError
from lambherd.invoke_limits import payload_limit
from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.state import FunctionKey, VersionConfig
from lambherd.sandbox.wire import Route, error

if TYPE_CHECKING:
    from lambherd.local.runtime import LocalRuntime
    from lambherd.local.spec import FunctionSpec, InvokeResult

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


@dataclass(frozen=True)
class RunConfig:
    """One function version as the invoker runs it."""

    config: VersionConfig
    provisioned: int
    log_group: str


class DeployedFunctions(Protocol):
    """What the invoker asks the Lambda layer (which implements it)."""

    facade: MotoFacade

    def pick_version(self, key: FunctionKey, qualifier: str) -> str | None: ...

    def run_config(self, key: FunctionKey, version: str) -> RunConfig | None: ...

    def provisioned_by_version(self, key: FunctionKey) -> dict[str, int]: ...


class Invoker:
    """Registers function versions with the local runtime on demand and invokes them.

    One local runtime per (account, region): a function name is only unique there, and
    concurrency limits are per region on Lambda too.
    """

    def __init__(
        self, functions: DeployedFunctions, state_dir: Path, endpoint: str, telemetry: Any
    ) -> None:
        self.functions = functions
        self.state_dir = state_dir
        self.endpoint = endpoint
        self.telemetry = telemetry
        self._runtimes: dict[tuple[str, str], LocalRuntime] = {}
        self._specs: dict[tuple[FunctionKey, str], FunctionSpec] = {}
        self._lock = threading.Lock()
        self._extract_lock = threading.Lock()
        self._register_lock = threading.Lock()
        self._in_flight: dict[FunctionKey, int] = {}
        self._layer_shas: dict[int, tuple[bytes, str]] = {}
        self.closed = False
        #: called after a version's pool was replaced (new code or configuration)
        self.on_registered: Any = None

    def runtime(self, key: FunctionKey) -> LocalRuntime:
        """The local runtime of the function's account and region (made on first use)."""
        from lambherd.local.runtime import LocalRuntime

        with self._lock:
            found = self._runtimes.get((key.account, key.region))
            if found is None:
                found = self._runtimes[(key.account, key.region)] = LocalRuntime()
            return found

    def warnings(self) -> list[str]:
        """What the local runtimes warned about, each once."""
        with self._lock:
            runtimes = list(self._runtimes.values())
        return list(dict.fromkeys(w for rt in runtimes for w in rt.warnings))

    def close(self) -> None:
        """Stop every environment; invocations still running leave no logs or metrics behind."""
        self.closed = True
        with self._lock:
            runtimes = list(self._runtimes.values())
        for runtime in runtimes:
            runtime.close(STOPPED_REASON)

    # -- Invoke API -----------------------------------------------------------------------
    def invoke(
        self, route: Route, environ: dict[str, Any], body: bytes, account: str, region: str
    ) -> Response:
        """Serve ``POST /2015-03-31/functions/{name}/invocations``."""
        key = FunctionKey(account, region, route.function or "")
        qualifier = route.qualifier or "$LATEST"
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE") or "RequestResponse"
        version = self.functions.pick_version(key, qualifier)
        if version is None:
            return error(
                404,
                "ResourceNotFoundException",
                f"Function not found: arn:aws:lambda:{region}:{account}:function:"
                f"{key.name}{':' + qualifier if route.qualifier else ''}",
            )
        limit = payload_limit(invocation_type)
        if len(body) > limit:
            return error(
                413,
                "RequestTooLargeException",
                f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
            )
        try:
            spec = self.spec_for(key, version)
        except LambherdError as exc:
            return error(502, "ServiceException", exc.message)
        if invocation_type == "DryRun":
            return Response(status=204, headers={"X-Amz-Executed-Version": version})
        resource = f"{key.name}:{route.qualifier}" if route.qualifier else None
        context = environ.get("HTTP_X_AMZ_CLIENT_CONTEXT")
        if invocation_type == "Event":
            queue = getattr(self.functions, "async_invokes", None)
            if queue is not None:  # retries and destinations (sandbox.async_invokes)
                request_id = queue.submit(key, route.qualifier, body)
                headers = {"X-Amz-Executed-Version": version, "x-amzn-RequestId": request_id}
                return Response(status=202, headers=headers)
            threading.Thread(
                target=self._run, args=(key, spec, body, context, resource), daemon=True
            ).start()
            return Response(status=202, headers={"X-Amz-Executed-Version": version})
        try:
            result = self._run(key, spec, body, context, resource)
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
        self, key: FunctionKey, qualifier: str | None, payload: bytes, stream: Any = None
    ) -> InvokeResult:
        """Run one synchronous invocation (function URLs, streamed invokes: what a streaming
        function writes goes to ``stream``); raises ThrottledError/NotFoundError."""
        version = self.functions.pick_version(key, qualifier or "$LATEST")
        if version is None:
            where = f"{key.name}{':' + qualifier if qualifier else ''}"
            raise NotFoundError(f"function {where} not found")
        spec = self.spec_for(key, version)
        resource = f"{key.name}:{qualifier}" if qualifier else None
        return self._run(key, spec, payload, None, resource, stream)

    def _run(
        self,
        key: FunctionKey,
        spec: FunctionSpec,
        payload: bytes,
        context: str | None,
        resource: str | None,
        stream: Any = None,
    ) -> InvokeResult:
        with self._lock:
            current = self._in_flight.get(key, 0) + 1
            self._in_flight[key] = current
        try:
            result = self.runtime(key).invoke(
                spec.name, payload, version=spec.version, client_context=context, stream=stream
            )
        except ThrottledError:
            self._record(spec, None, resource, current, throttled=True)
            raise
        finally:
            with self._lock:
                self._in_flight[key] -= 1
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
        if self.telemetry is None or self.closed:  # closed: the sandbox was reset or is stopping
            return
        self.telemetry.record(
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
    def spec_for(self, key: FunctionKey, version: str) -> FunctionSpec:
        """The emulator's spec for a function version, registered (or re-registered) as needed."""
        from lambherd.local.spec import FunctionSpec

        run = self.functions.run_config(key, version)
        if run is None:
            raise NotFoundError(f"{key.name}:{version} does not exist")
        config = run.config
        if not config.code:
            raise NotFoundError(f"{key.name}:{version} has no code the sandbox can run")
        layers = []
        for arn in config.layer_arns:
            zipped = self.functions.facade.layer_zip(key.account, key.region, arn)
            if not zipped:
                raise NotFoundError(f"layer {arn} of {key.name} has no content")
            layers.append(zipped)
        code_dir = self._extract(config.code, config.code_sha256)
        layer_dirs = tuple(self._extract(zipped, self._layer_sha(zipped)) for zipped in layers)
        spec = FunctionSpec(
            name=key.name,
            handler=config.handler,
            runtime=config.runtime,
            code_dir=code_dir,
            memory_mb=config.memory_mb,
            timeout_s=config.timeout_s,
            environment=config.environment,
            version=version,
            layer_dirs=layer_dirs,
            # the reserved limit is applied with set_concurrency: a change of it must not
            # replace the version's pool (and its provisioned environments)
            reserved_concurrency=None,
            provisioned=run.provisioned,
            region=key.region,
            account_id=key.account,
            log_group=run.log_group,
            architecture=config.architecture,
            extra_env={
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": SANDBOX_ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SANDBOX_SECRET_KEY,
                "AWS_REGION": key.region,
                "AWS_DEFAULT_REGION": key.region,
            },
        )
        with self._register_lock:  # the first invokes of a version may arrive together
            with self._lock:
                known = self._specs.get((key, version))
            if known != spec:
                runtime = self.runtime(key)
                seen = len(runtime.warnings)
                runtime.register(spec)
                runtime.set_concurrency(key.name, config.reserved)
                for warning in runtime.warnings[seen:]:  # e.g. python3.12 run by 3.11
                    log.warning(warning)
                with self._lock:
                    self._specs[(key, version)] = spec
                if known is not None and self.on_registered is not None:
                    self.on_registered(key)  # a new pool: its provisioned environments again
        return spec

    def refresh_concurrency(self, key: FunctionKey) -> None:
        """Apply the current reserved and provisioned concurrency of a function."""
        self.apply_provisioned(key, self.functions.provisioned_by_version(key), lambda _v: None)

    def apply_provisioned(
        self, key: FunctionKey, counts: dict[str, int], on_started: Any
    ) -> dict[str, str]:
        """Keep ``counts`` provisioned environments per version (pre-warmed now; the others of
        the function's registered versions become on-demand) and the reserved limit; returns
        {version: why its environments did not initialise}. ``on_started(version)`` is called
        as each new environment is up."""
        if self.functions.facade.function_arn(key) is None:
            return {}
        failures: dict[str, str] = {}
        for version, count in counts.items():
            if count > 0:
                try:
                    self.spec_for(key, version)
                except LambherdError as exc:
                    failures[version] = exc.message
        with self._lock:
            registered = sorted(v for (k, v) in self._specs if k == key)
        reserved = self.functions.facade.reserved(key)
        runtime = self.runtime(key)
        for version in registered:
            if version in failures:
                continue
            try:
                started = (lambda v=version: on_started(v)) if on_started is not None else None
                runtime.set_concurrency(
                    key.name, reserved, {version: counts.get(version, 0)}, started=started
                )
            except LambherdError as exc:
                failures[version] = exc.message
        return failures

    def forget(self, key: FunctionKey, version: str | None) -> None:
        """Drop environments of a deleted function (or version)."""
        with self._lock:
            keys = [k for k in self._specs if k[0] == key and version in (None, k[1])]
            for found in keys:
                del self._specs[found]
        if keys:
            try:
                self.runtime(key).unregister(key.name, version, reason=DELETED_REASON)
            except LambherdError:
                pass

    def _layer_sha(self, zipped: bytes) -> str:
        """A layer zip's SHA-256, hashed once per zip moto holds (layer versions never change)."""
        with self._lock:
            known = self._layer_shas.get(id(zipped))
            if known is not None and known[0] is zipped:
                return known[1]
        sha = hashlib.sha256(zipped).hexdigest()
        with self._lock:
            if len(self._layer_shas) >= 64:
                self._layer_shas.clear()
            self._layer_shas[id(zipped)] = (zipped, sha)
        return sha

    def _extract(self, code: bytes, sha: str = "") -> Path:
        """Extract a zip (code or layer) once into the state dir, keyed by its SHA-256 (hashed
        here unless given: a large zip is not hashed again on every invoke)."""
        sha = sha or hashlib.sha256(code).hexdigest()
        target = self.state_dir / "code" / sha
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
