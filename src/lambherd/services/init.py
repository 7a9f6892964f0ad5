"""``init``: import a deployed function as code (function.json, function_url.json,
.lambdaignore, its zip), or scaffold a new one.

``import_function`` is the one entry point (``init`` uses it for one function, ``import --all``
for many). It reads everything first (``importing.remote``: GetFunction, ListTags, the URL
configuration and policy, aliases and versions), asks every import writer
(``importing.writers``) for its files, asks ``confirm_overwrite`` about files that already exist,
downloads and unzips the code, then writes each file atomically (temporary file + rename); the
import record (``lambherd-import.json``) is written last, hashing the folder as deploy zips it. A
function that does not exist yet gets the scaffold from ``lambherd.importing.scaffold`` instead.
Nothing here prints.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambherd.errors import ArchiveError, LambherdError, UsageError
from lambherd.importing import scaffold
from lambherd.importing.download import MAX_DOWNLOAD_BYTES, download_code, publish, write_atomic
from lambherd.importing.remote import RemoteFunction, fetch_remote
from lambherd.importing.writers import FileText, ImportContext, import_writers

__all__ = ["InitRequest", "InitResult", "RemoteFunction", "fetch_remote", "import_function"]

#: Asked before overwriting: receives the existing paths, returns True to go ahead.
ConfirmOverwrite = Callable[[list[Path]], bool]


@dataclass(frozen=True)
class InitRequest:
    """What ``lambherd init`` was asked to do."""

    function_name: str
    target: Path
    qualifier: str | None = None
    jsonnet: bool = False
    download: bool = False
    unzip: bool = False
    src: Path | None = None
    function_url: bool = False
    max_download_bytes: int = MAX_DOWNLOAD_BYTES
    #: imported into a project (``import --all``): no owner tag in function.json, the zip not kept
    in_project: bool = False
    #: A starter (``lambherd.starters``: http-api, sqs-worker...) for a new function.
    template: str | None = None


@dataclass
class InitResult:
    """Files written (and kept) by one import or scaffold."""

    function_name: str
    source: str  # "aws" or "scaffold"
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    extracted: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: files lambherd rewrites on every import (never asked about)
    regenerated: list[Path] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


def _definition_names(jsonnet: bool) -> tuple[str, str]:
    if jsonnet:
        return "function.jsonnet", "function_url.jsonnet"
    return "function.json", "function_url.json"


def _remote_files(
    clients: Any, remote: RemoteFunction, request: InitRequest, result: InitResult
) -> tuple[ImportContext, dict[Path, FileText]]:
    """Every writer's files (``importing.writers``), by path."""
    ctx = ImportContext(
        remote=remote,
        target=request.target,
        qualifier=request.qualifier,
        jsonnet=request.jsonnet,
        function_url=request.function_url,
        code_dir=(request.src or request.target) if request.unzip else None,
        in_project=request.in_project,
        clients=clients,
        notes=result.notes,
    )
    files: dict[Path, FileText] = {}
    for writer in import_writers():
        for name, text in writer.write(ctx).items():
            files[request.target / name] = text
            if not writer.ask_before_replacing:
                result.regenerated.append(request.target / name)
    return ctx, files


def _scaffold_files(request: InitRequest) -> dict[Path, FileText]:
    t, name = request.target, request.function_name
    fn_name, url_name = _definition_names(request.jsonnet)
    if request.jsonnet:
        definition = scaffold.scaffold_function_jsonnet(name)
    else:
        definition = scaffold.scaffold_function_json(name)
    files = {
        t / fn_name: definition,
        t / "app.py": scaffold.scaffold_app_py(name),
        t / "tests.yaml": scaffold.scaffold_tests_yaml(),
    }
    if request.function_url:
        files[t / url_name] = scaffold.scaffold_function_url_json()
    return files


