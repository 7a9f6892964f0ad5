"""``diff``: the rendered definition (plus URL config and tags) against the deployed function,
both normalised the same way, as a unified diff. ``--code`` compares the code identity every
deploying command uses (``pipeline.code``) with Lambda's CodeSha256.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.definition.normalize import comparable_tags, normalize_config
from lambherd.plan.remote import RemoteState
from lambherd.plan.url_planner import (
    SID_PREFIX,
    UrlRemote,
    comparable_url_config,
    desired_permissions,
)

if TYPE_CHECKING:
    from lambherd.app import App

MASK = "********"


@dataclass(frozen=True)
class DiffOptions:
    """The ``diff`` command's switches."""

    code: bool = False
    qualifier: str | None = None
    mask: bool = False
    ignore: tuple[str, ...] = ()
    src: Path | None = None


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
    from lambherd.pipeline.code import code_identity
    from lambherd.pipeline.remote import read_remote_state
    from lambherd.project.context import load_app_definition
    from lambherd.settings import DeploySettings

    defn = load_app_definition(app)
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
    if options.code:
        code = code_identity(defn, DeploySettings(src=options.src), clients=app.clients).source
        if code.image_uri:  # an image is compared by its URI, as deploy does
            local_doc["ImageUri"] = code.image_uri
            if remote.exists:
                remote_doc["ImageUri"] = remote.code.get("ImageUri")
        else:
            local_doc["CodeSha256"] = code.sha256
            if remote.exists:
                remote_doc["CodeSha256"] = remote.code_sha256
    for path in options.ignore:
        drop_path(local_doc, path)
        drop_path(remote_doc, path)
    if options.mask:
        local_doc, remote_doc = mask_environment(local_doc, remote_doc)
    target = defn.name + (f":{options.qualifier}" if options.qualifier else "")
    lines = unified(remote_doc, local_doc, target, remote.exists)
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
        doc["FunctionUrl"] = {
            **comparable_url_config(url_config.get("Config")),
            "Permissions": sorted(desired_permissions(url_config)),
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
        sids = sorted(
            str(s.get("Sid"))
            for s in url.policy_statements
            if str(s.get("Sid", "")).startswith(SID_PREFIX)
        )
        doc["FunctionUrl"] = {**comparable_url_config(url.config), "Permissions": sids}
    return doc


def drop_path(doc: dict[str, Any], path: str) -> None:
    """Remove the dotted ``path`` (e.g. ``Environment.Variables.TOKEN``) if present."""
    parts = [p for p in path.strip().removeprefix(".").split(".") if p]
    node: Any = doc
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if parts and isinstance(node, dict):
        node.pop(parts[-1], None)


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


def unified(remote: dict[str, Any], local: dict[str, Any], name: str, exists: bool) -> list[str]:
    """A unified diff from the deployed document to the local one (empty when equal)."""
    if remote == local:
        return []
    before = _dump(remote).splitlines() if remote else []
    after = _dump(local).splitlines()
    label = f"{name} (deployed)" if exists else f"{name} (not deployed)"
    return list(
        difflib.unified_diff(before, after, fromfile=label, tofile=f"{name} (local)", lineterm="")
    )


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str)
