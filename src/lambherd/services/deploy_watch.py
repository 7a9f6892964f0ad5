"""``deploy --watch``: a dev loop. On each save, push what changed through the one deploy
pipeline (``services.deploy.deploy``: plan, then the executor) — never a side path:

- only code changed: a code-only push, the same deploy with the settings ``publish = false``
  and ``skip_configuration`` (UpdateFunctionCode without publishing; the alias stays where it
  is), for the functions whose folders changed;
- the definition changed (function.json, a sidecar, .lambdaignore, lambherd.toml): a full
  deploy of those functions (of every function when lambherd.toml changed), with the command
  line's settings, publishing as ``deploy`` does.

It starts with one full deploy (so what is deployed is what is on disk), refuses a stage marked
``protected = true`` in lambherd.toml before anything is sent, and batches an editor's save
(``watch.FolderWatcher``). Each push is reported once (``on_push``) with its duration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.defaults import DEPLOY_WATCH_DEBOUNCE_MS, DEPLOY_WATCH_STEP_MS
from lambherd.errors import LambherdError, UsageError
from lambherd.settings import SettingsLayer

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.services.deploy import DeployRequest

#: The settings a code-only push lays over the command line's.
CODE_ONLY = {"publish": False, "skip_configuration": True, "alias_to_latest": False}
#: A save is taken once the folder has been quiet this long (at most ``DEBOUNCE_MS``).
STEP_MS, DEBOUNCE_MS = DEPLOY_WATCH_STEP_MS, DEPLOY_WATCH_DEBOUNCE_MS


@dataclass(frozen=True)
class Push:
    """One push: what kind, of which functions, how long it took and what it sent."""

    kind: str  # "initial" | "code" | "full"
    names: tuple[str, ...]
    seconds: float
    changed: bool = False
    bytes_uploaded: int = 0
    trigger: str = ""
    error: str | None = None


def code_only(settings: SettingsLayer) -> SettingsLayer:
    """The command line's settings for a code-only push: no publish, no configuration."""
    return SettingsLayer(settings.where, {**settings.values, **CODE_ONLY})


def check_watchable(app: App, request: DeployRequest) -> None:
    """Refuse what a watch cannot do, before anything is sent."""
    stage = app.project.stage if app.project is not None else None
    if stage is not None and stage.protected:
        raise UsageError(
            f"--watch: stage {stage.name} is protected (protected = true in lambherd.toml); "
            "a watch pushes every save",
            hint="watch the sandbox (--sandbox) or a dev stage; deploy this stage without --watch",
        )
    run = request.run
    for given, flag in ((run.dry_run, "--dry-run"), (run.prune, "--prune")):
        if given:
            raise UsageError(f"--watch: {flag} is not taken (each save is a real push)")


class DeployWatch:
    """The watch loop of one ``deploy --watch``: ``start()``, then pushes until ``stop()``."""

    def __init__(
        self,
        app: App,
        request: DeployRequest,
        on_push: Callable[[Push], None],
        *,
        step_ms: int = STEP_MS,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        check_watchable(app, request)
        self.app = app
        self.request = request
        self.on_push = on_push
        self.step_ms = step_ms
        self.debounce_ms = debounce_ms
        self.folders: dict[Path, str] = {}
        self._watcher: Any = None
        self._lock = threading.Lock()

    def push(self, kind: str, names: tuple[str, ...] = (), trigger: str = "") -> Push:
        """One deploy through the pipeline: code-only, or full (``initial``/``full``)."""
        from lambherd.services.deploy import deploy

        settings = self.request.settings
        if kind == "code":
            settings = code_only(settings)
        run = self.request.run
        if self.app.project is not None and names:
            run = replace(run, only=names)
        started = time.perf_counter()
        try:
            with self._lock:  # one push at a time
                # every other switch as given (--function-url, --lint...)
                report = deploy(self.app, replace(self.request, settings=settings, run=run))
        except LambherdError as exc:
            took = time.perf_counter() - started
            return Push(kind, names, took, trigger=trigger, error=exc.message)
        took = time.perf_counter() - started
        failed = [o for o in report.run.outcomes if o.error]
        done = names or tuple(c.name for c in report.changeset.changes)
        return Push(
            kind,
            done,
            took,
            changed=any(not c.plan.empty for c in report.changeset.changes if c.plan),
            bytes_uploaded=report.run.bytes_uploaded,
            trigger=trigger,
            error="; ".join(f"{o.name}: {o.error}" for o in failed) or None,
        )

    def start(self) -> Push:
        """The first full deploy, then watch; returns that first push."""
        from lambherd.local.watch import FolderWatcher

        self.folders = self._function_folders()
        first = self.push("initial")
        self.on_push(first)
        extra = [self.app.project.root / "lambherd.toml"] if self.app.project else []
        self._watcher = FolderWatcher(
            list(self.folders),
            self._changed,
            step_ms=self.step_ms,
            debounce_ms=self.debounce_ms,
            extra_files=extra,
        )
        self._watcher.start()
        return first

    def stop(self) -> None:
        """Stop watching (a push under way finishes first)."""
        if self._watcher is not None:
            self._watcher.stop()
        with self._lock:
            pass

    def _changed(self, changes: list[Any]) -> None:
        project_file = any(c.paths == ("lambherd.toml",) for c in changes)
        full = project_file or any(c.definition for c in changes)
        names: tuple[str, ...] = ()
        if not project_file:  # lambherd.toml: every function; else those whose folder changed
            touched = {self.folders[c.folder] for c in changes if c.folder in self.folders}
            names = tuple(sorted(touched))
        trigger = "; ".join(c.describe() for c in changes)
        self.on_push(self.push("full" if full else "code", names, trigger))

    def _function_folders(self) -> dict[Path, str]:
        """Each watched folder and its function's name."""
        from lambherd.pipeline.targets import project_targets, selected
        from lambherd.project.context import load_app_definition
        from lambherd.project.scope import project_clients, project_scope

        scope = project_scope(self.app, self.request.run.only)
        if scope is None:
            defn = load_app_definition(self.app, fields=("FunctionName",))
            return {defn.source_dir.resolve(): defn.name}
        project = scope.project
        targets = project_targets(
            project,
            self.app.render,
            lambda: project_clients(self.app, project),
            fields=("FunctionName",),
        )
        return {t.definition.source_dir.resolve(): t.name for t in selected(targets, scope.only)}
