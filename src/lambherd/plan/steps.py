"""Typed plan steps: what a deploy (or rollback, prune, delete) will do, as frozen data.

A ``Plan`` is an ordered tuple of steps. The planners build it from plain data; the executor in
``lambherd.apply`` runs it (one handler per step type, registered in ``lambherd.apply.registry``);
the display executor prints it. Versions that a plan publishes are not known until it runs, so a
step may target ``PUBLISHED`` and the executor substitutes the number.

Each step says itself what the executor core and the changeset need to know about it, so a new
step type (in its concern's own module) touches neither: ``describe`` (the dry-run line),
``labels`` (the changeset's words for what it changes), ``guarded_by_revision`` (sent with
$LATEST's RevisionId) and ``changes_revision_silently`` (may change that RevisionId without
returning the new one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: Placeholder for "the version the PublishVersion step of this plan returns".
PUBLISHED = "<published>"
#: The unpublished version.
LATEST = "$LATEST"


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Step:
    """Base class of every step. ``describe`` is the one-line text shown by dry runs."""

    def describe(self) -> str:  # pragma: no cover - every subclass overrides it
        return type(self).__name__

    @property
    def kind(self) -> str:
        """The step's type name (CreateFunction, UploadCode...)."""
        return type(self).__name__

    def labels(self) -> tuple[str, ...]:
        """What the step changes, in the changeset's words (``code``, ``alias current``...)."""
        return (self.kind,)

    @property
    def guarded_by_revision(self) -> bool:
        """True when the step is sent with $LATEST's RevisionId (the plan's, then chained)."""
        return False

    @property
    def changes_revision_silently(self) -> bool:
        """True when the step may change $LATEST's RevisionId without returning the new one."""
        return False


@dataclass(frozen=True)
class CreateFunction(Step):
    """CreateFunction with the definition (code comes from ``code``)."""

    params: dict[str, Any]
    code: CodeSource

    def describe(self) -> str:
        return f"CreateFunction {self.params.get('FunctionName')} ({self.code.describe()})"

    def labels(self) -> tuple[str, ...]:
        return ("new function",)


@dataclass(frozen=True)
class UpdateConfiguration(Step):
    """UpdateFunctionConfiguration with only the changed fields (absent ones reset)."""

    params: dict[str, Any]
    changed: tuple[str, ...]
    reset: tuple[str, ...] = ()
    #: The changed leaves (``Environment.Variables.GREETING``), for display.
    paths: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = []
        for name in self.changed:
            if name in self.reset:
                parts.append(f"{name} (reset to default)")
                continue
            leaves = [p for p in self.paths if p == name or p.startswith(name + ".")]
            if leaves and leaves != [name]:
                parts.extend(leaves)  # a structure: name what changed inside it
            else:
                parts.append(f"{name}={_short(self.params.get(name), 40)}")
        return "UpdateConfiguration " + ", ".join(parts)

    def labels(self) -> tuple[str, ...]:
        return self.changed

    @property
    def guarded_by_revision(self) -> bool:
        return True


@dataclass(frozen=True)
class CodeSource:
    """Where the code of a deploy comes from and what its SHA-256 is (base64, as Lambda's).

    ``zip_path`` is a local zip; ``s3_bucket``/``s3_key`` an S3 location (uploaded first when
    ``zip_path`` is set too, used as is otherwise); ``sha256`` is None when unknown.
    """

    sha256: str | None = None
    size: int = 0
    zip_path: str | None = None
    s3_bucket: str | None = None
    s3_key: str | None = None
    s3_object_version: str | None = None
    image_uri: str | None = None

    def describe(self) -> str:
        if self.image_uri:
            return f"image {self.image_uri}"
        where = f"s3://{self.s3_bucket}/{self.s3_key}" if self.s3_bucket else "zip"
        size = f", {self.size} bytes" if self.size and self.zip_path else ""
        sha = f"sha256 {self.sha256[:12]}" if self.sha256 else "sha256 unknown"
        return f"{where}, {sha}{size}"


@dataclass(frozen=True)
class UploadCode(Step):
    """UpdateFunctionCode (after an S3 upload when the code goes through S3)."""

    code: CodeSource
    remote_sha256: str | None = None

    def describe(self) -> str:
        was = f" (was {self.remote_sha256[:12]})" if self.remote_sha256 else ""
        return f"UploadCode {self.code.describe()}{was}"

    def labels(self) -> tuple[str, ...]:
        return ("code",)

    @property
    def guarded_by_revision(self) -> bool:
        return True


@dataclass(frozen=True)
class PublishVersion(Step):
    """PublishVersion of $LATEST (guarded by CodeSha256 and RevisionId), with the version's
    ``description`` when given."""

    description: str | None = None

    def describe(self) -> str:
        return f"PublishVersion {self.description!r}" if self.description else "PublishVersion"

    def labels(self) -> tuple[str, ...]:
        return ("version",)

    @property
    def guarded_by_revision(self) -> bool:
        return True

    @property
    def changes_revision_silently(self) -> bool:
        return True


