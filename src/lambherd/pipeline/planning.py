"""Planning: each target -> a ``PlannedFunction`` (code identity, remote state, Plan), and a
``Changeset`` of them (+ Add, * Modify, no change) with the functions a project owns whose
folder is gone (- Delete, applied only with ``--prune``).

A single-function deploy is a one-target changeset: ``deploy``, ``plan``, ``deploy --dry-run``
and a project's ``--prune`` all plan here, with one code identity (``pipeline.code``), one
remote read (``pipeline.remote``) and one planner (``plan.planner``). Reading is parallel and
read-only: nothing here sends a mutating call. A project's functions are planned in a pool
whose two kinds of work are bounded apart (``PlanSlots``): code identities (trees hashed, zips
built: CPU) at the CPU count, AWS reads by an adaptive limit fed by every answer, as the
deploy's parallelism is (``pipeline.pacing``), from ``PLAN_READS_START`` to ``PLAN_READS_MAX``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.defaults import PLAN_READS_MAX, PLAN_READS_START
from lambherd.definition.sidecars import present
from lambherd.errors import DeployError
from lambherd.pipeline.code import code_identity
from lambherd.pipeline.pacing import AdaptiveLimit, PacingReport, watch_calls
from lambherd.pipeline.remote import read_remote_state
from lambherd.pipeline.rollout_checks import prepare_rollout
from lambherd.plan.delete_planner import plan_delete
from lambherd.plan.planner import DesiredState, plan_deploy
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import CodeSource, CreateFunction, Plan, UploadCode, describe_changes

if TYPE_CHECKING:
    from lambherd.pipeline.targets import DeployTarget

ADD, MODIFY, DELETE, NONE = "add", "modify", "delete", "none"


@dataclass(frozen=True)
class PlannedFunction:
    """One function planned: what it is (``target``; None for a prune candidate), its code,
    what AWS reports, the Plan, and the operation it amounts to (add, modify, delete, none)."""

    name: str
    operation: str
    plan: Plan
    target: DeployTarget | None = None
    code: CodeSource | None = None
    remote: RemoteState = field(default_factory=RemoteState)
    warnings: tuple[str, ...] = ()
    #: What the plan changes in words (a prune row says why it deletes).
    changes: tuple[str, ...] = ()

    @property
    def folder(self) -> str | None:
        """The project folder it comes from (None: a single function, or a folder gone)."""
        folder = self.target.folder if self.target is not None else None
        return folder.key if folder is not None else None

    def applied(self, prune: bool) -> bool:
        """True when a deploy runs this row's plan: a change, a delete only with ``prune``."""
        return self.operation != NONE and (self.operation != DELETE or prune)

    def to_json(self) -> dict[str, Any]:
        """This row as a JSON document."""
        return {
            "function": self.name,
            "operation": self.operation,
            "folder": self.folder,
            "changes": list(self.changes),
            "steps": [s.describe() for s in self.plan.steps],
        }


