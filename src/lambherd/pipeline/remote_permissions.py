"""The permissions concern's remote part: the policy statements of the function and of every
alias (and of each qualifier permissions.json names)."""

from __future__ import annotations

import json
from typing import Any

from lambherd.pipeline.remote import RemotePart, RemoteReader
from lambherd.plan.permissions_planner import SIDECAR, PermissionsRemote
from lambherd.triggers.files import permissions


def policy_statements(reader: RemoteReader, name: str, qualifier: str | None) -> tuple[Any, ...]:
    """GetPolicy's statements for the function or one qualifier (none when it has no policy)."""
    kwargs: dict[str, Any] = {"FunctionName": name}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    where = f"{name}:{qualifier}" if qualifier else name
    got = reader.optional(lambda: reader.lam.get_policy(**kwargs), f"read policy of {where}")
    if not got or not got.get("Policy"):
        return ()
    return tuple(json.loads(got["Policy"]).get("Statement", []))


def read_permissions(reader: RemoteReader, name: str, sidecar: Any) -> PermissionsRemote:
    """Statements by qualifier: the function's, each alias's, each one the file names."""
    aliases = reader.paginate("list_aliases", "Aliases", FunctionName=name)
    qualifiers: list[str | None] = [None, *(str(a["Name"]) for a in aliases)]
    qualifiers += [p.qualifier for p in permissions(sidecar) if p.qualifier not in qualifiers]
    return PermissionsRemote(statements={q: policy_statements(reader, name, q) for q in qualifiers})


PART = RemotePart(SIDECAR, read_permissions)
