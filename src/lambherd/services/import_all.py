"""``import --all``: every function of the account and region into a project, one folder each.

Each function goes through the one-function importer (``services.init.import_function``, the
same path as ``init --download --unzip --function-url``: definition, URL config, tags, code
downloaded and safely unzipped, the import record with its code baseline and alias) into
``<root>/functions/<name>/``; ``lambherd.toml`` is written when missing. A folder that already has
a definition is skipped unless ``force``. Imported functions may be *adopted*: tagged
``lambherd:project=<name>`` so that ``plan`` right after the import is empty and ``--prune`` may
later delete them. Tagging changes live functions, so it is the one call here that changes
anything, made only with ``adopt`` and after ``confirm_adopt`` agreed (the CLI asks, or
``--yes``); declined, nothing is tagged and the plan shows the tag each function would get. A
function another project owns is never re-tagged; without ``lambherd.toml`` or a name given, the
project is named after the one project that already owns the imported functions, if any.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambherd.defaults import DEFAULT_IMPORT_WORKERS
from lambherd.errors import UsageError, describe_client_error
from lambherd.function_names import invalid_function_name
from lambherd.project.config import OWNER_TAG, PROJECT_FILE, find_project, load_project

FUNCTIONS_DIR = "functions"


@dataclass(frozen=True)
class ImportAllRequest:
    """What ``import --all`` was asked to do."""

    root: Path
    project_name: str | None = None
    prefix: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    force: bool = False
    adopt: bool = True
    workers: int = DEFAULT_IMPORT_WORKERS
    #: asked before tagging: receives (project, function names), True to tag them
    confirm_adopt: Callable[[str, list[str]], bool] = lambda _project, _names: True


@dataclass
class ImportAllResult:
    """Which functions were imported, skipped or adopted, and the project file."""

    project_name: str
    project_file: Path
    project_written: bool = False
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    #: would have been tagged, but the question was declined
    not_adopted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: listed names Lambda would not take (``../x``...): skipped before touching the disk
    invalid: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``--output json`` document."""
        return {
            "project": self.project_name,
            "project_file": str(self.project_file),
            "project_written": self.project_written,
            "imported": self.imported,
            "skipped": self.skipped,
            "adopted": self.adopted,
            "not_adopted": self.not_adopted,
            "notes": self.notes,
            "invalid": self.invalid,
        }


def list_matching(
    clients: Any, prefix: str | None, tags: dict[str, str]
) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """(ListFunctions entry, tags) of every function matching the prefix and every ``k=v`` tag,
    by name. Tags are read for all of them (the owner tag decides the project and adoption)."""
    from lambherd.pipeline.remote import functions_with_tags

    found = functions_with_tags(clients, lambda name: not prefix or name.startswith(prefix))
    found = [(f, t) for f, t in found if all(t.get(k) == v for k, v in tags.items())]
    return sorted(found, key=lambda pair: pair[0]["FunctionName"])


