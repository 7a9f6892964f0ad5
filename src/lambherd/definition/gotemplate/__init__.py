"""Go's text/template, as lambroll (through kayac/go-config) renders definition files.

The whole language: text and actions, pipelines and parenthesised calls, variables (``$x :=``,
``$x =``, ``$``), ``if``/``else if``/``else``, ``range`` (lists, maps, integers; ``else``,
``break``, ``continue``; ``$i, $v :=``), ``with``/``else with``, ``define``/``template``/
``block``, comments and trim markers, field access on maps and call results, and every
predefined function with Go's formatting and comparison rules. Messages are Go's, with the
file name as the template name.

Modules, one job each: ``lexer`` (lex.go), ``parser`` + ``literals`` (parse.go, strconv),
``nodes`` (node.go), ``executor`` (exec.go), ``builtins`` (funcs.go), ``gofmt`` (fmt),
``values`` (how Python values stand for Go values).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambherd.definition.gotemplate.builtins import BUILTINS
from lambherd.definition.gotemplate.executor import Executor, TemplateExecError
from lambherd.definition.gotemplate.gofmt import quote
from lambherd.definition.gotemplate.parser import TemplateSyntaxError, parse
from lambherd.definition.gotemplate.values import GoByte, GoFunc, finish_text

__all__ = [
    "GoByte",
    "GoFunc",
    "Template",
    "TemplateExecError",
    "TemplateSyntaxError",
    "render",
]


class _Names:
    """The function names a template may use: its own and the predefined ones."""

    __slots__ = ("own",)

    def __init__(self, own: Mapping[str, Any]) -> None:
        self.own = own

    def __contains__(self, name: object) -> bool:
        return name in self.own or name in BUILTINS


class Template:
    """One parsed template text; ``execute`` renders it (the top-level template ``name``)."""

    def __init__(self, text: str, name: str, functions: Mapping[str, Any] | None = None) -> None:
        self.text = text
        self.name = name
        raw = dict(functions or {})
        self.trees = parse(text, name, _Names(raw))
        self.functions = {key: GoFunc.of(fn, key) for key, fn in raw.items()}

    def execute(self, data: Any = None, name: str | None = None) -> str:
        """The rendered text of template ``name`` (default: the top level).

        Bytes that are not valid UTF-8 become U+FFFD.
        """
        name = self.name if name is None else name
        if name not in self.trees:
            raise TemplateExecError(
                f"template: no template {quote(name)} associated with template {quote(self.name)}"
            )
        run = Executor(self.trees, self.functions, self.text, self.name)
        return finish_text(run.run(name, data))


def render(
    text: str, name: str, functions: Mapping[str, Any] | None = None, data: Any = None
) -> str:
    """Parse and execute ``text`` in one go."""
    return Template(text, name, functions).execute(data)
