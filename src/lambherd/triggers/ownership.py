"""What lambherd owns among a function's triggers, and how it marks what it creates.

- Event source mappings lambherd creates carry the tags ``lambherd:function=<function>`` (and
  ``lambherd:project=<project>`` in a project). Only mappings so tagged are ever deleted: a
  mapping someone else made (or one imported by ``init --download``) is updated when
  event_sources.json names it, and left alone when it does not.
- Permission statements lambherd adds have a Sid starting ``lambherd-`` (``SID_PREFIX``); only
  those are removed. A statement matching a wanted one by what it allows keeps its Sid.
- EventBridge Scheduler tags only schedule groups, not schedules. So schedules.json's schedules
  live in a group lambherd creates for the function (``lambherd-<function>``, tagged like a
  mapping); lambherd deletes schedules only from a group it owns, and only those targeting
  the function. A schedule placed in another group (``GroupName``) is created and updated
  there, never deleted.
- Event invoke configurations and the recursion setting are part of the function: with an
  event_invoke.json, the qualifiers it does not list lose their configuration.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

#: The tag naming the function a trigger was created for.
FUNCTION_TAG = "lambherd:function"
#: The project tag (``lambherd.project.config.OWNER_TAG``: the same key).
PROJECT_TAG = "lambherd:project"
#: Sid prefix of the resource-policy statements lambherd adds.
SID_PREFIX = "lambherd-"
#: Prefix of the schedule group lambherd creates for a function.
GROUP_PREFIX = "lambherd-"
_GROUP_MAX = 64
_GROUP_CHARS = re.compile(r"[^0-9A-Za-z_.-]")


def project_of(config: Mapping[str, Any]) -> str | None:
    """The project a definition belongs to (its ``lambherd:project`` tag), or None."""
    tags = config.get("Tags")
    value = tags.get(PROJECT_TAG) if isinstance(tags, dict) else None
    return str(value) if value else None


def owner_tags(function: str, project: str | None) -> dict[str, str]:
    """The tags lambherd puts on a trigger it creates for ``function``."""
    tags = {FUNCTION_TAG: function}
    if project:
        tags[PROJECT_TAG] = project
    return tags


def owns(tags: Mapping[str, str] | None, function: str, project: str | None) -> bool:
    """True when a trigger tagged ``tags`` was created by lambherd for ``function`` (and, when
    it names a project, for ``project``)."""
    tags = tags or {}
    if tags.get(FUNCTION_TAG) != function:
        return False
    owner = tags.get(PROJECT_TAG)
    return owner is None or owner == project


def default_group(function: str) -> str:
    """The schedule group lambherd makes for ``function`` (at most 64 characters)."""
    name = GROUP_PREFIX + _GROUP_CHARS.sub("-", function)
    if len(name) <= _GROUP_MAX:
        return name
    digest = hashlib.sha256(function.encode()).hexdigest()[:8]
    return name[: _GROUP_MAX - 9] + "-" + digest


def owned_sid(sid: str | None) -> bool:
    """True for a statement id lambherd made."""
    return bool(sid) and str(sid).startswith(SID_PREFIX)
