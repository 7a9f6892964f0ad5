"""Function definitions: find, render (templates, Jsonnet), validate and normalise them.

The names below are loaded on first use: a module that needs only a light part of this
package (``definition.sidecars`` for the archive's ignore rules) does not pay for the loader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambherd.lazy import lazy_names

if TYPE_CHECKING:
    from lambherd.definition.loader import find_definition, load_function
    from lambherd.definition.model import FunctionDefinition

__all__ = ["FunctionDefinition", "find_definition", "load_function"]

_HOMES = {
    "find_definition": "lambherd.definition.loader",
    "load_function": "lambherd.definition.loader",
    "FunctionDefinition": "lambherd.definition.model",
}


__getattr__ = lazy_names(__name__, _HOMES)
