"""RevisionIds: made up deterministically, enforced on writes, changed by every change.

moto reports no usable RevisionId, so the sandbox keeps its own per function (``$LATEST`` and each
version) and per alias. Ids derive from a sequence number and the names involved (never random),
so a journal replay reproduces the very same ids.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from werkzeug.wrappers import Response

from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import Route, error, is_version

_REVISION_NS = uuid.UUID("6f1f2a3e-8a39-4b8e-9d0e-4c1a9b0d5e77")
#: The writes a RevisionId guards, and the API a client re-reads it from.
_GUARDED = {("code", "PUT"), ("configuration", "PUT"), ("versions", "POST")}


class Revisions:
    """Every function's and alias's RevisionId."""

    def __init__(self, facade: MotoFacade) -> None:
        self._facade = facade
        self._seq = 0

    def reset(self) -> None:
        """Start the sequence again (``sandbox reset``)."""
        with self._facade.transaction():
            self._seq = 0

    def snapshot(self) -> dict[str, Any]:
        """The sequence ids are derived from (a stateful room: it survives restarts)."""
        with self._facade.transaction():
            return {"seq": self._seq}

    def restore(self, doc: dict[str, Any]) -> None:
        """The sequence as it was."""
        with self._facade.transaction():
            self._seq = int(doc.get("seq", 0))

    def _new(self, *parts: str) -> str:
        with self._facade.transaction():
            self._seq += 1
            return str(uuid.uuid5(_REVISION_NS, ":".join((*parts, str(self._seq)))))

    def bump_latest(self, key: FunctionKey) -> None:
        """``$LATEST`` changed."""
        self._facade.extra(key).revisions["$LATEST"] = self._new(key.name, "$LATEST")

    def bump_alias(self, key: FunctionKey, alias: str) -> None:
        """An alias was made or changed."""
        self._facade.extra(key).alias_revisions[alias] = self._new(key.name, "alias", alias)

    def drop_alias(self, key: FunctionKey, alias: str) -> None:
        """An alias was deleted."""
        self._facade.extra(key).alias_revisions.pop(alias, None)

    def register_version(self, key: FunctionKey, version: str) -> None:
        """A version was published: its own RevisionId, and the fields ``$LATEST`` kept."""
        state = self._facade.extra(key)
        if version and version != "$LATEST" and version not in state.revisions:
            state.revisions[version] = self._new(key.name, version)
            state.kept[version] = copy.deepcopy(state.kept.get("$LATEST", {}))

    def bump_qualifier(self, key: FunctionKey, qualifier: str) -> None:
        """A version's or alias's own resource (its policy) changed."""
        state = self._facade.extra(key)
        if qualifier.isdigit():
            state.revisions[qualifier] = self._new(key.name, qualifier)
        elif qualifier in state.alias_revisions:
            self.bump_alias(key, qualifier)

    def of(self, key: FunctionKey, version: str) -> str | None:
        """The RevisionId of ``$LATEST`` or a version."""
        state = self._facade.extra_if_any(key)
        return state.revisions.get(version) if state else None

    def of_alias(self, key: FunctionKey, alias: str) -> str | None:
        """The RevisionId of an alias."""
        state = self._facade.extra_if_any(key)
        return state.alias_revisions.get(alias) if state else None

    def policy_revision(self, key: FunctionKey, qualifier: str | None) -> str | None:
        """The RevisionId guarding a resource policy: that of the function, version or alias."""
        if not qualifier or qualifier == "$LATEST":
            return self.of(key, "$LATEST")
        if qualifier.isdigit():
            return self.of(key, qualifier)
        return self.of_alias(key, qualifier)

    def stale(self, route: Route, key: FunctionKey, doc: dict[str, Any]) -> Response | None:
        """PreconditionFailed when a write carries a RevisionId that is not the current one."""
        sub, method = route.sub, route.method
        given = route.query.get("RevisionId") if method == "DELETE" else doc.get("RevisionId")
        if not given:
            return None
        if sub == "aliases" and route.rest and method == "PUT":
            current, what = self.of_alias(key, route.rest), "GetAlias"
        elif sub == "policy" and method in {"POST", "DELETE"}:
            current = self.policy_revision(key, route.qualifier)
            on_alias = route.qualifier is not None and not is_version(route.qualifier)
            what = "GetAlias" if on_alias else "GetFunction"
        elif (sub, method) in _GUARDED:
            current, what = self.of(key, "$LATEST"), "GetFunction"
        else:
            return None
        if current is not None and given != current:
            return error(
                412,
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. "
                f"Call the {what} API to retrieve the latest Revision Id",
            )
        return None
