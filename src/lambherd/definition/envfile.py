"""Load ``--envfile`` dotenv files into the process environment before rendering."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from lambherd.errors import DefinitionError


def read_envfile(path: str | os.PathLike[str]) -> dict[str, str]:
    """The variables a dotenv file sets (``export`` lines, quotes and comments understood)."""
    from dotenv import dotenv_values

    file = Path(path)
    if not file.is_file():
        raise DefinitionError(f"{file}: envfile not found")
    try:
        values = dotenv_values(file, encoding="utf-8", interpolate=False)
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{file}: cannot read envfile: {exc}") from exc
    # A bare ``NAME`` line (no "=") carries no value: it sets nothing, as lambroll does.
    return {key: value for key, value in values.items() if value is not None}


def load_envfiles(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Set the variables of each file in ``os.environ`` (later files win)."""
    for path in paths:
        os.environ.update(read_envfile(path))
