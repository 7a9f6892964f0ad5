"""The rollout marker: what a rollout keeps in its alias's Description so that anyone who can
read the alias (``rollout status`` on another machine, a second ``deploy``) knows that the
split is ours, where it goes and how it stands.

It is written in the same UpdateAlias call that changes the routing weights, so the weights and
the marker never disagree. One line, within Lambda's 256 characters::

    lambherd-rollout/1 {"s":"linear:10:1m","f":"3","t":"4","st":"running","a":1718000000,
                        "u":1718000060,"by":"build-7:4242","d":"the alias's own description"}

``s`` strategy, ``f``/``t`` from/to versions, ``st`` running | interrupted | rolled-back,
``a`` started and ``u`` the last shift (epoch seconds), ``by`` host:pid of the runner, ``r`` why
it rolled back, ``d`` the Description the alias had before (given back when the rollout ends).
What does not fit is shortened: the reason first, then the description, then ``by``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from lambherd.defaults import ALIAS_DESCRIPTION_LIMIT

PREFIX = "lambherd-rollout/1 "
RUNNING, INTERRUPTED, ROLLED_BACK = "running", "interrupted", "rolled-back"
STATES = (RUNNING, INTERRUPTED, ROLLED_BACK)
_KEYS = {
    "strategy": "s",
    "from_version": "f",
    "to_version": "t",
    "state": "st",
    "started": "a",
    "updated": "u",
    "by": "by",
    "reason": "r",
    "description": "d",
}


@dataclass(frozen=True)
class RolloutMarker:
    """A rollout as its alias records it."""

    strategy: str
    from_version: str
    to_version: str
    state: str = RUNNING
    started: int = 0
    updated: int = 0
    by: str = ""
    reason: str = ""
    description: str = ""

    @property
    def in_progress(self) -> bool:
        """True while the split is live (running, or interrupted and left as it was)."""
        return self.state in (RUNNING, INTERRUPTED)

    def moved(self, **changes: Any) -> RolloutMarker:
        """A copy with ``changes``."""
        return replace(self, **changes)

    def encode(self, limit: int = ALIAS_DESCRIPTION_LIMIT) -> str:
        """The Description text, shortened to fit ``limit`` characters."""
        marker = self
        for field_name in ("reason", "description", "by"):
            text = _text(marker)
            if len(text) <= limit:
                return text
            value: str = getattr(marker, field_name)
            over = len(text) - limit
            keep = max(0, len(value) - over - 1)
            marker = replace(marker, **{field_name: value[:keep] + "~" if keep else ""})
        text = _text(marker)
        if len(text) > limit:  # only the versions and the strategy are left: they always fit
            raise ValueError(f"rollout marker over {limit} characters: {text!r}")
        return text

    def to_json(self) -> dict[str, Any]:
        """The marker as a JSON document (long names)."""
        return asdict(self)


def _text(marker: RolloutMarker) -> str:
    doc = {
        short: getattr(marker, name)
        for name, short in _KEYS.items()
        if getattr(marker, name) not in ("", None)
    }
    return PREFIX + json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def decode(description: str | None) -> RolloutMarker | None:
    """The marker in an alias Description, None when it holds none (or not one of ours)."""
    if not description or not description.startswith(PREFIX):
        return None
    try:
        doc = json.loads(description[len(PREFIX) :])
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    values = {name: doc[short] for name, short in _KEYS.items() if short in doc}
    try:
        marker = RolloutMarker(**values)
    except TypeError:
        return None
    if not (marker.strategy and marker.from_version and marker.to_version):
        return None
    if marker.state not in STATES:
        return None
    return marker


def original_description(description: str | None) -> str:
    """The alias's own Description: the one a marker carries, else the text itself."""
    marker = decode(description)
    if marker is not None:
        return marker.description
    return description or ""
