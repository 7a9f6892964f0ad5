"""``diff``: the rendered definition (plus URL config and tags) against the deployed function,
both normalised the same way, as a unified diff. ``--code`` compares the code identity every
deploying command uses (``pipeline.code``) with Lambda's CodeSha256.

lambroll's flags: ``--ignore`` takes its jq paths (``'.Tags, .MemorySize'``,
``definition.jq_paths``); ``--no-unified`` lists the whole document with ``+``/``-`` marks;
``--external CMD`` runs a diff program on two files, ``remote/function.json`` and
``local/function.json`` in a temporary folder (the documents as compared, ignored paths left
out), only when there is a difference, its output being the diff (it must exit 0, as lambroll
requires: wrap ``diff`` that exits 1); ``--skip-function`` compares only the function URL.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.definition.normalize import comparable_tags, normalize_config
from lambherd.plan.remote import RemoteState
from lambherd.plan.url_planner import UrlRemote, comparable_url_config, compare_url_grants

if TYPE_CHECKING:
    from lambherd.app import App

MASK = "********"


@dataclass(frozen=True)
class DiffOptions:
    """The ``diff`` command's switches."""

    code: bool = False
    qualifier: str | None = None
    mask: bool = False
    #: lambroll's jq paths (``.Tags, .MemorySize``) or dotted paths, left out of both sides
    ignore: tuple[str, ...] = ()
    #: a folder to zip or a zip (``--code``)
    src: Path | None = None
    unified: bool = True
    #: a diff program run on the two documents (``--external``)
    external: str | None = None
    exclude_file: Path | None = None
    symlink: bool = False
    function_url: Path | None = None
    skip_function: bool = False


@dataclass
class DiffResult:
    """A unified diff (lines without colour) and whether anything differs."""

    function_name: str
    lines: list[str] = field(default_factory=list)
    exists: bool = True

    @property
    def has_differences(self) -> bool:
        """True when the diff is not empty."""
        return bool(self.lines)


def diff(app: App, options: DiffOptions) -> DiffResult:
    """Compare the definition in ``app.workdir`` with what is deployed (read-only)."""
    from lambherd.definition.jq_paths import delete_paths, parse_paths
    from lambherd.pipeline.code import code_identity
    from lambherd.pipeline.remote import read_remote_state
    from lambherd.project.context import function_settings, load_app_definition
    from lambherd.settings import command_line

    ignored = tuple(p for query in options.ignore for p in parse_paths(query))
    sidecars = {"url": options.function_url} if options.function_url else None
    defn = load_app_definition(app, sidecar_files=sidecars)
    remote = read_remote_state(
        app.clients,
        defn.name,
        versions=False,
        qualifier=options.qualifier,
        sidecars=defn.sidecars,
    )
    local_doc = local_document(defn.config, defn.url_config, remote)
    remote_doc = remote_document(remote, defn.url_config, "Tags" in defn.config)
    _add_triggers(app, defn, remote, local_doc, remote_doc)
    _add_concurrency(defn.sidecars.get("concurrency"), remote, local_doc, remote_doc)
    if options.code and not options.skip_function:
        settings = function_settings(
            app,
            command_line(
                src=options.src, exclude_file=options.exclude_file, symlink=options.symlink
            ),
        )
        code = code_identity(defn, settings, clients=app.clients).source
        if code.image_uri:  # an image is compared by its URI, as deploy does
            local_doc["ImageUri"] = code.image_uri
            if remote.exists:
                remote_doc["ImageUri"] = remote.code.get("ImageUri")
        else:
            local_doc["CodeSha256"] = code.sha256
            if remote.exists:
                remote_doc["CodeSha256"] = remote.code_sha256
    if options.skip_function:  # lambroll's: the function URL only
        local_doc = {k: v for k, v in local_doc.items() if k == "FunctionUrl"}
        remote_doc = {k: v for k, v in remote_doc.items() if k == "FunctionUrl"}
    if ignored:
        local_doc, remote_doc = delete_paths(local_doc, ignored), delete_paths(remote_doc, ignored)
        local_doc, remote_doc = local_doc or {}, remote_doc or {}
    if options.mask:
        local_doc, remote_doc = mask_environment(local_doc, remote_doc)
    target = defn.name + (f":{options.qualifier}" if options.qualifier else "")
    if options.external:
        lines = (
            external_diff(options.external, remote_doc, local_doc)
            if remote_doc != local_doc
            else []
        )
    else:
        lines = unified(remote_doc, local_doc, target, remote.exists, full=not options.unified)
    return DiffResult(function_name=defn.name, lines=lines, exists=remote.exists)


def _add_triggers(
    app: App, defn: Any, remote: RemoteState, local: dict[str, Any], there: dict[str, Any]
) -> None:
    """The trigger files' sections (event sources, async, permissions, schedules)."""
    from lambherd.plan.trigger_views import trigger_documents
    from lambherd.project.context import function_settings
    from lambherd.triggers.ownership import project_of

    settings = function_settings(app)
    ours, theirs = trigger_documents(
        dict(defn.sidecars),
        remote,
        function=defn.name,
        alias=settings.alias,
        publishes=settings.publish or settings.alias_to_latest,
        project=project_of(defn.config),
    )
    local.update(ours)
    there.update(theirs)


