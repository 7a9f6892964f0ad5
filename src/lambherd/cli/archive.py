"""``lambherd archive``: build the function's deterministic zip and report its CodeSha256."""

from __future__ import annotations

import click

from lambherd.cli.output import app_of, emit_json, info, warn


@click.command("archive")
@click.option(
    "--dest",
    default="function.zip",
    show_default=True,
    help="Where to write the zip (relative to the function's folder); '-' for stdout.",
)
@click.option("--symlink", is_flag=True, help="Store symlinks as links (like zip -y).")
@click.option(
    "--exclude-file",
    default=None,
    help="Ignore file with gitignore patterns, relative to the function's folder "
    "[default: .lambdaignore, if present].",
)
@click.pass_context
def command(ctx: click.Context, dest: str, symlink: bool, exclude_file: str | None) -> int:
    """Build the zip `deploy` would upload: the function's folder plus its dependencies.

    Dependencies (requirements.txt / pyproject.toml) are built first, as deploy does (cached).
    Same content gives the same bytes, so the printed SHA-256 equals Lambda's CodeSha256 once
    deployed. AWS is not needed unless Code or Runtime come from AWS (ssm, caller_identity).
    The 50 MiB direct-upload limit is skipped when function.json names Code.S3Bucket.
    """
    import json
    import sys

    from lambherd.archive import ZIPPED_LIMIT, human_size
    from lambherd.archive.function_package import PACKAGE_FIELDS, archive_function
    from lambherd.errors import UsageError
    from lambherd.project.context import load_app_definition

    app = app_of(ctx)
    definition = load_app_definition(app, fields=PACKAGE_FIELDS)
    source = definition.source_dir
    if exclude_file is not None and not (source / exclude_file).is_file():
        raise UsageError(f"--exclude-file {exclude_file}: no such file in {source}")
    to_stdout = dest == "-"
    target = click.get_binary_stream("stdout") if to_stdout else source / dest
    result = archive_function(
        definition,
        target,
        ignore_file=exclude_file or ".lambdaignore",
        store_symlinks=symlink,
        max_zipped_bytes=ZIPPED_LIMIT,
    )
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
