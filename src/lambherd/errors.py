"""The one exception tree of lambherd.

    LambherdError                    anything the user must fix; printed as ``error: <message>``
    ├── UsageError                   options that contradict each other, a missing argument
    ├── DefinitionError              function.json / sidecars: unreadable, bad template, invalid
    │   ├── TemplateError            a template call failed (missing variable, bad tfstate address)
    │   └── ValidationError          the rendered definition breaks the API model or Lambda's limits
    ├── ArchiveError                 packaging: over a size limit, unsafe zip, unreadable source
    ├── AwsError                     an AWS call failed after retries
    │   ├── NotFoundError            the function / alias / version does not exist
    │   └── ConflictError            the function changed since it was read (stale RevisionId)
    │       └── AlreadyExistsError   a create found it already there (the deploy re-plans once)
    ├── DeployError                  a deploy step failed (e.g. LastUpdateStatus Failed)
    │   └── RolloutError             a rollout stopped: a gate failed (the alias rolled back)
    │       └── RolloutInterrupted   Ctrl-C during a rollout (the split left for the CLI to decide)
    ├── LocalRuntimeError            the local emulator could not run the function
    │   └── ThrottledError           no free execution environment within the concurrency limit
    └── PayloadTooLargeError         a payload over Lambda's invoke limits (6 MB sync, 1 MB async)

Every error carries the *what and where* in its message, and optionally a ``hint`` (what to do).
"""

from __future__ import annotations

from lambherd import exit_codes


class LambherdError(Exception):
    """Base of every error lambherd reports to the user."""

    exit_code: int = exit_codes.FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def prefix_message(self, where: str) -> None:
        """Put ``where`` (the file, the line...) in front of the message: ``where: message``."""
        self.message = f"{where}: {self.message}"
        self.args = (self.message,)


class UsageError(LambherdError):
    """The command line asks for something impossible or contradictory."""


class DefinitionError(LambherdError):
    """A definition file cannot be read, rendered or accepted."""


class TemplateError(DefinitionError):
    """A template call inside a definition failed."""


class ValidationError(DefinitionError):
    """The rendered definition has one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: list[str], *, source: str = "function.json") -> None:
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        if count == 1:  # one problem: one line (each problem names its file and field)
            super().__init__(self.problems[0])
            return
        head = f"{source}: {count} problem{'s' if count != 1 else ''} found"
        super().__init__(head + "".join(f"\n  {p}" for p in self.problems))


class ArchiveError(LambherdError):
    """The code package cannot be built, read or extracted safely."""


class AwsError(LambherdError):
    """An AWS API call failed (after retries)."""

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


class NotFoundError(AwsError):
    """The named resource does not exist."""


class ConflictError(AwsError):
    """The function changed since lambherd read it; nothing was overwritten."""


class AlreadyExistsError(ConflictError):
    """A create found the function (alias, statement, URL) already there: made by another
    deploy, or by our own request whose answer was lost. The deploy re-plans once."""


class DeployError(LambherdError):
    """A deploy step could not complete."""


class LocalRuntimeError(LambherdError):
    """The local Lambda emulator could not run the function."""


class ThrottledError(LocalRuntimeError):
    """Every execution environment is busy and the concurrency limit is reached."""


class PayloadTooLargeError(LambherdError):
    """A payload exceeds Lambda's invoke limits (6 MB synchronous, 1 MB asynchronous)."""


def describe_client_error(exc: Exception, action: str) -> AwsError:
    """Turn a botocore ``ClientError`` into an ``AwsError`` saying what was being attempted."""
    response = getattr(exc, "response", {}) or {}
    err = response.get("Error", {})
    code = err.get("Code") or type(exc).__name__
    msg = err.get("Message") or str(exc)
    text = f"{action}: {code}: {msg}"
    if code in {"ResourceNotFoundException", "NoSuchEntity", "NoSuchKey", "NoSuchBucket"}:
        return NotFoundError(text, code=code)
    if code == "PreconditionFailedException":
        return ConflictError(f"{action}: function changed since it was read; run again", code=code)
    from lambherd.retry import already_exists

    if already_exists(exc):
        return AlreadyExistsError(text, code=code)
    return AwsError(text, code=code)


class RolloutError(DeployError):
    """A rollout stopped: a gate failed, a test failed, or another function failed under
    ``--fail-fast``. ``rolled_back`` says whether the alias is back on the old version alone;
    ``timeline`` is what the rollout did until then (JSON-ready)."""

    def __init__(
        self,
        message: str,
        *,
        function: str = "",
        alias: str = "",
        rolled_back: bool = False,
        timeline: list | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.function = function
        self.alias = alias
        self.rolled_back = rolled_back
        self.timeline = timeline if timeline is not None else []


class RolloutInterrupted(RolloutError):
    """Ctrl-C during a rollout: the alias is left split (its marker says interrupted) for the
    command to roll back or leave, as the user decides."""

    exit_code = exit_codes.INTERRUPTED
