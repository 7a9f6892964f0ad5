"""Version numbers and qualifiers: never reuse a number, stamp new versions, follow aliases.

moto numbers a new version ``len(versions) + 1``, so a number freed by DeleteFunction of a
version would be handed out again; Lambda never reuses one. The sandbox keeps the highest number
each function ever published (``FunctionState.last_version``) and renumbers what moto made.
"""

from __future__ import annotations

import random
from datetime import datetime

from werkzeug.wrappers import Response

from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import is_version, json_doc, moto_stamp, replace_json, with_field


class Versions:
    """Published versions of every function, and what a qualifier resolves to."""

    def __init__(self, facade: MotoFacade) -> None:
        self._facade = facade

    def count(self, key: FunctionKey) -> int:
        """How many versions the function has published (none for an unknown function)."""
        return len(self._facade.versions(key))

    def number_new(self, key: FunctionKey, count_before: int, resp: Response) -> Response:
        """Number a version moto just published after the highest ever published."""
        with self._facade.transaction():
            versions = self._facade.versions(key)
            if len(versions) <= count_before:  # nothing new (moto returned the latest unchanged)
                return resp
            state = self._facade.extra(key)
            wanted = max(state.last_version, max(versions[:-1], default=0)) + 1
            state.last_version = wanted
            if versions[-1] == wanted:
                return resp
            arn = self._facade.renumber_newest_version(key, wanted)
        out = json_doc(resp.get_data())
        if out.get("Version") not in (None, "$LATEST"):
            out["Version"] = str(wanted)
            out["FunctionArn"] = arn
            return replace_json(resp, out)
        return resp

    def stamp_new(
        self, key: FunctionKey, count_before: int, resp: Response, at: datetime
    ) -> Response:
        """Give a version just published the request's time (moto stamps its clock's)."""
        if self.count(key) <= count_before:
            return resp
        stamp = moto_stamp(at)
        self._facade.stamp_last_modified(key, stamp, "newest")
        return with_field(resp, "LastModified", stamp)

    def started(self, key: FunctionKey, published: bool) -> None:
        """A function was (re)created: numbering starts again (at 1 when it published one)."""
        self._facade.extra(key).last_version = 1 if published else 0

    def resolve(self, key: FunctionKey, qualifier: str) -> str | None:
        """A version number or ``$LATEST`` for a version/alias qualifier (primary version)."""
        return self._facade.resolve(key, qualifier)

    def pick(self, key: FunctionKey, qualifier: str) -> str | None:
        """The version an invoke of ``qualifier`` runs, following alias routing weights."""
        if is_version(qualifier):
            return self.resolve(key, qualifier)
        routing = self._facade.alias_routing(key, qualifier)
        if routing is None:
            return None
        primary, weights = routing
        draw = random.random()
        for version, weight in weights.items():
            if draw < weight:
                return version
            draw -= weight
        return primary
