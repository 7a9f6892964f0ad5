"""Entering the project a command runs in (every command, before it runs): the lambherd.toml
around ``-C DIR`` (or ``--function PATH``) with its stage applied to the ``App``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lambherd.app import App


def enter_project(app: App, *, stage_label: str | None = None) -> tuple[App, str | None]:
    """``app`` inside its project (if any) — the stage's region, profile and envfiles applied,
    and single-function commands given the project's defaults and ownership tag — and a
    warning when ``--function`` names a definition outside the project's function folders."""
    from lambherd.project.context import attach_project, outside_note

    app = attach_project(app, stage_label=stage_label)
    return app, outside_note(app)
