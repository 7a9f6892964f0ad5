"""The import writer of the definition itself: function.json (or function.jsonnet), the
CreateFunction input the deployed configuration projects onto (``definition_from_remote``)."""

from __future__ import annotations

from lambherd.importing.function_files import definition_text
from lambherd.importing.writers import FileText, ImportContext, ImportWriter


def _write(ctx: ImportContext) -> dict[str, FileText]:
    from lambherd.definition.normalize import definition_from_remote
    from lambherd.project.config import OWNER_TAG

    config = definition_from_remote(ctx.remote.configuration, ctx.remote.tags)
    tags = config.get("Tags")
    if ctx.in_project and isinstance(tags, dict) and OWNER_TAG in tags:
        del tags[OWNER_TAG]  # the project puts its own owner tag on every function it deploys
        if not tags:
            del config["Tags"]
    name, _ = ctx.definition_names()
    return {name: definition_text(config, jsonnet=ctx.jsonnet)}


WRITER = ImportWriter("definition", _write)