def local_document(
    config: dict[str, Any], url_config: dict[str, Any] | None, remote: RemoteState
) -> dict[str, Any]:
    """The comparable shape of the definition (configuration, Tags, FunctionUrl)."""
    doc: dict[str, Any] = {"FunctionName": config.get("FunctionName"), **normalize_config(config)}
    if isinstance(config.get("Tags"), dict):
        doc["Tags"] = comparable_tags({k: str(v) for k, v in config["Tags"].items()})
    if url_config is not None:
        grants = compare_url_grants(url_config, _statements(remote))
        doc["FunctionUrl"] = {
            **comparable_url_config(url_config.get("Config")),
            "Permissions": list(grants.wanted),
        }
    return doc


def remote_document(
    remote: RemoteState, url_config: dict[str, Any] | None, tags_managed: bool
) -> dict[str, Any]:
    """The comparable shape of the deployed function ({} when it does not exist)."""
    from lambherd.definition.normalize import definition_from_remote

    if not remote.exists:
        return {}
    config = remote.configuration or {}
    doc: dict[str, Any] = {
        "FunctionName": config.get("FunctionName"),
        **normalize_config(definition_from_remote(config)),
    }
    if tags_managed:
        doc["Tags"] = comparable_tags(remote.tags)
    url = remote.part(UrlRemote)
    if url_config is not None and url is not None and url.config is not None:
        grants = compare_url_grants(url_config, url.policy_statements)
        doc["FunctionUrl"] = {
            **comparable_url_config(url.config),
            "Permissions": list(grants.present),
        }
    return doc


def _add_concurrency(
    sidecar: dict[str, Any] | None,
    remote: RemoteState,
    local_doc: dict[str, Any],
    remote_doc: dict[str, Any],
) -> None:
    """``Concurrency``: what concurrency.json manages, both sides (as the planner compares)."""
    if sidecar is None:
        return
    from lambherd.concurrency.documents import comparable_documents
    from lambherd.concurrency.model import parse_concurrency
    from lambherd.plan.concurrency_planner import ConcurrencyRemote

    config = parse_concurrency(sidecar)
    part = remote.part(ConcurrencyRemote) or ConcurrencyRemote()
    local, deployed = comparable_documents(config, part)
    local_doc["Concurrency"] = local
    if remote.exists:
        remote_doc["Concurrency"] = deployed


def _statements(remote: RemoteState) -> tuple[dict[str, Any], ...]:
    url = remote.part(UrlRemote)
    return url.policy_statements if url is not None else ()


def mask_environment(
    local: dict[str, Any], remote: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both documents with environment values masked; a changed value stays visible as such."""
    from lambherd.definition.masking import mask_config

    local_vars = ((local.get("Environment") or {}).get("Variables")) or {}
    remote_vars = ((remote.get("Environment") or {}).get("Variables")) or {}
    masked_local, masked_remote = mask_config(local), mask_config(remote)
    changed_vars = ((masked_local.get("Environment") or {}).get("Variables")) or {}
    for key, value in local_vars.items():
        if key in remote_vars and remote_vars[key] != value:
            changed_vars[key] = f"{MASK} (changed)"
    return masked_local, masked_remote


def unified(
    remote: dict[str, Any], local: dict[str, Any], name: str, exists: bool, *, full: bool = False
) -> list[str]:
    """A unified diff from the deployed document to the local one (empty when equal); with
    ``full`` every line of the documents, marked (lambroll's ``--no-unified``)."""
    if remote == local:
        return []
    before = _dump(remote).splitlines() if remote else []
    after = _dump(local).splitlines()
    label = f"{name} (deployed)" if exists else f"{name} (not deployed)"
    context = max(len(before), len(after)) if full else 3
    lines = difflib.unified_diff(
        before, after, fromfile=label, tofile=f"{name} (local)", lineterm="", n=context
    )
    return [line for line in lines if not (full and line.startswith("@@"))]


#: The file name of each side for ``--external`` (lambroll's label for the function).
EXTERNAL_LABEL = "function.json"


def external_diff(command: str, remote: dict[str, Any], local: dict[str, Any]) -> list[str]:
    """Run ``command`` (split as a shell would, no shell run) with ``remote/function.json``
    and ``local/function.json`` appended, in a temporary folder; its output, line by line."""
    import shlex
    import subprocess
    import tempfile

    from lambherd.errors import UsageError

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"--external {command!r}: cannot split it into words: {exc}") from exc
    if not argv:
        raise UsageError("--external: the diff command is empty")
    with tempfile.TemporaryDirectory(prefix="lambherd-diff-") as tmp:
        files = []
        for side, doc in (("remote", remote), ("local", local)):
            path = Path(tmp) / side / EXTERNAL_LABEL
            path.parent.mkdir()
            path.write_text(_dump(doc) + "\n", encoding="utf-8")
            files.append(f"{side}/{EXTERNAL_LABEL}")
        try:
            done = subprocess.run(
                [*argv, *files], cwd=tmp, capture_output=True, text=True, check=False
            )
        except OSError as exc:
            raise UsageError(
                f"--external {command!r}: cannot run {argv[0]}: {exc.strerror}"
            ) from exc
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or [""])[-1]
        raise UsageError(
            f"--external {command!r}: exited {done.returncode}" + (f": {detail}" if detail else ""),
            hint="the command must exit 0, as lambroll requires: wrap diff, e.g. "
            "--external 'sh -c \"diff -u $0 $1 || true\"'",
        )
    return done.stdout.splitlines()


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str)
