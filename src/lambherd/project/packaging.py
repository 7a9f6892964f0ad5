"""A project function's code: the deterministic zip of its folder plus its dependency build.

``.lambherd/`` (build tree, stamps, import baseline) never enters the zip by the source walk;
the build tree is added at the zip's root as an extra tree. After ``import --all`` the folder
holds the *unzipped* code of a zip some other tool made, whose bytes (and so CodeSha256) differ
from lambherd's deterministic zip of the same files. The import records both hashes in
``.lambherd/imported.json``; while the folder still zips to the recorded hash and AWS still
reports the recorded CodeSha256, the code counts as unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

from lambherd.definition import FunctionDefinition
from lambherd.deploy import DIRECT_UPLOAD_LIMIT
from lambherd.plan.steps import CodeSource

BASELINE_FILE = ".lambherd/imported.json"


def package_code(defn: FunctionDefinition, dest: Path | None) -> tuple[CodeSource, list[str]]:
    """The function's ``CodeSource``: image, S3 object as is, or the zip (written to ``dest``,
    or only hashed when ``dest`` is None). Refuses a zip too big for a direct upload.
    """
    code_cfg = defn.config.get("Code") or {}
    if code_cfg.get("ImageUri"):
        return CodeSource(image_uri=code_cfg["ImageUri"]), []
    from lambherd.archive import code_sha256
    from lambherd.archive.function_package import (
        build_function_zip,
        function_code_sha256,
        package_options,
    )

    bucket, key = code_cfg.get("S3Bucket"), code_cfg.get("S3Key")
    options = package_options(defn)
    if dest is None:
        local_sha, size, warnings = function_code_sha256(defn), 0, []
    else:
        result = build_function_zip(defn, dest, max_zipped_bytes=DIRECT_UPLOAD_LIMIT)
        local_sha, size, warnings = result.sha256_b64, result.size, list(result.warnings)
    imported_sha = local_sha
    if options["extra_trees"] and (defn.source_dir / BASELINE_FILE).is_file():
        # the import recorded the folder alone (its zip often vendors what the build adds)
        imported_sha = code_sha256(defn.source_dir, **{**options, "extra_trees": []})
    code = CodeSource(
        sha256=baseline_sha(defn.source_dir, imported_sha, local_sha),
        size=size,
        zip_path=str(dest) if dest is not None else None,
        s3_bucket=bucket,
        s3_key=key,
    )
    return code, warnings


def baseline_sha(folder: Path, local_sha: str, built_sha: str | None = None) -> str:
    """The remote CodeSha256 recorded at import when the folder (``local_sha``, its zip without
    a dependency build) is unchanged since, else ``built_sha`` (the zip a deploy would send;
    default ``local_sha``)."""
    built_sha = built_sha or local_sha
    try:
        data = json.loads((folder / BASELINE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return built_sha
    if isinstance(data, dict) and data.get("local_sha256") == local_sha and data.get("code_sha256"):
        return str(data["code_sha256"])
    return built_sha


def write_baseline(folder: Path, local_sha: str, remote_sha: str) -> None:
    """Record the imported code's two hashes (see the module docstring)."""
    path = folder / BASELINE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"local_sha256": local_sha, "code_sha256": remote_sha}
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
