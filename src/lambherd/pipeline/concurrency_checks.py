"""The account's concurrency rules over a whole changeset, after the remote read and before any
mutating call (``lambherd.concurrency.rules.account_problems``): one GetAccountSettings when a
planned function has a concurrency.json, every problem of every function in one error."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambherd.concurrency.model import LATEST, read_concurrency
from lambherd.concurrency.rules import FunctionFacts, account_problems
from lambherd.errors import ValidationError, describe_client_error
from lambherd.plan.concurrency_planner import SIDECAR, ConcurrencyRemote
from lambherd.plan.steps import PUBLISHED, CreateAlias, MoveAlias

if TYPE_CHECKING:
    from lambherd.pipeline.planning import PlannedFunction


def function_facts(row: PlannedFunction) -> FunctionFacts | None:
    """What the account rules need of one planned function (None: no concurrency.json)."""
    if row.target is None:
        return None
    doc = row.target.definition.sidecars.get(SIDECAR)
    if doc is None:
        return None
    config = read_concurrency(doc, [])
    remote = row.remote.part(ConcurrencyRemote) or ConcurrencyRemote()
    aliases = {str(a["Name"]): str(a.get("FunctionVersion")) for a in row.remote.aliases}
    settings = row.target.settings
    for step in row.plan.steps:
        if isinstance(step, CreateAlias | MoveAlias):
            aliases[step.name] = "new" if step.version == PUBLISHED else step.version
    if settings.alias_to_latest:
        aliases[settings.alias] = LATEST
    versions = frozenset(str(v.get("Version")) for v in row.remote.versions)
    return FunctionFacts(row.name, config, remote.reserved, aliases, versions)


def check_concurrency(clients: Any, rows: list[PlannedFunction]) -> None:
    """Raise ValidationError with every account-level problem of ``rows`` (reads only)."""
    facts = [f for f in (function_facts(row) for row in rows) if f is not None]
    if not facts:
        return
    from botocore.exceptions import ClientError

    from lambherd.retry import call_with_retry

    lam = clients.client("lambda")
    try:
        settings = call_with_retry(lam.get_account_settings)
    except ClientError as exc:
        raise describe_client_error(exc, "read the account's concurrency") from exc
    limit = settings.get("AccountLimit") or {}
    problems = account_problems(
        int(limit.get("ConcurrentExecutions") or 0),
        int(limit.get("UnreservedConcurrentExecutions") or 0),
        facts,
    )
    if problems:
        raise ValidationError(problems, source="concurrency (nothing was sent)")
