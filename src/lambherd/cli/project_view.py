"""How plans, changesets and project deploys are shown (shared by ``plan`` and ``deploy``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from lambherd.cli.output import console

if TYPE_CHECKING:
    from lambherd.app import App

_OPS = {
    "add": ("+ Add", "green"),
    "modify": ("* Modify", "yellow"),
    "delete": ("- Delete", "red"),
    "none": ("  No change", "dim"),
}


def show_changeset(app: App, changeset: Any, *, prune: bool | None = None) -> None:
    """The changeset table and its summary line (stdout)."""
    from rich.table import Table

    out = console(app)
    table = Table(title=f"project {changeset.project}", title_justify="left", show_lines=False)
    table.add_column("Operation", no_wrap=True)
    table.add_column("Function", no_wrap=True)
    table.add_column("Folder")
    table.add_column("Changes")
    for row in changeset.changes:
        label, style = _OPS[row.operation]
        table.add_row(
            f"[{style}]{label}[/]", row.name, row.folder or "-", ", ".join(row.changes) or "-"
        )
    out.print(table)
    out.print(f"Plan: {changeset.summary()}.")
    if changeset.count("delete") and not prune:
        out.print("Delete rows are applied only by `lambherd deploy --prune`.")


class DeployProgress:
    """A live table (on a terminal) or one line per event (otherwise) of a project deploy;
    functions under a rollout also show their weight and their gates' state."""

    def __init__(self, app: App, names: list[str]) -> None:
        self.app = app
        self.console = console(app, stderr=True)
        self.rows: dict[str, tuple[str, str]] = {n: ("waiting", "") for n in names}
        #: function -> (weight of the new version, gates' state), for rollouts
        self.rollouts: dict[str, tuple[str, str]] = {}
        self.lock = threading.Lock()
        self.live: Any = None

    def __enter__(self) -> DeployProgress:
        if self.console.is_terminal and self.rows:
            from rich.live import Live

            self.live = Live(self._table(), console=self.console, refresh_per_second=8)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.__exit__(*exc)

    def __call__(self, event: Any) -> None:
        with self.lock:
            if event.kind == "progress" and not event.data:
                self._news(event)
                return
            if event.kind == "progress":
                self._progress(event)
                return
            if event.kind == "step":
                state = f"step {event.step_index}/{event.step_count}"
            else:
                state = {"start": "running"}.get(event.kind, event.kind)
            self.rows[event.function] = (state, event.detail)
            if self.live is not None:
                self.live.update(self._table())
            elif event.kind != "step":
                click.echo(f"{event.function}: {state}: {event.detail}".rstrip(": "), err=True)

    def _news(self, event: Any) -> None:
        """A long step under way without a rollout's figures (a provisioned allocation)."""
        state = self.rows.get(event.function, ("running", ""))[0]
        self.rows[event.function] = (state, event.detail)
        if self.live is not None:
            self.live.update(self._table())
        else:
            click.echo(f"{event.function}: {event.detail}", err=True)

    def _progress(self, event: Any) -> None:
        """A long step under way (a rollout's shift or bake): its weight and gates."""
        data = event.data or {}
        weight = data.get("weight")
        seen = (f"{weight:g}%" if isinstance(weight, int | float) else "-", str(data.get("gates")))
        changed = self.rollouts.get(event.function) != seen
        self.rollouts[event.function] = seen
        state = self.rows.get(event.function, ("running", ""))[0]
        self.rows[event.function] = (state, event.detail)
        if self.live is not None:
            self.live.update(self._table())
        elif changed:
            click.echo(f"{event.function}: {seen[0]}: gates {seen[1]}: {event.detail}", err=True)

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(show_header=True, header_style="bold")
        table.add_column("Function", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        if self.rollouts:
            table.add_column("Weight", no_wrap=True, justify="right")
            table.add_column("Gates", no_wrap=True)
        table.add_column("Detail")
        colours = {"done": "green", "failed": "red", "skipped": "yellow", "running": "cyan"}
        for name, (state, detail) in self.rows.items():
            colour = colours.get(state, "cyan" if state.startswith("step") else "dim")
            cells = [name, f"[{colour}]{state}[/]"]
            if self.rollouts:
                weight, gates = self.rollouts.get(name, ("", ""))
                tint = "red" if gates.startswith("failed") else "green" if gates == "ok" else "dim"
                cells += [weight, f"[{tint}]{gates}[/]" if gates else ""]
            table.add_row(*cells, detail)
        return table


def report_builds(builds: list[Any]) -> None:
    """One stderr line per function whose dependencies were installed or taken from the cache."""
    from lambherd.cli.output import info

    for build in builds:
        if build.status in ("installed", "cached"):
            info(f"{build.folder.name}: dependencies {build.status} ({build.detail})")


def progress_for(app: App, changeset: Any, prune: bool) -> Callable[..., Any]:
    """A ``DeployProgress`` over the rows a deploy will touch."""
    return DeployProgress(app, [c.name for c in changeset.changes if c.applied(prune)])


def plan_lines(plan: Any) -> list[str]:
    """One line per step, numbered; ``no changes`` for an empty plan."""
    if plan.empty:
        return [f"{plan.function_name}: no changes"]
    return [f"{i}. {step.describe()}" for i, step in enumerate(plan.steps, 1)]
