"""Parameter types shared by the commands, cheap to import (``--help`` pays for them)."""

from __future__ import annotations

from typing import Any

import click


class PathArg(click.Path):
    """``click.Path(path_type=pathlib.Path)`` that imports pathlib only when it converts a
    value, so a command's ``--help`` does not import it."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pathlib import Path

        return Path(super().convert(value, param, ctx))
