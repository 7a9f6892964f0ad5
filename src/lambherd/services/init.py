"""``init``: import a deployed function as code (function.json, function_url.json,
.lambdaignore, its zip), or scaffold a new one.

``import_function`` is the one entry point (``init`` uses it for one function, ``import --all``
for many). It reads everything first (GetFunction, ListTags, the URL configuration and policy),
decides which files to write, asks ``confirm_overwrite`` about files that already exist, then
writes each file atomically (temporary file + rename). A function that does not exist yet gets
the scaffold from ``lambherd.importing.scaffold`` instead. Nothing here prints.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambherd.definition.normalize import definition_from_remote
from lambherd.errors import ArchiveError, UsageError, describe_client_error
from lambherd.importing import scaffold
from lambherd.importing.download import MAX_DOWNLOAD_BYTES, download_code, publish, write_atomic
from lambherd.importing.function_files import (
    definition_text,
    missing_url_statements,
    url_definition,
)

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


@dataclass(frozen=True)
class RemoteFunction:
    """What AWS reports about one function (and its URL, when asked for)."""

    configuration: dict[str, Any]
    tags: dict[str, str]
    code: dict[str, Any]
    url_config: dict[str, Any] | None = None
    policy: dict[str, Any] | None = None


@dataclass
class InitResult:
    """Files written (and kept) by one import or scaffold."""

    function_name: str
    source: str  # "aws" or "scaffold"
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    extracted: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------
# Reading AWS
# ----------------------------------------------------------------------------------------
def fetch_remote(
    clients: Any, name: str, qualifier: str | None = None, *, with_url: bool = False
) -> RemoteFunction | None:
    """GetFunction + ListTags (+ URL config and policy); None when the function does not exist."""
    from botocore.exceptions import ClientError

    lam = clients.client("lambda")
    what = f"get function {name}" + (f":{qualifier}" if qualifier else "")
    kwargs: dict[str, Any] = {"FunctionName": name}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    try:
        resp = lam.get_function(**kwargs)
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException" and not qualifier:
            return None
        raise describe_client_error(exc, what) from exc
    configuration = resp["Configuration"]
    arn = _unqualified_arn(configuration.get("FunctionArn", ""))
    try:
        tags = lam.list_tags(Resource=arn).get("Tags", {}) if arn else resp.get("Tags", {})
    except ClientError as exc:
        raise describe_client_error(exc, f"list tags of {name}") from exc
    url_config = policy = None
    if with_url:
        url_config, policy = _fetch_url(lam, name, kwargs)
    return RemoteFunction(configuration, tags or {}, resp.get("Code") or {}, url_config, policy)


def _fetch_url(
    lam: Any, name: str, kwargs: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The URL configuration and resource policy of ``kwargs`` (FunctionName[, Qualifier])."""
    from botocore.exceptions import ClientError

    try:
        url_config = lam.get_function_url_config(**kwargs)
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return None, None
        raise describe_client_error(exc, f"get function URL of {name}") from exc
    try:
        policy = json.loads(lam.get_policy(**kwargs)["Policy"])
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise describe_client_error(exc, f"get policy of {name}") from exc
        policy = None
    return url_config, policy


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _unqualified_arn(arn: str) -> str:
    parts = arn.split(":")
    return ":".join(parts[:7]) if len(parts) >= 7 else arn


def _definition_names(jsonnet: bool) -> tuple[str, str]:
    if jsonnet:
        return "function.jsonnet", "function_url.jsonnet"
    return "function.json", "function_url.json"


def _remote_files(
    remote: RemoteFunction, request: InitRequest, result: InitResult
) -> dict[Path, str]:
    fn_name, url_name = _definition_names(request.jsonnet)
    config = definition_from_remote(remote.configuration, remote.tags)
    files = {request.target / fn_name: definition_text(config, jsonnet=request.jsonnet)}
    if request.function_url:
        if remote.url_config is None:
            result.notes.append(
                f"{request.function_name} has no function URL; {url_name} not written"
            )
        else:
            url = url_definition(remote.url_config, remote.policy, request.qualifier)
            files[request.target / url_name] = definition_text(url, jsonnet=request.jsonnet)
            for grant in missing_url_statements(url, remote.policy):
                result.notes.append(
                    f"the function URL's policy lacks {grant} (Lambda requires it for a URL "
                    "since October 2025): the next deploy adds it"
                )
    return files


def _scaffold_files(request: InitRequest) -> dict[Path, str]:
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
    files = _remote_files(remote, request, result)
    _note_other_definition(request, result)
    return _write_all(files, request, result, confirm_overwrite, remote=remote)


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
    files: dict[Path, str],
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
    existing = [p for p in files if p.exists()]
    if location and zip_path.exists():
        existing.append(zip_path)
    if existing and not confirm_overwrite(existing):
        names = ", ".join(_rel(p, request.target) for p in existing)
        raise UsageError(f"init: {names} {_exist(existing)}; not overwritten (use --force)")
    if location and remote is not None:
        _fetch_code(location, remote, request, result, confirm_overwrite)
    for path, text in files.items():
        write_atomic(path, text.encode("utf-8"))
        result.written.append(path)
    if ignore.exists():
        result.kept.append(ignore)
    else:
        write_atomic(ignore, scaffold.LAMBDAIGNORE.encode("utf-8"))
        result.written.append(ignore)
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