# ----------------------------------------------------------------------------------------
# The entry point
# ----------------------------------------------------------------------------------------
def import_function(
    clients: Any, request: InitRequest, confirm_overwrite: ConfirmOverwrite
) -> InitResult:
    """Write the definition files of ``request.function_name`` (imported, or a scaffold)."""
    _check_request(request)
    if request.template is not None:
        return _from_starter(clients, request, confirm_overwrite)
    remote = fetch_remote(
        clients, request.function_name, request.qualifier, with_url=request.function_url
    )
    if remote is None:
        result = InitResult(request.function_name, "scaffold")
        files = _scaffold_files(request)
        result.notes.append(f"{request.function_name} does not exist yet: wrote a new function")
        result.next_steps = scaffold.next_steps(request.function_name)
        if request.download or request.unzip:
            result.notes.append("nothing to download for a new function")
        _note_other_definition(request, result)
        return _write_all(files, request, result, confirm_overwrite, remote=None)
    result = InitResult(request.function_name, "aws")
    _ctx, files = _remote_files(clients, remote, request, result)
    _note_other_definition(request, result)
    if request.download and not request.unzip:
        result.notes.append(
            "function.zip saved, not unzipped: deploy zips this folder, so add --unzip to "
            "deploy the same code"
        )
    return _write_all(files, request, result, confirm_overwrite, remote=remote)


def _from_starter(
    clients: Any, request: InitRequest, confirm_overwrite: ConfirmOverwrite
) -> InitResult:
    """``init --template NAME``: a starter's files for a function that does not exist yet."""
    from lambherd.starters import STARTERS, starter

    if request.template not in STARTERS:
        raise UsageError(
            f"init: --template {request.template!r} is not a starter: one of {', '.join(STARTERS)}"
        )
    if request.download or request.function_url or request.jsonnet:
        raise UsageError(
            "init: --template writes its own files; drop --download/--function-url/--jsonnet"
        )
    result = InitResult(request.function_name, f"template {request.template}")
    from botocore.exceptions import BotoCoreError

    try:
        exists = fetch_remote(clients, request.function_name) is not None
    except (LambherdError, BotoCoreError) as exc:  # no credentials or endpoint: write anyway
        exists = False
        result.notes.append(f"could not check whether {request.function_name} exists: {exc}")
    if exists:
        raise UsageError(
            f"init: {request.function_name} already exists; --template starts a new function "
            "(run init without --template to import it)"
        )
    made = starter(request.template, request.function_name)
    result.notes.extend(made.notes)
    result.next_steps = list(made.next_steps)
    files = {request.target / name: text for name, text in made.files.items()}
    _note_other_definition(request, result)
    return _write_all(files, request, result, confirm_overwrite, remote=None)


def _note_other_definition(request: InitRequest, result: InitResult) -> None:
    """Say so when the other kind of definition file (json / jsonnet) is already here."""
    written, other = ("function.jsonnet", "function.json")
    if not request.jsonnet:
        written, other = other, written
    if not (request.target / other).is_file():
        return
    if request.jsonnet:
        result.notes.append(f"{other} is also here and is read first; remove it to use {written}")
    else:
        result.notes.append(f"{other} is also here but {written} is read first; remove {other}")


def _check_request(request: InitRequest) -> None:
    if not request.function_name.strip():
        raise UsageError("init: --function-name is empty")
    if request.unzip and not request.download:
        raise UsageError("init: --unzip needs --download")
    if request.src is not None and not request.unzip:
        raise UsageError("init: --src is where --unzip extracts; add --unzip")
    if not request.target.is_dir():
        raise UsageError(f"init: {request.target} is not a directory")
    _check_name("--function-name", request.function_name, "FunctionName")
    if request.qualifier is not None:
        _check_name("--qualifier", request.qualifier, "Qualifier")


_NAME_RULES = {
    "FunctionName": "a name of letters, digits, '-', '_' and '.', or a function ARN",
    "Qualifier": "a version number or an alias name of letters, digits, '-' and '_'",
}


def _check_name(option: str, value: str, member: str) -> None:
    """Refuse a name GetFunction would reject, using the Lambda model's own length and pattern."""
    from lambherd.definition.validate import lambda_model

    shape = lambda_model().operation_model("GetFunction").input_shape.members[member]
    meta = shape.metadata
    pattern = meta.get("pattern")
    too_long = len(value) > meta.get("max", len(value))
    if too_long or (pattern and re.fullmatch(pattern, value) is None):
        raise UsageError(
            f"init: {option} {value!r} is not a valid Lambda {member}: expected "
            f"{_NAME_RULES[member]}, at most {meta.get('max')} characters"
        )


