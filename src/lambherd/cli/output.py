"""Printing helpers for commands: JSON documents, rich tables, coloured text, confirmations.

Services return data; only the CLI prints. rich is imported on first use, never for ``--help``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from lambherd.app import App


def app_of(ctx: click.Context) -> App:
    """The ``App`` built by the root group."""
    from lambherd.app import App  # not at import: ``deploy --help`` needs no App (nor aws)

    return ctx.find_object(App) or App()


def emit_json(data: Any) -> None:
    """Print one JSON document to stdout."""
    import json  # not at import: ``--help`` prints no JSON

    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str, ensure_ascii=False))


def console(app: App, *, stderr: bool = False) -> Any:
    """A rich console honouring ``--color/--no-color`` and ``NO_COLOR``."""
    from rich.console import Console

    kwargs: dict[str, Any] = {"stderr": stderr, "highlight": False, "soft_wrap": True}
    if app.color is False:
        kwargs["no_color"] = True
        kwargs["color_system"] = None
    elif app.color is True:
        kwargs["force_terminal"] = True
    return Console(**kwargs)


def warn(message: str) -> None:
    """A warning line on stderr."""
    click.echo(f"warning: {message}", err=True)


def info(message: str) -> None:
    """A progress line on stderr (stdout stays machine-readable)."""
    click.echo(message, err=True)


def confirm(app: App, question: str) -> bool:
    """Ask yes/no unless ``--yes``; with no terminal and no ``--yes`` the answer is no."""
    if app.assume_yes:
        return True
    if not sys.stdin.isatty():
        return False
    return click.confirm(question, default=False, err=True)
