"""Watching function folders for saved changes (``local start --watch``, ``deploy --watch``).

Why watchfiles: it is inotify-based (Linux; FSEvents/ReadDirectoryChangesW elsewhere, polling
where none works), so a folder with a large ``node_modules`` costs nothing while idle, where a
stat poll would walk every file several times a second; and it groups the bursts an editor's
save makes (write, rename, chmod) into one batch (``step_ms`` quiet, at most ``debounce_ms``).

A change counts when lambroll's rules would package the file (the folder's ``.lambdaignore``,
``archive.ignore``; read again when it changes), or when it is the definition, a sidecar, the
ignore file or ``lambherd.toml`` (``definition=True``: a deploy must do more than push code),
or the stamp of a finished ``lambherd build`` (its packages changed). The rest of
``.lambherd/`` and ignored files never count.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lambherd.defaults import LOCAL_WATCH_DEBOUNCE_MS, LOCAL_WATCH_STEP_MS

log = logging.getLogger("lambherd.watch")

#: Files whose change is a change of the function's definition, not only of its code.
DEFINITION_FILES = ("function.json", "function.jsonnet", ".lambdaignore", "lambherd.toml")
BUILD_STAMP = ".lambherd/build.json"


@dataclass(frozen=True)
class FolderChange:
    """What changed in one watched folder in one batch."""

    folder: Path
    paths: tuple[str, ...]  # relative to the folder, sorted
    definition: bool  # the definition, a sidecar, the ignore file or lambherd.toml changed

    def describe(self, limit: int = 3) -> str:
        """``app.py, lib/x.py and 2 more``."""
        shown = list(self.paths[:limit])
        more = len(self.paths) - len(shown)
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _definition_names() -> set[str]:
    from lambherd.definition.sidecars import sidecar_names

    return {*DEFINITION_FILES, *sidecar_names()}


def classify(
    folder: Path, paths: Iterable[str | Path], ignore_style: str = "lambroll"
) -> FolderChange | None:
    """The change ``paths`` (absolute) make to ``folder``, or None when none counts."""
    from lambherd.archive.ignore import load_rules

    root = folder.resolve()
    names = _definition_names()
    rules = load_rules(root, ".lambdaignore", style=ignore_style)
    counted: set[str] = set()
    definition = False
    for raw in paths:
        try:
            rel = Path(raw).resolve().relative_to(root).as_posix()
        except (ValueError, OSError):
            continue
        if rel in names:
            counted.add(rel)
            definition = True
        elif rel == BUILD_STAMP:
            counted.add(rel)
        elif rel == ".lambherd" or rel.startswith(".lambherd/"):
            continue
        elif not _ignored(rules, rel):
            counted.add(rel)
    if not counted:
        return None
    return FolderChange(folder, tuple(sorted(counted)), definition)


def _ignored(rules: object, rel: str) -> bool:
    parts = rel.split("/")
    for depth in range(1, len(parts)):
        if rules.ignores_dir("/".join(parts[:depth])):  # type: ignore[attr-defined]
            return True
    return bool(rules.ignores_file(rel))  # type: ignore[attr-defined]


def saved_paths(batch: Iterable[tuple[object, str]]) -> list[str]:
    """The paths of a watchfiles batch that a save left changed: a file created and gone again
    within the batch (an editor's or ``sed -i``'s temporary file) is not a change; a file
    deleted for good is."""
    from watchfiles import Change

    kinds: dict[str, set[object]] = {}
    for kind, path in batch:
        kinds.setdefault(path, set()).add(kind)
    return [
        path
        for path, seen in kinds.items()
        if not (Change.added in seen and Change.deleted in seen and not Path(path).exists())
    ]


def _quiet_watchfiles() -> None:
    """watchfiles logs each batch at INFO ("3 changes detected"): a line per save that says
    less than ours; shown again with ``--log-level debug``."""
    quiet = logging.getLogger("watchfiles")
    if quiet.level == logging.NOTSET and not log.isEnabledFor(logging.DEBUG):
        quiet.setLevel(logging.WARNING)


class FolderWatcher:
    """Calls ``on_change(changes)`` (in its own thread) after each batch of saved changes."""

    def __init__(
        self,
        folders: Iterable[Path],
        on_change: Callable[[list[FolderChange]], None],
        *,
        step_ms: int = LOCAL_WATCH_STEP_MS,
        debounce_ms: int = LOCAL_WATCH_DEBOUNCE_MS,
        ignore_style: str = "lambroll",
        extra_files: Iterable[Path] = (),
    ) -> None:
        self.folders = [Path(f).resolve() for f in folders]
        self.extra_files = [Path(f).resolve() for f in extra_files]  # e.g. lambherd.toml
        self.on_change = on_change
        self.step_ms = step_ms
        self.debounce_ms = debounce_ms
        self.ignore_style = ignore_style
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, timeout_s: float = 10.0) -> None:
        """Start watching; returns once changes from now on are seen."""
        self._thread = threading.Thread(target=self._loop, name="watch", daemon=True)
        self._thread.start()
        self._ready.wait(timeout_s)

    def stop(self) -> None:
        """Stop watching (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def batch(self, raw: Iterable[str]) -> list[FolderChange]:
        """The changes a batch of absolute paths makes to the watched folders."""
        raw = list(raw)
        changes: list[FolderChange] = []
        for folder in self.folders:
            mine = [p for p in raw if Path(p).resolve().is_relative_to(folder)]
            change = classify(folder, mine, self.ignore_style) if mine else None
            if change is not None:
                changes.append(change)
        touched = {Path(p).resolve() for p in raw} & set(self.extra_files)
        for extra in sorted(touched):  # lambherd.toml: a definition change of every folder
            changes.append(FolderChange(extra.parent, (extra.name,), True))
        return changes

    def _loop(self) -> None:
        from watchfiles import watch

        _quiet_watchfiles()
        roots = sorted({*map(str, self.folders), *(str(f.parent) for f in self.extra_files)})
        try:
            for batch in watch(
                *roots,
                step=self.step_ms,
                debounce=self.debounce_ms,
                stop_event=self._stop,
                watch_filter=None,  # node_modules is packaged: what counts is decided here
                yield_on_timeout=True,  # an empty batch first: watching has started
                rust_timeout=200,
                raise_interrupt=False,
            ):
                self._ready.set()
                if not batch:
                    continue
                changes = self.batch(saved_paths(batch))
                if changes:
                    try:
                        self.on_change(changes)
                    except Exception:  # a failed reload must not end the watch
                        log.exception("handling a change failed")
        finally:
            self._ready.set()
