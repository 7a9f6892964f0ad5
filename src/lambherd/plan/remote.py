"""What AWS reports about one function, read once before planning: the planners' only input from
AWS, as plain data. Build ``RemoteState`` directly in tests; ``lambherd.pipeline.remote`` reads it.

The core (the function, its tags, versions and aliases) is always there. Each concern with a
sidecar file adds its own typed *part* (``UrlRemote`` for function_url.json...), read only when the
definition has that sidecar, and found by its type: ``remote.part(UrlRemote)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RemoteState:
    """A function as deployed. ``configuration`` is None when the function does not exist.

    ``versions`` are ListVersionsByFunction entries (published ones only, no $LATEST);
    ``aliases`` ListAliases entries; ``alias`` the deploy's alias (one of them) or None;
    ``code`` GetFunction's ``Code`` (``ImageUri`` of image functions); ``parts`` the concerns'
    own remote parts (see the module docstring).
    """

    configuration: dict[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    alias: dict[str, Any] | None = None
    versions: tuple[dict[str, Any], ...] = ()
    aliases: tuple[dict[str, Any], ...] = ()
    code: dict[str, Any] = field(default_factory=dict)
    parts: tuple[Any, ...] = ()

    def part(self, kind: type[T]) -> T | None:
        """The concern part of type ``kind`` (None when it was not read)."""
        return next((p for p in self.parts if isinstance(p, kind)), None)

    @property
    def exists(self) -> bool:
        """True when the function exists."""
        return self.configuration is not None

    @property
    def revision_id(self) -> str | None:
        """$LATEST's RevisionId as read."""
        return (self.configuration or {}).get("RevisionId")

    @property
    def code_sha256(self) -> str | None:
        """$LATEST's CodeSha256 as read."""
        return (self.configuration or {}).get("CodeSha256")

    @property
    def function_arn(self) -> str | None:
        """The unqualified function ARN."""
        return (self.configuration or {}).get("FunctionArn")

    def version(self, number: str) -> dict[str, Any] | None:
        """One published version's configuration, or None."""
        return next((v for v in self.versions if v.get("Version") == number), None)

    def published_numbers(self) -> list[int]:
        """Published version numbers, ascending."""
        return sorted(int(v["Version"]) for v in self.versions if str(v["Version"]).isdigit())


def alias_weights(alias: dict[str, Any]) -> dict[str, Any]:
    """An alias's routing weights (version -> weight), {} when it sends all traffic to one."""
    return (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


def aliased_versions(aliases: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> set[str]:
    """Every version an alias points to, including through routing weights."""
    out: set[str] = set()
    for alias in aliases:
        out.add(str(alias.get("FunctionVersion")))
        out.update(str(v) for v in alias_weights(alias))
    return out
