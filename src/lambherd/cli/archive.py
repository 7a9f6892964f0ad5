"""``lambherd archive``: build the function's deterministic zip and report its CodeSha256."""

from __future__ import annotations

from pathlib import Path

import click

from lambherd.cli.output import app_of, emit_json, info, warn


@click.command("archive")
@click.option(
    "--dest",
    default="function.zip",
    show_default=True,
    help="Where to write the zip (relative to the function's folder); '-' for stdout.",
)
@click.option(
    "--src",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to zip instead of the definition's (no dependency build then).",
)
@click.option("--symlink", is_flag=True, help="Store symlinks as links (like zip -y).")
@click.option(
    "--exclude-file",
    default=None,
    help="Ignore file, relative to the working folder [default: .lambdaignore, if present].",
)
@click.pass_context
def command(
    ctx: click.Context, dest: str, src: Path | None, symlink: bool, exclude_file: str | None
) -> int:
    """Build the zip `deploy` would upload: the function's folder plus its dependencies.

    Dependencies (requirements.txt / pyproject.toml) are built first, as deploy does (cached).
    Same content gives the same bytes, so the printed SHA-256 equals Lambda's CodeSha256 once
    deployed. AWS is not needed unless Code or Runtime come from AWS (ssm, caller_identity).
    The 50 MiB direct-upload limit is skipped when function.json names Code.S3Bucket.
    """
    import json
    import sys

    from lambherd.services.archive import ArchiveRequest, archive, human_size

    app = app_of(ctx)
    to_stdout = dest == "-"
    target = click.get_binary_stream("stdout") if to_stdout else dest
    request = ArchiveRequest(
        target,
        store_symlinks=symlink,
        exclude_file=exclude_file,
        src=app.resolve(src) if src else None,
    )
    result = archive(app, request)
    for message in result.warnings:
        warn(message)
    summary = {
        "path": str(result.path) if result.path else "-",
        "size": result.size,
        "uncompressed_size": result.uncompressed_size,
        "files": result.file_count,
        "code_sha256": result.sha256_b64,
        "warnings": list(result.warnings),
    }
    if app.json_output:
        if to_stdout:
            click.echo(json.dumps(summary, indent=2), err=True)
        else:
            emit_json(summary)
    else:
        where = "stdout" if to_stdout else str(result.path)
        info(
            f"wrote {where}: {human_size(result.size)} "
            f"({human_size(result.uncompressed_size)} unzipped), {result.file_count} "
            f"file{'' if result.file_count == 1 else 's'}, "
            f"CodeSha256 {result.sha256_b64}"
        )
    sys.stdout.flush()
    return 0