@dataclass(frozen=True)
class Changeset:
    """Every function's change, ordered by function name."""

    project: str | None
    changes: tuple[PlannedFunction, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    #: What the adaptive limit of the reads did (None: a fixed number of readers).
    reads: PacingReport | None = field(default=None, compare=False)

    def count(self, operation: str) -> int:
        """How many rows have ``operation``."""
        return sum(1 for c in self.changes if c.operation == operation)

    @property
    def changed(self) -> bool:
        """True when anything would be added, modified or deleted."""
        return any(c.operation != NONE for c in self.changes)

    def summary(self) -> str:
        """``2 to add, 1 to modify, 0 to delete, 47 unchanged``."""
        return (
            f"{self.count(ADD)} to add, {self.count(MODIFY)} to modify, "
            f"{self.count(DELETE)} to delete, {self.count(NONE)} unchanged"
        )

    def to_json(self) -> dict[str, Any]:
        """The ``plan --output json`` document."""
        return {
            "project": self.project,
            "changed": self.changed,
            "summary": {op: self.count(op) for op in (ADD, MODIFY, DELETE, NONE)},
            "functions": [c.to_json() for c in self.changes],
            "warnings": list(self.warnings),
        }


class PlanSlots:
    """What a project plan's workers wait for: ``code()`` around CPU-bound work (hashing a
    tree, building a zip), at most ``cpus`` at once; ``read()`` around one function's AWS reads,
    as many at once as ``reads`` (an ``AdaptiveLimit``; None: unbounded here, the pool bounds
    them)."""

    def __init__(self, cpus: int, reads: AdaptiveLimit | None = None) -> None:
        self._cpu = threading.BoundedSemaphore(max(1, cpus))
        self.reads = reads

    @contextmanager
    def code(self) -> Iterator[None]:
        with self._cpu:
            yield

    def read(self) -> Any:
        return self.reads.slot() if self.reads is not None else nullcontext()


def cpu_count() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def plan_function(
    target: DeployTarget,
    clients: Any,
    *,
    zip_path: Path | None = None,
    retry: Any = None,
    slots: PlanSlots | None = None,
) -> PlannedFunction:
    """Plan one target: its code identity (the zip written to ``zip_path`` when the plan
    uploads it, or only hashed), what AWS reports (one read, retried with ``retry``), and the
    Plan. Read-only. ``slots`` bounds the CPU work and the reads of a project's pool."""
    defn, settings = target.definition, target.settings
    code_slot = slots.code if slots is not None else nullcontext
    read_slot = slots.read if slots is not None else nullcontext
    with code_slot():
        code = code_identity(
            defn, settings, dest=zip_path, clients=clients, reuse_known=True, listing=target.listing
        )
    with read_slot():
        remote = read_remote_state(
            clients, defn.name, alias=settings.alias, sidecars=defn.sidecars, retry=retry
        )
    if settings.skip_function and not remote.exists:
        raise DeployError(
            f"{defn.name}: function does not exist; --skip-function only updates the URL",
            hint="deploy once without --skip-function",
        )
    config = _ignored_left_as_deployed(defn.config, remote, settings.ignore)
    desired = DesiredState(config=config, code=code.source, sidecars=defn.sidecars)
    plan = plan_deploy(desired, remote, settings)
    if code.unwritten and (plan.of_type(CreateFunction) or plan.of_type(UploadCode)):
        with code_slot():
            code = _written(target, code.source, clients, zip_path)
        desired = replace(desired, code=code.source)
        plan = plan_deploy(desired, remote, settings)
    with read_slot():  # a rollout's gate alarms are read
        plan = prepare_rollout(plan, defn.source_dir, clients)
    if plan.empty:
        operation = NONE
    elif plan.of_type(CreateFunction):
        operation = ADD
    else:
        operation = MODIFY
    return PlannedFunction(
        name=defn.name,
        operation=operation,
        plan=plan,
        target=target,
        code=code.source,
        remote=remote,
        warnings=(*target.warnings, *code.warnings),
        changes=describe_changes(plan.steps),
    )


def _written(target: DeployTarget, planned: CodeSource, clients: Any, zip_path: Path | None) -> Any:
    """The zip the plan uploads, written now (the manifest knew its hash, so it was not);
    refused when the folder no longer zips to the hash the plan was made with."""
    defn, settings = target.definition, target.settings
    code = code_identity(defn, settings, dest=zip_path, clients=clients)
    if code.source.sha256 != planned.sha256:
        raise DeployError(
            f"{defn.name}: the code changed while the deploy was planning it",
            hint="deploy again once the files are saved",
        )
    return code


def replan(change: PlannedFunction, clients: Any, *, retry: Any = None) -> PlannedFunction:
    """``change`` planned again from what AWS reports now, with the same code: after a create
    found its function (alias, statement...) already there — made by a racing deploy, or by our
    own request whose answer was lost. Read-only."""
    target = change.target
    if target is None or change.code is None:
        return change
    defn, settings = target.definition, target.settings
    remote = read_remote_state(
        clients, defn.name, alias=settings.alias, sidecars=defn.sidecars, retry=retry
    )
    desired = DesiredState(config=defn.config, code=change.code, sidecars=defn.sidecars)
    plan = prepare_rollout(plan_deploy(desired, remote, settings), defn.source_dir, clients)
    operation = NONE if plan.empty else MODIFY
    return replace(
        change, operation=operation, plan=plan, remote=remote, changes=describe_changes(plan.steps)
    )


def _ignored_left_as_deployed(
    config: dict[str, Any], remote: Any, queries: tuple[str, ...]
) -> dict[str, Any]:
    """lambroll's ``deploy --ignore``: the definition with those paths as the deployed function
    has them, so a deploy leaves them alone (a new function is created from the whole file)."""
    if not queries or not remote.exists:
        return config
    from lambherd.definition.jq_paths import parse_paths, take_paths
    from lambherd.definition.normalize import definition_from_remote

    paths = tuple(p for q in queries for p in parse_paths(q))
    deployed = definition_from_remote(remote.configuration or {}, remote.tags)
    deployed["FunctionName"] = config.get("FunctionName")
    return take_paths(config, deployed, paths)


def plan_targets(
    clients: Any,
    targets: list[DeployTarget],
    *,
    project: Any = None,
    only: tuple[str, ...] = (),
    zip_dir: Path | None = None,
    workers: int | None = None,
    retry: Any = None,
) -> Changeset:
    """Plan every selected target (and, for a ``project``, find its prune candidates), reading
    AWS in parallel: ``workers`` functions at once, or (None) as many as an adaptive limit
    allows, which grows while AWS answers and halves when it throttles. Code identities take
    at most one thread per CPU either way. ``zip_dir`` None hashes code without writing zips
    (``plan``); a folder gets one zip per function (``deploy``)."""
    chosen = [t for t in targets if t.matches(only)]
    reads = None
    if workers is None:
        # never more threads than functions (+1: the orphans' listing takes one)
        most = max(1, min(PLAN_READS_MAX, len(chosen) + 1))
        reads = AdaptiveLimit(start=min(PLAN_READS_START, most), maximum=most)
        workers = most
    slots = PlanSlots(cpu_count(), reads)
    watching = watch_calls(clients, reads) if reads is not None else nullcontext()
    with watching, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [
            pool.submit(
                plan_function,
                t,
                clients,
                zip_path=zip_dir / f"{i}.zip" if zip_dir else None,
                retry=retry,
                slots=slots,
            )
            for i, t in enumerate(chosen)
        ]
        orphans = None
        if project is not None:
            known = {t.name for t in targets}
            orphans = pool.submit(_owned_orphans, clients, project.name, known, only, retry)
        try:
            rows = [f.result() for f in futures] + (orphans.result() if orphans else [])
        except BaseException:  # a failed read or a Ctrl-C: nothing more starts
            for f in futures:
                f.cancel()
            raise
    rows.sort(key=lambda c: c.name)
    if any(
        r.target is not None and "concurrency" in present(r.target.definition.sidecars)
        for r in rows
    ):
        from lambherd.pipeline.concurrency_checks import check_concurrency

        check_concurrency(clients, rows)  # the account's rules, before anything is sent
    warnings = tuple(f"{c.name}: {w}" for c in rows for w in c.warnings)
    if project is not None and not targets:
        globs = ", ".join(project.function_globs)
        warnings = (f"no function folder matches {globs} (each needs a function.json)", *warnings)
    return Changeset(
        project=project.name if project else None,
        changes=tuple(rows),
        warnings=warnings,
        reads=reads.report() if reads is not None else None,
    )


def _owned_orphans(
    clients: Any, project: str, known: set[str], only: tuple[str, ...], retry: Any = None
) -> list[PlannedFunction]:
    """Functions tagged as owned by ``project`` that no folder defines any more."""
    from lambherd.pipeline.remote import functions_with_tags
    from lambherd.pipeline.trigger_prune import with_trigger_cleanup
    from lambherd.project.config import OWNER_TAG
    from lambherd.project.discovery import matches_any

    # Tags are read in a pool of their own: the planning pool's workers may all be busy.
    others = functions_with_tags(
        clients, lambda name: name not in known and matches_any(only, name), retry=retry
    )
    rows = []
    for fn, tags in others:
        if tags.get(OWNER_TAG) != project:
            continue
        name = fn["FunctionName"]
        from lambherd.pipeline.remote_concurrency import cleanup_steps

        plan = plan_delete(
            name,
            function_arn=fn.get("FunctionArn"),
            revision_id=fn.get("RevisionId"),
            before=cleanup_steps(clients, name),  # its scaling goes with it
        )
        plan = with_trigger_cleanup(clients, plan, project)  # its mappings and schedules
        triggers = tuple(c for c in describe_changes(plan.steps) if c != "function")
        rows.append(
            PlannedFunction(name, DELETE, plan, changes=("function (folder gone)", *triggers))
        )
    return rows
