"""The code identity: the ONE function turning a definition (and its deploy settings) into the
``CodeSource`` a plan compares with Lambda's ``CodeSha256``. ``deploy``, ``plan``, ``diff
--code`` and ``archive`` all take their code from here, so they cannot disagree.

Where the code comes from, in order: nothing (``--skip-function``); a container image
(``Code.ImageUri``, compared by URI); an existing S3 object as is (``--skip-archive``: read with
HeadObject, its full-object SHA-256 checksum is the CodeSha256); a zip given as ``--src x.zip``,
uploaded as it is once it opens as a zip (lambroll's rule; its CodeSha256 is the file's
SHA-256); the deterministic zip of a ``--src`` folder; or the deterministic zip of the
definition's folder plus its dependency build, written (deploy) or only hashed (plan, diff).
The zip follows the settings' ignore file, ignore style and ``--symlink``. The deterministic
zips go through the function's code manifest (``archive.manifest``): an unchanged tree is
recognised without compressing it, and a deploy (``reuse_known``) writes the zip only when it
will upload it.

The import baseline: after an import the folder holds the *unzipped* code of a zip some other
tool made, whose bytes (and so CodeSha256) differ from lambherd's deterministic zip of the same
files. The import records both hashes in the committed ``lambherd-import.json``
(``lambherd.importing.record``); while the folder still zips to the recorded hash, the code
counts as the deployed one (no upload, no difference).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lambherd.defaults import DIRECT_UPLOAD_LIMIT
from lambherd.errors import ArchiveError, UsageError
from lambherd.plan.steps import CodeSource
from lambherd.settings import DeploySettings

if TYPE_CHECKING:
    from lambherd.archive import ArchiveResult
    from lambherd.definition import FunctionDefinition


@dataclass(frozen=True)
class CodeIdentity:
    """A definition's code: the ``CodeSource`` plans compare and deploys send, the zip written
    (None when only hashed, or when no zip is involved) and the packaging warnings.

    ``unwritten``: a zip is the code but was not written (the manifest knew its hash): call
    again without ``reuse_known`` to write it before uploading.
    """

    source: CodeSource
    archive: ArchiveResult | None = None
    warnings: tuple[str, ...] = ()
    unwritten: bool = False


def code_identity(
    definition: FunctionDefinition,
    settings: DeploySettings | None = None,
    *,
    dest: Path | BinaryIO | None = None,
    clients: Any = None,
    max_zipped_bytes: int | None = DIRECT_UPLOAD_LIMIT,
    reuse_known: bool = False,
    listing: Any = None,
) -> CodeIdentity:
    """The definition's code (see the module docstring).

    ``dest`` gets the zip (a path or a stream); None only hashes it. A zip over
    ``max_zipped_bytes`` is refused unless it goes through S3 (Code.S3Bucket). ``clients`` reads
    the S3 object of ``--skip-archive`` (read-only; without them its SHA-256 stays unknown).
    ``reuse_known``: with a ``dest``, a zip the code manifest knows is not written (the result
    is ``unwritten``); one it does not know is written, since it is compressed anyway.
    ``listing``: the walk validation made of the same package (``DeployTarget.listing``),
    taken instead of walking the tree again when it was made with the same options.
    """
    from lambherd.archive.function_package import build_function_zip, function_code_sha256

    settings = settings or DeploySettings()
    if settings.skip_function:
        return CodeIdentity(CodeSource())
    code_cfg = definition.config.get("Code") or {}
    if code_cfg.get("ImageUri"):
        return CodeIdentity(CodeSource(image_uri=code_cfg["ImageUri"]))
    bucket, key = code_cfg.get("S3Bucket"), code_cfg.get("S3Key")
    if settings.skip_archive:
        if not (bucket and key):
            raise UsageError("--skip-archive needs Code.S3Bucket and Code.S3Key in the definition")
        code = CodeSource(
            s3_bucket=bucket, s3_key=key, s3_object_version=code_cfg.get("S3ObjectVersion")
        )
        return CodeIdentity(identify_s3_object(clients, code) if clients is not None else code)
    if settings.src_is_zip:
        assert settings.src is not None
        limit = None if bucket else max_zipped_bytes
        return CodeIdentity(existing_zip(settings.src, limit, bucket, key))
    source = settings.src or definition.source_dir
    if not source.is_dir():
        raise UsageError(f"--src {source}: no such folder or zip file")
    options = settings.packaging
    archive = None
    if dest is None:
        sha = function_code_sha256(definition, settings.src, **options, listing=listing)
    else:
        archive = build_function_zip(
            definition,
            dest,
            source=settings.src,
            max_zipped_bytes=max_zipped_bytes,
            write_known=not reuse_known,
            listing=listing,
            **options,
        )
        sha = archive.sha256_b64
    sha = _imported_sha(definition, source, sha, options)
    written = archive is not None and archive.written
    code = CodeSource(
        sha256=sha,
        size=archive.size if archive is not None else 0,
        zip_path=str(dest) if written and isinstance(dest, str | Path) else None,
        s3_bucket=bucket,
        s3_key=key,
    )
    warnings = tuple(archive.warnings) if archive is not None else ()
    if archive is not None and not written:
        return CodeIdentity(code, None, warnings, unwritten=True)
    return CodeIdentity(code, archive, warnings)


def existing_zip(
    path: Path, limit: int | None, bucket: str | None = None, key: str | None = None
) -> CodeSource:
    """``--src x.zip``: the zip as it is, once it opens as a zip (as lambroll checks it);
    through S3 when the definition names Code.S3Bucket, else within the direct-upload limit."""
    import base64
    import hashlib
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            zf.infolist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"--src {path}: not a zip file ({exc})") from exc
    size = path.stat().st_size
    if limit is not None and size > limit:
        raise ArchiveError(
            f"--src {path}: {size} bytes, over the {limit // (1024 * 1024)} MiB direct upload "
            "limit",
            hint="name Code.S3Bucket and Code.S3Key in the definition to deploy through S3",
        )
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    sha = base64.b64encode(digest.digest()).decode()
    return CodeSource(sha256=sha, size=size, zip_path=str(path), s3_bucket=bucket, s3_key=key)


def _imported_sha(
    definition: FunctionDefinition, source: Path, built_sha: str, packaging: dict[str, Any]
) -> str:
    """The CodeSha256 recorded at import while ``source`` is unchanged since, else ``built_sha``."""
    from lambherd.importing.record import imported_sha

    return imported_sha(definition, source, built_sha, packaging)


def identify_s3_object(clients: Any, code: CodeSource) -> CodeSource:
    """The existing S3 object ``--skip-archive`` deploys, read with HeadObject (read-only).

    A missing object is refused before any mutating call. When the object carries a full-object
    SHA-256 checksum (lambherd uploads with one) it is Lambda's ``CodeSha256`` of that zip, so an
    unchanged object plans no UpdateFunctionCode; without one the code is always updated. An
    unpinned object of a versioned bucket is pinned to the version read.
    """
    from botocore.exceptions import ClientError

    from lambherd.errors import NotFoundError, describe_client_error

    where = f"s3://{code.s3_bucket}/{code.s3_key}"
    params: dict[str, Any] = {"Bucket": code.s3_bucket, "Key": code.s3_key}
    if code.s3_object_version:
        params["VersionId"] = code.s3_object_version
    try:
        head = clients.client("s3").head_object(**params, ChecksumMode="ENABLED")
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404 or exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
            raise NotFoundError(
                f"{where}: no such object (--skip-archive deploys an existing S3 object)"
            ) from exc
        raise describe_client_error(exc, f"read {where}") from exc
    checksum = head.get("ChecksumSHA256")
    full_object = checksum and "-" not in checksum and head.get("ChecksumType") != "COMPOSITE"
    version = code.s3_object_version or head.get("VersionId")
    return replace(
        code,
        sha256=checksum if full_object else None,
        s3_object_version=version if version and version != "null" else None,
    )
