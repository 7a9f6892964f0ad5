"""``tune``'s plans: the temporary versions and aliases per memory size, and their clean-up.

Pure functions of what was read (GetFunctionConfiguration, ListAliases, ListVersionsByFunction);
the one executor runs the plans. Everything a run makes carries its run id:

- aliases ``lambherd-tune-<run id>-<memory>`` (``...-<memory>-<n>`` with ``--cold-only``);
- versions whose Description is ``lambherd tune <run id>: <memory> MB`` (``... #<n>``);
- $LATEST's Description, while the run sets it up, ends with ``[lambherd tune <run id>: ...]``:
  that change makes every PublishVersion publish a new version (Lambda publishes nothing when
  $LATEST is unchanged since the last version), the way aws-lambda-power-tuning forces a new
  version per alias for its cold-start-only runs.

``plan_setup``: per size (and per invocation with ``cold_only``) UpdateConfiguration
(MemorySize, Description), PublishVersion, CreateAlias; last, $LATEST's MemorySize and
Description put back. One plan, so the RevisionId read first guards every change to the end:
a function changed by someone else meanwhile stops the setup instead of being overwritten.

``plan_cleanup``: DeleteAlias of the run's aliases, then DeleteVersion of the run's versions,
found by name and description (so a version whose publish answer was lost is found too), never
one that existed before the run or that another alias serves. ``plan_restore``: put $LATEST back
when the setup stopped half-way (only while $LATEST still carries the run's Description: a
change made by someone else since is left alone).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lambherd.plan.remote import aliased_versions
from lambherd.plan.steps import (
    PUBLISHED,
    CreateAlias,
    DeleteVersion,
    Plan,
    PublishVersion,
    Step,
    UpdateConfiguration,
)
from lambherd.plan.version_planner import DeleteAlias

ALIAS_PREFIX = "lambherd-tune-"
TAG = "lambherd tune"
#: Lambda's limit on Description.
DESCRIPTION_LIMIT = 256
_VERSION_DESCRIPTION = re.compile(r"^lambherd tune ([0-9a-z]+): \d+ MB(?: #\d+)?$")


@dataclass(frozen=True)
class Slot:
    """One temporary alias: the memory size it runs and the invocations it takes."""

    memory_mb: int
    alias: str
    description: str  # the version's


def alias_name(run_id: str, memory_mb: int, index: int | None = None) -> str:
    """``lambherd-tune-<run id>-<memory>`` (``-<n>`` per invocation with ``--cold-only``)."""
    return f"{ALIAS_PREFIX}{run_id}-{memory_mb}" + ("" if index is None else f"-{index + 1}")


def version_description(run_id: str, memory_mb: int, index: int | None = None) -> str:
    """The Description of a version the run publishes."""
    return f"{TAG} {run_id}: {memory_mb} MB" + ("" if index is None else f" #{index + 1}")


def marked(original: str, mark: str) -> str:
    """$LATEST's Description during the setup: the original, then ``[mark]``, within 256."""
    tail = f"[{mark}]"
    room = DESCRIPTION_LIMIT - len(tail) - 1
    head = original[:room].rstrip()
    return f"{head} {tail}" if head else tail


def slots(run_id: str, sizes: Sequence[int], *, cold_only: bool, invocations: int) -> list[Slot]:
    """The aliases a run makes, in setup order."""
    out: list[Slot] = []
    for size in sizes:
        indexes: Iterable[int | None] = range(invocations) if cold_only else (None,)
        for index in indexes:
            out.append(
                Slot(
                    size,
                    alias_name(run_id, size, index),
                    version_description(run_id, size, index),
                )
            )
    return out


def plan_setup(name: str, config: dict[str, Any], planned: Sequence[Slot]) -> Plan:
    """The setup of every slot, then $LATEST put back (see the module docstring)."""
    original_memory = int(config.get("MemorySize") or 128)
    original_description = str(config.get("Description") or "")
    steps: list[Step] = []
    for slot in planned:
        steps.append(
            UpdateConfiguration(
                params={
                    "MemorySize": slot.memory_mb,
                    "Description": marked(original_description, slot.description),
                },
                changed=("MemorySize", "Description"),
            )
        )
        steps.append(PublishVersion(description=slot.description))
        steps.append(CreateAlias(name=slot.alias, version=PUBLISHED))
    steps.append(
        UpdateConfiguration(
            params={"MemorySize": original_memory, "Description": original_description},
            changed=("MemorySize", "Description"),
        )
    )
    return Plan(
        function_name=name,
        steps=tuple(steps),
        function_arn=config.get("FunctionArn"),
        revision_id=config.get("RevisionId"),
        code_sha256=config.get("CodeSha256"),
    )


def is_run_alias(alias_name_: str, run_id: str | None) -> bool:
    """True for an alias of this run (``run_id``) or of any tune run (None)."""
    prefix = ALIAS_PREFIX + (f"{run_id}-" if run_id else "")
    return alias_name_.startswith(prefix)


def is_run_version(version: dict[str, Any], run_id: str | None) -> bool:
    """True for a version published by this run (or by any tune run)."""
    m = _VERSION_DESCRIPTION.match(str(version.get("Description") or ""))
    return m is not None and run_id in (None, m.group(1))


def plan_cleanup(
    name: str,
    aliases: Sequence[dict[str, Any]],
    versions: Sequence[dict[str, Any]],
    run_id: str | None,
    *,
    existing: Iterable[str] = (),
) -> Plan:
    """DeleteAlias of the run's aliases, then DeleteVersion of its versions (module docstring).

    ``existing``: the version numbers that existed before the run (never deleted).
    """
    ours = [a for a in aliases if is_run_alias(str(a.get("Name")), run_id)]
    others = [a for a in aliases if not is_run_alias(str(a.get("Name")), run_id)]
    protected = aliased_versions(others) | {str(v) for v in existing}
    steps: list[Step] = [DeleteAlias(str(a["Name"])) for a in ours]
    doomed = [
        str(v["Version"])
        for v in versions
        if str(v.get("Version")).isdigit()
        and is_run_version(v, run_id)
        and str(v["Version"]) not in protected
    ]
    steps += [DeleteVersion(v) for v in sorted(doomed, key=int)]
    return Plan(function_name=name, steps=tuple(steps))


def plan_restore(name: str, now: dict[str, Any], original: dict[str, Any], run_id: str) -> Plan:
    """Put $LATEST's MemorySize and Description back while it still carries the run's mark."""
    description = str(now.get("Description") or "")
    if f"[{TAG} {run_id}: " not in description:
        return Plan(function_name=name)
    step = UpdateConfiguration(
        params={
            "MemorySize": int(original.get("MemorySize") or 128),
            "Description": str(original.get("Description") or ""),
        },
        changed=("MemorySize", "Description"),
    )
    return Plan(function_name=name, steps=(step,), revision_id=now.get("RevisionId"))
