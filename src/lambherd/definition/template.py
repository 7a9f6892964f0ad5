"""Render a definition file's templates the way lambroll does: Go's text/template on the raw text.

lambroll reads function.json with kayac/go-config, which parses and executes the *whole file*
as one Go template (named after nothing in particular; here the file name) before the JSON
decoder sees it. So an action may sit anywhere, inside or outside a JSON string, and a value
with quotes or newlines needs ``| json_escape`` inside a string. The template language is all
of Go's (see ``lambherd.definition.gotemplate``); its errors are Go's, naming the file, the
line and the column::

    template: function.json:3:15: executing "function.json" at <must_env "X">: error calling
    must_env: environment variable X is not defined
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from lambherd.errors import TemplateError

TemplateFunction = Callable[..., Any]

_UNDEFINED_FUNCTION = re.compile(r'function "([^"]+)" not defined$')


class FunctionTable(dict[str, TemplateFunction]):
    """The functions templates may call, by name; ``hint_for`` advises on an unknown name."""

    def hint_for(self, name: str) -> str | None:
        """What to do when a template calls ``name`` and it is not defined (None: nothing)."""
        return None


def render_template(text: str, functions: Mapping[str, TemplateFunction], source: str) -> str:
    """The text with its template executed; ``source`` (the file name) names it in errors.

    Errors raised by the functions themselves (``LambherdError``) keep their class and get
    Go's location in front of their message.
    """
    if "{{" not in text:
        return text
    from lambherd.definition.gotemplate import Template, TemplateExecError, TemplateSyntaxError

    try:
        return Template(text, source, functions).execute(None)
    except TemplateSyntaxError as exc:
        message = str(exc)
        hint = None
        match = _UNDEFINED_FUNCTION.search(message)
        hint_for = getattr(functions, "hint_for", None)
        if match and hint_for is not None:
            hint = hint_for(match.group(1))
        raise TemplateError(message, hint=hint) from None
    except TemplateExecError as exc:
        raise TemplateError(str(exc)) from None
