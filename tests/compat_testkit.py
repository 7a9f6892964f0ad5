"""Helpers of the lambroll-compatibility tests of the command line (not a test module)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import click


@dataclass
class Parsed:
    """What click makes of a command line after lambherd's normalisation."""

    argv: list[str]
    root: dict[str, Any]
    command: str | None
    params: dict[str, Any]


def parse(*argv: str) -> Parsed:
    """Normalise ``argv`` as ``lambherd`` does, then let click parse it, without running
    anything: the root's values and the (innermost) command's."""
    from lambherd.cli.global_options import normalise_argv
    from lambherd.cli.main import cli

    args = normalise_argv(cli, list(argv))
    ctx = cli.make_context("lambherd", list(args), resilient_parsing=False)
    rest = _unparsed(ctx)
    group: click.Command = cli
    name: str | None = None
    params: dict[str, Any] = {}
    parent = ctx
    while rest and isinstance(group, click.Group):
        name, sub, rest = group.resolve_command(parent, rest)
        assert sub is not None
        sub_ctx = sub.make_context(name or "", list(rest), parent=parent)
        params = dict(sub_ctx.params)
        rest = _unparsed(sub_ctx)
        group, parent = sub, sub_ctx
    return Parsed(list(args), dict(ctx.params), name, params)


def _unparsed(ctx: click.Context) -> list[str]:
    """The tokens a group left for its command (click 8 keeps the name apart)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [*getattr(ctx, "protected_args", []), *ctx.args]
