"""``local invoke`` / ``local start``: run the function on this machine in the local Lambda
emulator (awslambdaric child processes, no Docker), from its folder and its definition."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lambherd.definition.limits import RANGES
from lambherd.errors import UsageError

#: The MemorySize ``local invoke --memory`` accepts (Lambda's range).
MEMORY_RANGE = RANGES["MemorySize"]

if TYPE_CHECKING:
    from lambherd.app import App


@dataclass(frozen=True)
class LocalInvokeRequest:
    """``local invoke``: the event (a file, ``-`` for ``stdin``, or None for ``{}``) and
    overrides of the definition."""

    event: str | None = None
    stdin: IO[Any] | None = None
    env_vars: Path | None = None
    layer_dirs: tuple[Path, ...] = ()
    memory_mb: int | None = None
    timeout_s: float | None = None


@dataclass
class LocalInvocation:
    """What the one local invocation returned, and what the emulator had to say first."""

    result: Any
    warnings: list[str] = field(default_factory=list)


def invoke_locally(app: App, request: LocalInvokeRequest) -> LocalInvocation:
    """Invoke the function once in the local emulator."""
    from lambherd.local import LocalRuntime
    from lambherd.local.definition_spec import load_local_spec

    payload = _read_event(app, request.event, request.stdin)
    warnings: list[str] = []
    spec = load_local_spec(
        app,
        env_vars=request.env_vars,
        layer_dirs=request.layer_dirs,
        warnings=warnings,
        memory_mb=request.memory_mb,
        timeout_s=request.timeout_s,
    )
    with LocalRuntime() as runtime:
        runtime.register(spec)
        warnings.extend(runtime.warnings)
        return LocalInvocation(runtime.invoke(spec.name, payload), warnings)


@dataclass(frozen=True)
class LocalStartRequest:
    """``local start``: where to serve the Lambda Invoke API and how to run the function."""

    host: str = "127.0.0.1"
    port: int = 3001
    warm: str = "lazy"
    concurrency: int | None = None
    #: None: concurrency.json's ProvisionedConcurrency of the deploy alias (else 0)
    provisioned: int | None = None
    idle_timeout: float = 300.0
    env_vars: Path | None = None
    layer_dirs: tuple[Path, ...] = ()
    #: ``--watch``: a saved change replaces the function's environments (``notify`` says so)
    watch: bool = False
    notify: Callable[[str], None] | None = None


@dataclass
class LocalServer:
    """The function served (its name), the running Invoke API (``api.url``) and the function
    URL it serves (when it has a function_url.json). ``close()`` stops everything."""

    name: str
    api: Any
    url: str | None = None
    watcher: Any = None
    warnings: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Stop watching, serving and every environment."""
        if self.watcher is not None:
            self.watcher.stop()
        self.api.close()
        self.api.runtime.close()


def start_local(app: App, request: LocalStartRequest) -> LocalServer:
    """Start serving the function's Invoke API (and its function URL)."""
    from lambherd.local.definition_spec import load_local_function
    from lambherd.local.invoke_api import start_local_api
    from lambherd.local.url_server import FunctionUrls

    warnings: list[str] = []

    def load(found: list[str]) -> tuple[Any, dict[str, Any] | None]:
        return load_local_function(
            app,
            env_vars=request.env_vars,
            layer_dirs=request.layer_dirs,
            warnings=found,
            reserved_concurrency=request.concurrency,
            provisioned=request.provisioned,
        )

    spec, url_config = load(warnings)
    if spec.reserved_concurrency is not None and spec.provisioned > spec.reserved_concurrency:
        raise UsageError(
            f"provisioned {spec.provisioned} is above the reserved concurrency "
            f"{spec.reserved_concurrency} (--provisioned / --concurrency, or concurrency.json)"
        )
    api = start_local_api(
        [spec],
        host=request.host,
        port=request.port,
        warm=request.warm,
        idle_timeout_s=request.idle_timeout,
    )
    urls = FunctionUrls(api.runtime)
    api.server.function_urls = urls  # answered on the Invoke API's port
    served = LocalServer(spec.name, api, warnings=warnings)
    if url_config is not None:
        served.url = f"{api.url}/_lambda_url/{urls.add(spec, url_config).uid}/"
    if request.watch:
        served.watcher = _watch(app, spec, load, served, urls, request.notify or (lambda _m: None))
    return served


def _watch(app: App, spec: Any, load: Any, served: LocalServer, urls: Any, notify: Any) -> Any:
    """Replace the function's environments after each saved change of its folder."""
    from lambherd.errors import LambherdError
    from lambherd.local.watch import FolderWatcher

    def reload(changes: list[Any]) -> None:
        what = "; ".join(c.describe() for c in changes)
        found: list[str] = []
        try:
            new_spec, url_config = load(found)
            served.api.runtime.register(new_spec)  # old environments drained
        except LambherdError as exc:
            notify(f"{spec.name}: not reloaded ({what} changed): {exc.message}")
            return
        for message in found:
            notify(f"{new_spec.name}: {message}")
        if url_config is not None:
            urls.add(new_spec, url_config)
        notify(f"reloaded {new_spec.name}: {what} changed (the next invocation starts cold)")

    extra = [app.project.root / "lambherd.toml"] if app.project is not None else []
    watcher = FolderWatcher([spec.code_dir], reload, extra_files=extra)
    watcher.start()
    return watcher


def _read_event(app: App, event: str | None, stdin: IO[Any] | None) -> bytes:
    if event is None:
        return b"{}"
    if event == "-":
        raw = getattr(stdin, "buffer", None)
        if raw is not None:
            data = raw.read()
        else:
            data = (stdin.read() if stdin is not None else "").encode("utf-8", "replace")
    else:
        try:
            data = app.resolve(event).read_bytes()
        except OSError as exc:
            raise UsageError(f"--event {event}: cannot read: {exc.strerror}") from exc
    try:
        json.loads(data or b"{}")
    except ValueError as exc:
        raise UsageError(f"--event {event}: not valid JSON: {exc}") from exc
    return data or b"{}"
