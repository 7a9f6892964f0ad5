"""``lambherd-import.json``: the committed record of an import, next to function.json.

Why a file, and why committed. An imported folder holds the *unzipped* code of a zip another
tool built; lambherd's deterministic zip of the same files has other bytes, so another
CodeSha256. Lambda keeps no way back from the files to its hash, so the import records both:
the deployed ``CodeSha256`` and the ``LocalSha256`` lambherd's zip of the folder had right after
the import. While the folder still zips to ``LocalSha256`` (nothing edited — also in a fresh
``git clone``: the zip is made of file contents, names and the executable bit, all of which git
keeps), the code *is* the deployed one: no upload, no difference. Any edit zips to another hash
and is a code change for plan, diff and deploy alike. Because the file travels with the folder,
a colleague's clone plans exactly what the importer's folder plans.

The record also keeps how the team deployed: the alias it used (``prod``...) with the version it
served and its routing weights, the published versions, and the aliases left alone. Its
``deploy`` table is a layer of deploy settings (``alias``, ``publish``) under lambherd.toml's
(see ``lambherd.settings``): a deploy moves that alias, never ``current``, and deletes no
version unless ``keep_versions`` says so. Without an alias the function was deployed to
$LATEST only, and ``publish`` is false.

Never packaged (a lambherd sidecar); edit ``deploy`` freely, or delete the file to drop both.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.defaults import DEFAULT_ALIAS
from lambherd.importing.writers import FileText, ImportContext, ImportWriter

if TYPE_CHECKING:
    from lambherd.definition import FunctionDefinition
    from lambherd.importing.remote import RemoteFunction
    from lambherd.settings import SettingsLayer

RECORD_FILE = "lambherd-import.json"
_ABOUT = [
    "Written by lambherd's import (init --download --unzip, import --all). Commit it.",
    "code: the folder holds the unzipped code of a zip another tool built, whose bytes (so",
    "CodeSha256) differ from lambherd's zip of the same files. While this folder still zips to",
    "LocalSha256, the deployed CodeSha256 is its code: nothing is uploaded. Any edit is a change.",
    "deploy: the deploy settings the function was run with (alias, publish), under",
    "lambherd.toml's; alias/versions: what it served when imported. Never packaged.",
]


# ----------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------
def choose_alias(remote: RemoteFunction) -> tuple[dict[str, Any] | None, list[str]]:
    """The alias deploys will move, and the names of the aliases left alone.

    ``current`` (lambherd's and lambroll's default) when it exists; else the only alias; else
    the one serving the highest version number (a team's ``prod`` usually serves the newest).
    """
    aliases = sorted(remote.aliases, key=lambda a: str(a.get("Name")))
    if not aliases:
        return None, []
    chosen = next((a for a in aliases if a.get("Name") == DEFAULT_ALIAS), None)
    if chosen is None:
        chosen = max(aliases, key=lambda a: _version_number(a.get("FunctionVersion")))
    others = [str(a.get("Name")) for a in aliases if a is not chosen]
    return chosen, others


def _version_number(version: Any) -> int:
    text = str(version)
    return int(text) if text.isdigit() else -1


def _alias_doc(alias: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "Name": alias.get("Name"),
        "FunctionVersion": str(alias.get("FunctionVersion")),
    }
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    if weights:
        doc["AdditionalVersionWeights"] = {str(k): float(v) for k, v in sorted(weights.items())}
    return doc


def _serving_note(remote: RemoteFunction, alias: dict[str, Any]) -> str | None:
    """Say so when the alias serves a version other than $LATEST's configuration and code."""
    from lambherd.plan.function_planner import config_differences

    version = str(alias.get("FunctionVersion"))
    served = next((v for v in remote.versions if str(v.get("Version")) == version), None)
    if served is None:
        return None
    latest = remote.configuration
    definition = {k: v for k, v in latest.items() if k != "FunctionName"}
    differs = config_differences(_as_definition(definition), served)
    if served.get("CodeSha256") != latest.get("CodeSha256"):
        differs = ["code", *differs]
    if not differs:
        return None
    return (
        f"{remote.name}: alias {alias.get('Name')} serves version {version}, which differs from "
        f"$LATEST ({', '.join(differs)}): the first deploy publishes $LATEST and moves "
        f"{alias.get('Name')} to it (plan shows it)"
    )


def _as_definition(configuration: dict[str, Any]) -> dict[str, Any]:
    from lambherd.definition.normalize import definition_from_remote

    return definition_from_remote(configuration)


def record_document(ctx: ImportContext, local_sha256: str | None) -> dict[str, Any]:
    """The record's content (see the module docstring)."""
    remote = ctx.remote
    alias, others = choose_alias(remote)
    doc: dict[str, Any] = {
        "about": _ABOUT,
        "function": remote.name,
        "region": remote.region,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    config = remote.configuration
    if config.get("PackageType", "Zip") == "Zip" and config.get("CodeSha256") and local_sha256:
        code: dict[str, Any] = {"CodeSha256": config["CodeSha256"], "LocalSha256": local_sha256}
        if ctx.code_dir is not None and ctx.code_dir.resolve() != ctx.target.resolve():
            code["Source"] = _relative(ctx.code_dir, ctx.target)
        doc["code"] = code
    doc["deploy"] = {"alias": alias["Name"]} if alias is not None else {"publish": False}
    if alias is not None:
        doc["alias"] = _alias_doc(alias)
    if others:
        doc["aliases_left_alone"] = others
    doc["versions"] = [str(v.get("Version")) for v in remote.versions]
    return doc


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix() or "."
    except ValueError:
        return str(path.resolve())


def _write(ctx: ImportContext) -> dict[str, FileText]:
    remote = ctx.remote
    alias, others = choose_alias(remote)
    if alias is None:
        ctx.notes.append(
            f"{remote.name} has no alias: deploys update $LATEST only (publish = false in "
            f"{RECORD_FILE})"
        )
    else:
        note = _serving_note(remote, alias)
        if note:
            ctx.notes.append(note)
        if others:
            ctx.notes.append(
                f"{remote.name}: deploys move alias {alias['Name']}; {', '.join(others)} left alone"
            )

    if ctx.code_dir is not None and ctx.code_dir.resolve() != ctx.target.resolve():
        # lambroll's rule: the code is where --src says, at deploy time too
        where = _relative(ctx.code_dir, ctx.target)
        ctx.notes.append(
            f"{remote.name}: the code is in {where}: run deploy and diff with --src {where} "
            "(the definition's folder holds no code)"
        )

    def text() -> str:
        sha = folder_sha256(ctx.code_dir, ctx.target) if ctx.code_dir is not None else None
        return json.dumps(record_document(ctx, sha), indent=2, ensure_ascii=False) + "\n"

    return {RECORD_FILE: text}


def folder_sha256(source: Path, folder: Path) -> str:
    """The CodeSha256 of lambherd's zip of ``source`` with ``folder``'s .lambdaignore, without
    any dependency build (the deployed zip vendors what it needs)."""
    from lambherd.archive import code_sha256
    from lambherd.archive.function_package import package_options
    from lambherd.definition import FunctionDefinition

    defn = FunctionDefinition(path=folder / "function.json", config={})
    options = {**package_options(defn, source), "extra_trees": []}
    return code_sha256(source, **options)


WRITER = ImportWriter("record", _write, ask_before_replacing=False)


# ----------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------
def read_record(folder: Path) -> dict[str, Any] | None:
    """The record in ``folder`` (None when there is none, or it is not a JSON object)."""
    try:
        doc = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def settings_layer(folder: Path, where: str | None = None) -> SettingsLayer | None:
    """The record's ``deploy`` table as a layer of deploy settings (None without a record)."""
    from lambherd.errors import DefinitionError
    from lambherd.settings import file_layer

    doc = read_record(folder)
    if doc is None or "deploy" not in doc:
        return None
    deploy = doc["deploy"]
    label = where or str(folder / RECORD_FILE)
    if not isinstance(deploy, dict):
        raise DefinitionError(f"{label}: deploy: expected an object")
    return file_layer(deploy, f"{label}: deploy")


def imported_sha(
    definition: FunctionDefinition,
    source: Path,
    built_sha: str,
    packaging: dict[str, Any] | None = None,
) -> str:
    """The deployed CodeSha256 while ``source`` still zips as it did at import, else
    ``built_sha`` (see the module docstring). ``packaging``: the deploy settings' zip options
    (ignore file and style, ``--symlink``), the ones ``built_sha`` was made with."""
    folder = definition.source_dir
    doc = read_record(folder)
    code = (doc or {}).get("code")
    if not isinstance(code, dict) or not code.get("CodeSha256") or not code.get("LocalSha256"):
        return built_sha
    recorded_source = (folder / str(code.get("Source") or ".")).resolve()
    if source.resolve() != recorded_source:
        return built_sha
    from lambherd.archive import code_sha256
    from lambherd.archive.function_package import package_options

    options = package_options(definition, source, **(packaging or {}))
    local = built_sha
    if options["extra_trees"]:
        # the import recorded the folder alone (the deployed zip vendors what the build adds)
        local = code_sha256(source, **{**options, "extra_trees": []})
    if local == code["LocalSha256"]:
        return str(code["CodeSha256"])
    return built_sha
