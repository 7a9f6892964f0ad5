"""The import writer of function_url.json (with ``--function-url``, or always in a project):
the URL configuration and the grants that let callers invoke it."""

from __future__ import annotations

from lambherd.importing.function_files import (
    definition_text,
    missing_url_statements,
    url_definition,
)
from lambherd.importing.writers import FileText, ImportContext, ImportWriter


def _write(ctx: ImportContext) -> dict[str, FileText]:
    if not ctx.function_url:
        return {}
    _, name = ctx.definition_names()
    remote = ctx.remote
    if remote.url_config is None:
        if not ctx.in_project:
            ctx.notes.append(f"{remote.name} has no function URL; {name} not written")
        return {}
    url = url_definition(remote.url_config, remote.policy, ctx.qualifier)
    for grant in missing_url_statements(url, remote.policy):
        ctx.notes.append(
            f"the function URL's policy lacks {grant} (Lambda requires it for a URL since "
            "October 2025): the next deploy adds it"
        )
    return {name: definition_text(url, jsonnet=ctx.jsonnet)}


WRITER = ImportWriter("url", _write)
