"""Function definitions: find, render (templates, Jsonnet), validate and normalise them."""

from lambherd.definition.loader import find_definition, load_function
from lambherd.definition.model import FunctionDefinition

__all__ = ["FunctionDefinition", "find_definition", "load_function"]
