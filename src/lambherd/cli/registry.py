"""Which module defines each command, and its one-line summary (for fast ``--help``)."""

from __future__ import annotations

#: name -> (module under lambherd.cli, summary). Each module defines ``command``.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init_cmd", "Import an existing function as code, or scaffold a new one."),
    "list": ("list_cmd", "List the functions in the account and region."),
    "render": ("render", "Print the evaluated definition."),
    "validate": ("validate", "Check definitions against the Lambda API model and limits."),
    "archive": ("archive", "Build the deterministic zip of the function's code."),
}