def _write_all(
    files: dict[Path, FileText],
    request: InitRequest,
    result: InitResult,
    confirm_overwrite: ConfirmOverwrite,
    *,
    remote: RemoteFunction | None,
) -> InitResult:
    ignore = request.target / ".lambdaignore"
    zip_path = request.target / "function.zip"
    location = None
    if remote is not None and request.download:
        location = _code_location(remote, result)
    existing = [p for p in files if p.exists() and p not in result.regenerated]
    if location and zip_path.exists() and not request.in_project:
        existing.append(zip_path)
    if existing and not confirm_overwrite(existing):
        names = ", ".join(_rel(p, request.target) for p in existing)
        raise UsageError(f"init: {names} {_exist(existing)}; not overwritten (use --force)")
    if location and remote is not None:
        _fetch_code(location, remote, request, result, confirm_overwrite)
    for path, text in files.items():
        if not callable(text):
            write_atomic(path, text.encode("utf-8"))
            result.written.append(path)
    if ignore.exists():
        result.kept.append(ignore)
    else:
        write_atomic(ignore, scaffold.LAMBDAIGNORE.encode("utf-8"))
        result.written.append(ignore)
    for path, text in files.items():  # after the rest: they may hash the folder as deploy zips it
        content = text() if callable(text) else None
        if content is not None:
            write_atomic(path, content.encode("utf-8"))
            result.written.append(path)
    return result


def _code_location(remote: RemoteFunction, result: InitResult) -> str | None:
    if remote.configuration.get("PackageType") == "Image":
        image = remote.code.get("ImageUri") or "its container image"
        result.notes.append(f"PackageType Image: code is {image}; nothing downloaded")
        return None
    location = remote.code.get("Location")
    if not location:
        result.notes.append("GetFunction returned no Code.Location; nothing downloaded")
        return None
    return str(location)


def _fetch_code(
    location: str,
    remote: RemoteFunction,
    request: InitRequest,
    result: InitResult,
    confirm_overwrite: ConfirmOverwrite,
) -> None:
    zip_path = request.target / "function.zip"
    fd, tmp_name = tempfile.mkstemp(prefix=".function.", suffix=".zip.tmp", dir=request.target)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        download_code(
            location,
            tmp,
            max_bytes=request.max_download_bytes,
            expected_sha256=remote.configuration.get("CodeSha256"),
        )
        if request.unzip:
            src = request.src or request.target
            result.extracted = _extract(tmp, src, confirm_overwrite)
        if request.in_project:
            return  # unzipped in its folder: a project keeps no function.zip
        publish(tmp, zip_path)
    finally:
        tmp.unlink(missing_ok=True)
    result.written.append(zip_path)


def _extract(zip_path: Path, src: Path, confirm_overwrite: ConfirmOverwrite) -> list[Path]:
    """Extract the downloaded zip into ``src`` via ``safe_extract`` (asks before replacing)."""
    import zipfile

    from lambherd.archive.extract import safe_extract

    try:
        with zipfile.ZipFile(zip_path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"function.zip: not a zip file: {exc}") from exc
    existing = [src / n for n in names if _inside(src, n) and (src / n).is_file()]
    if existing and not confirm_overwrite(existing):
        shown = ", ".join(_rel(p, src) for p in existing[:5])
        more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
        raise UsageError(
            f"init: {shown}{more} {_exist(existing)} in {src}; not overwritten (use --force)"
        )
    try:
        return safe_extract(zip_path, src)
    except ArchiveError as exc:
        # Name the zip as the user knows it, not by its temporary file.
        raise ArchiveError(exc.message.replace(str(zip_path), "function.zip")) from exc


def _exist(paths: list[Path]) -> str:
    return "already exists" if len(paths) == 1 else "already exist"


def _inside(base: Path, name: str) -> bool:
    root = base.resolve()
    return (root / name).resolve().is_relative_to(root)


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def relative_names(paths: Iterable[Path], base: Path) -> list[str]:
    """Paths shown relative to ``base`` when inside it (for output)."""
    return [_rel(p, base) for p in paths]
