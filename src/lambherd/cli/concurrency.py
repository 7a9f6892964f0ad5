"""``lambherd concurrency``: the account's (or project's) concurrency; ``request-quota`` and
``quota-status`` for Lambda's concurrent executions quota."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from lambherd.cli.output import app_of, confirm, console, emit_json, info
from lambherd.services.concurrency import CONCURRENCY_SINCE

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.services.concurrency import ConcurrencyView, QuotaStatus


@click.group("concurrency", invoke_without_command=True)
@click.option(
    "--since", default=CONCURRENCY_SINCE, show_default=True, help="CloudWatch window: 3h, 7d..."
)
@click.option("--account", is_flag=True, help="The whole account/region, even in a project.")
@click.option("--only", multiple=True, metavar="NAME/GLOB", help="Only these functions.")
@click.pass_context
def command(ctx: click.Context, since: str, account: bool, only: tuple[str, ...]) -> None:
    """Account limit, unreserved, reserved and provisioned concurrency per function, the next
    scheduled scaling, peak concurrency and throttles, with what deserves a look."""
    if ctx.invoked_subcommand is not None:
        return
    from lambherd.services.concurrency import ConcurrencyRequest, concurrency_view

    app = app_of(ctx)
    view = concurrency_view(app, ConcurrencyRequest(since=since, account=account, only=only))
    if app.json_output:
        emit_json(view.to_json())
        return
    _print_view(app, view)


def _print_view(app: App, view: ConcurrencyView) -> None:
    from rich.table import Table

    out = console(app)
    out.print(
        f"{view.scope} in {view.region}: concurrent executions {view.limit}, unreserved "
        f"{view.unreserved}, reserved {view.reserved}"
    )
    table = Table(
        title=f"{view.start:%Y-%m-%d %H:%M} -> {view.end:%Y-%m-%d %H:%M} UTC",
        title_justify="left",
    )
    for column in ("Function", "Reserved", "Provisioned", "Next scheduled", "Peak", "Throttles"):
        table.add_column(column, justify="right" if column in ("Reserved", "Peak") else "left")
    for row in view.functions:
        provisioned = "\n".join(_provisioned(p) for p in row.provisioned) or "-"
        upcoming = "\n".join(
            "; ".join(a.describe() for a in p.next_actions) or "-" for p in row.provisioned
        )
        table.add_row(
            row.name,
            "-" if row.reserved is None else str(row.reserved),
            provisioned,
            upcoming or "-",
            _number(row.peak_concurrency),
            _number(row.throttles),
        )
    out.print(table)
    flagged = [(row.name, flag) for row in view.functions for flag in row.flags]
    for name, flag in flagged:
        out.print(f"! {name}: {flag}")
    if not flagged:
        out.print("Nothing flagged.")


def _provisioned(p: Any) -> str:
    text = f"{p.qualifier}: {p.allocated}/{p.requested} {p.status}"
    if p.scaling:
        text += f" (scales {p.scaling[0]}-{p.scaling[1]})"
    if p.utilisation is not None:
        text += f", used {p.utilisation:.0%}"
    return text


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@command.command("request-quota")
@click.option("--limit", type=int, required=True, help="Concurrent executions wanted.")
@click.pass_context
def request_quota_cmd(ctx: click.Context, limit: int) -> None:
    """Ask Service Quotas for a higher concurrent executions quota (confirmed unless --yes)."""
    from lambherd.services.concurrency import request_quota

    app = app_of(ctx)
    made = request_quota(app, limit, confirm=lambda question: confirm(app, question))
    if app.json_output:
        emit_json(made.to_json())
        return
    request = made.request or {}
    click.echo(
        f"requested {made.desired} concurrent executions in {made.region} (now "
        f"{made.current:g}): {request.get('Status')} (id {request.get('Id')})"
    )
    info(
        "large increases are reviewed by AWS and take time; follow them with `lambherd "
        "concurrency quota-status` (and the case in the AWS Support console)"
    )


@command.command("quota-status")
@click.pass_context
def quota_status_cmd(ctx: click.Context) -> None:
    """The concurrent executions quota and its increase requests."""
    from lambherd.services.concurrency import quota_status

    app = app_of(ctx)
    status = quota_status(app)
    if app.json_output:
        emit_json(status.to_json())
        return
    _print_status(app, status)


def _print_status(app: App, status: QuotaStatus) -> None:
    default = "" if status.default is None else f" (default {status.default:g})"
    click.echo(f"concurrent executions in {status.region}: {status.value:g}{default}")
    if not status.requests:
        click.echo("no increase requested")
        return
    for r in status.requests:
        doc = {k: v for k, v in r.items() if k in ("Id", "DesiredValue", "Status", "CaseId")}
        case = f", case {doc['CaseId']}" if doc.get("CaseId") else ""
        created = r.get("Created")
        when = f" on {created:%Y-%m-%d %H:%M}" if hasattr(created, "strftime") else ""
        click.echo(
            f"{doc.get('Status')}: {doc.get('DesiredValue'):g}{when} (id {doc.get('Id')}{case})"
        )