@dataclass(frozen=True)
class CreateAlias(Step):
    """CreateAlias pointing at ``version`` (maybe ``PUBLISHED``)."""

    name: str
    version: str

    def describe(self) -> str:
        return f"CreateAlias {self.name} -> {_version_text(self.version)}"

    def labels(self) -> tuple[str, ...]:
        return (f"alias {self.name}",)


@dataclass(frozen=True)
class MoveAlias(Step):
    """UpdateAlias from ``from_version`` to ``version``, clearing routing weights."""

    name: str
    version: str
    from_version: str | None = None
    revision_id: str | None = None
    clear_routing: bool = False

    def describe(self) -> str:
        return f"MoveAlias {self.name}: {self.from_version} -> {_version_text(self.version)}"

    def labels(self) -> tuple[str, ...]:
        return (f"alias {self.name}",)


@dataclass(frozen=True)
class DeleteVersion(Step):
    """DeleteFunction of one published version."""

    version: str

    def describe(self) -> str:
        return f"DeleteVersion {self.version}"

    def labels(self) -> tuple[str, ...]:
        return ("old versions",)


@dataclass(frozen=True)
class PutFunctionUrl(Step):
    """Create (``create``) or update the function URL configuration."""

    config: dict[str, Any]
    create: bool
    qualifier: str | None = None

    def describe(self) -> str:
        verb = "CreateFunctionUrl" if self.create else "UpdateFunctionUrl"
        return f"{verb} {_short(self.config)}"

    def labels(self) -> tuple[str, ...]:
        return ("URL",)

    @property
    def changes_revision_silently(self) -> bool:
        return self.qualifier in (None, LATEST)


@dataclass(frozen=True)
class _PermissionStep(Step):
    """A change of one resource-policy statement lambherd owns (Sid prefixed ``lambherd-``).

    On the unqualified function it is guarded by the function's RevisionId (see
    ``guarded_by_function``) and changes it; on an alias or version qualifier it is sent
    unguarded.
    """

    statement_id: str

    @property
    def guarded_by_function(self) -> bool:
        """True when the function's ($LATEST's) RevisionId guards this change."""
        return getattr(self, "qualifier", None) in (None, LATEST)

    def labels(self) -> tuple[str, ...]:
        return ("URL",)

    @property
    def guarded_by_revision(self) -> bool:
        return self.guarded_by_function

    @property
    def changes_revision_silently(self) -> bool:
        return self.guarded_by_function


@dataclass(frozen=True)
class AddPermission(_PermissionStep):
    """AddPermission of one statement lambherd owns."""

    params: dict[str, Any]
    qualifier: str | None = None

    def describe(self) -> str:
        action, principal = self.params.get("Action", ""), self.params.get("Principal")
        return f"AddPermission {self.statement_id} {action} principal={principal}"


@dataclass(frozen=True)
class RemovePermission(_PermissionStep):
    """RemovePermission of one statement lambherd created earlier."""

    qualifier: str | None = None

    def describe(self) -> str:
        return f"RemovePermission {self.statement_id}"


@dataclass(frozen=True)
class TagResource(Step):
    """TagResource with the added or changed tags."""

    tags: dict[str, str]

    def describe(self) -> str:
        return "TagResource " + ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items()))

    def labels(self) -> tuple[str, ...]:
        return ("tags",)


@dataclass(frozen=True)
class UntagResource(Step):
    """UntagResource of tags that left the definition."""

    keys: tuple[str, ...]

    def describe(self) -> str:
        return "UntagResource " + ", ".join(self.keys)

    def labels(self) -> tuple[str, ...]:
        return ("tags",)


@dataclass(frozen=True)
class DeleteFunction(Step):
    """DeleteFunction: the whole function, every version and alias."""

    name: str

    def describe(self) -> str:
        return f"DeleteFunction {self.name}"

    def labels(self) -> tuple[str, ...]:
        return ("function",)


@dataclass(frozen=True)
class Plan:
    """An ordered list of steps for one function, with what the planner read."""

    function_name: str
    steps: tuple[Step, ...] = ()
    function_arn: str | None = None
    revision_id: str | None = None
    code_sha256: str | None = None
    changed_fields: tuple[str, ...] = ()
    alias: str | None = None
    #: The configuration the plan brings $LATEST to (None: not compared, e.g.
    #: ``--skip-configuration``): what a write refused after a lost answer is checked against.
    desired_config: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def empty(self) -> bool:
        """True when there is nothing to do."""
        return not self.steps

    def of_type(self, kind: type[Step]) -> list[Step]:
        """The steps of one type, in order."""
        return [s for s in self.steps if isinstance(s, kind)]


def describe_changes(steps: tuple[Step, ...]) -> tuple[str, ...]:
    """What a plan changes, in words (fields, code, version, alias, URL, tags), each once."""
    out: list[str] = []
    for step in steps:
        for label in step.labels():
            if label not in out:
                out.append(label)
    return tuple(out)


def _version_text(version: str) -> str:
    return "the new version" if version == PUBLISHED else version
