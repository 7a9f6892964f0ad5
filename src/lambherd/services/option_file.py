"""``--option FILE``: lambroll's option file, read as lambroll reads it — JSON or Jsonnet
(``.jsonnet``), with ``{{ env }}`` / ``{{ must_env }}`` templates (and ``std.native('env')``,
``must_env`` in Jsonnet), after the command line's ``--envfile`` files are loaded. Template
functions that need AWS (``ssm``, ``caller_identity``, tfstate...) are refused here: the file
decides where AWS is, so it is read before any client exists.

The document it returns is turned into options by ``cli.global_options``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambherd.errors import DefinitionError, UsageError


def read_option_file(path: Path, envfiles: tuple[str, ...] = ()) -> dict[str, Any]:
    """The rendered option file (a JSON object)."""
    from lambherd.app import RenderOptions
    from lambherd.definition.envfile import load_envfiles
    from lambherd.definition.loader import render_document
    from lambherd.definition.template_functions import DefinitionFunctions

    if not path.is_file():
        raise UsageError(f"--option {path}: no such file")
    load_envfiles(envfiles)
    functions = DefinitionFunctions(RenderOptions(), aws=False, base_dir=path.parent)
    try:
        doc = render_document(path, RenderOptions(), functions)
    except DefinitionError as exc:
        exc.prefix_message("--option")
        raise
    if functions.placeholders_used:
        raise UsageError(
            f"--option {path}: template functions that call AWS (ssm, caller_identity, "
            "tfstate from S3, cfn_output...) cannot be used in an option file"
        )
    return doc