def import_all(clients: Any, request: ImportAllRequest) -> ImportAllResult:
    """Import every matching function into the project at ``request.root``."""
    if not request.root.is_dir():
        raise UsageError(f"import --all: {request.root} is not a directory")
    existing = find_project(request.root)
    if existing is not None and existing.parent != request.root.resolve():
        raise UsageError(
            f"import --all: {request.root} is inside the project {existing}; run it there"
        )
    listed = list_matching(clients, request.prefix, request.tags)
    # a name is a folder here: one Lambda would refuse (``../x``) is skipped before any disk
    # write, reported, and the import goes on
    bad = [(f["FunctionName"], invalid_function_name(f["FunctionName"])) for f, _ in listed]
    bad = [(fname, why) for fname, why in bad if why is not None]
    matching = [(f, t) for f, t in listed if invalid_function_name(f["FunctionName"]) is None]
    name = _project_name(request, existing, [t.get(OWNER_TAG) for _, t in matching])
    functions = [f for f, _ in matching]
    result = ImportAllResult(name, request.root / PROJECT_FILE)
    for fname, why in bad:
        result.invalid.append(fname)
        result.notes.append(f"skipped {fname!r}: not a valid Lambda function name ({why})")
    if not functions:
        result.notes.append("no function matched")
    with ThreadPoolExecutor(max_workers=max(1, request.workers)) as pool:
        outcomes = list(pool.map(lambda f: _import_one(clients, request, name, f), functions))
    candidates: list[str] = []
    for (fn, tags), (status, notes) in zip(matching, outcomes, strict=True):
        fname = fn["FunctionName"]
        getattr(result, status).append(fname)
        result.notes.extend(notes)
        owner = tags.get(OWNER_TAG)
        if status == "imported" and owner not in (None, name):
            result.notes.append(
                f"{fname} is owned by project {owner!r}: left tagged so; deploying it from "
                f"here would take it over (plan shows its tags change)"
            )
        elif status == "imported" and request.adopt and owner is None:
            candidates.append(fname)
    if candidates and request.confirm_adopt(name, candidates):
        _adopt(clients, functions, candidates, name)
        result.adopted = candidates
    elif candidates:
        result.not_adopted = candidates
        result.notes.append(
            f"not tagged {OWNER_TAG}={name}: plan shows that tag as a change for "
            f"{len(candidates)} function(s) until a deploy (or `import --all --force --yes`) "
            "adds it"
        )
    result.project_written = _write_project_file(result.project_file, name, existing)
    return result


def _project_name(
    request: ImportAllRequest, existing: Path | None, owners: list[str | None]
) -> str:
    """lambherd.toml's name; else ``--project-name``; else the one project that already owns
    every owned function being imported; else the folder's name."""
    if existing is not None:
        name = load_project(existing).name
        if request.project_name and request.project_name != name:
            raise UsageError(
                f"import --all: {PROJECT_FILE} names the project {name!r}, not "
                f"{request.project_name!r}"
            )
        return name
    if request.project_name:
        return request.project_name
    named = {o for o in owners if o}
    if len(named) == 1:
        return named.pop()
    return request.root.resolve().name


def _import_one(
    clients: Any, request: ImportAllRequest, project: str, fn: dict[str, Any]
) -> tuple[str, list[str]]:
    """Import one function; returns (imported|skipped, the import's notes)."""
    from lambherd.definition.loader import DEFINITION_NAMES
    from lambherd.services.init import InitRequest, import_function

    fname = fn["FunctionName"]
    folder = request.root / FUNCTIONS_DIR / fname
    functions_dir = (request.root / FUNCTIONS_DIR).resolve()
    if invalid_function_name(fname) or folder.resolve().parent != functions_dir:
        raise UsageError(f"import --all: {fname!r}: not a valid Lambda function name")
    if not request.force and any((folder / n).is_file() for n in DEFINITION_NAMES):
        return "skipped", []
    folder.mkdir(parents=True, exist_ok=True)
    init = InitRequest(
        function_name=fname,
        target=folder,
        download=True,
        unzip=True,
        function_url=True,
        in_project=True,
    )
    outcome = import_function(clients, init, lambda _paths: request.force)
    return "imported", outcome.notes


def _adopt(clients: Any, functions: list[dict[str, Any]], names: list[str], project: str) -> None:
    from botocore.exceptions import ClientError

    arns = {f["FunctionName"]: f["FunctionArn"] for f in functions}
    lam = clients.client("lambda")
    for name in names:
        try:
            lam.tag_resource(Resource=arns[name], Tags={OWNER_TAG: project})
        except ClientError as exc:
            raise describe_client_error(exc, f"tag {name} as owned by {project}") from exc


def _write_project_file(path: Path, name: str, existing: Path | None) -> bool:
    """Write lambherd.toml when there is none; True if written. (Each function's deploy
    settings, e.g. its alias, are in its folder's import record, lambherd-import.json.)"""
    if existing is not None:
        return False
    head = (
        "# written by `lambherd import --all`; each function's alias and code baseline are in\n"
        "# functions/<name>/lambherd-import.json (commit it)\n"
        f"[project]\nname = {json.dumps(name)}\n"
        f'functions = ["{FUNCTIONS_DIR}/*"]\n'
    )
    path.write_text(head, encoding="utf-8")
    return True
