"""What the code analysers (Python, JavaScript/TypeScript) report about a handler module."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Event kinds: something created or done on the handler's path (per invocation).
AWS_CLIENT = "aws_client"
HTTP_CLIENT = "http_client"
DB_CONNECTION = "db_connection"
HEAVY_IMPORT = "heavy_import"
LOG_EVENT = "log_event"
HTTP_NO_REUSE = "http_no_reuse"


@dataclass(frozen=True)
class CodeEvent:
    """One thing the handler (or a function of its module it calls) does on every invocation."""

    kind: str
    line: int
    column: int
    what: str  # the expression, shortened: boto3.client("s3")
    via: tuple[str, ...] = ()  # the call chain from the handler: ("handler", "table")

    def where(self) -> str:
        """``inside handler()`` or ``in get_table(), called from handler()``."""
        if len(self.via) <= 1:
            return f"inside {self.via[0] if self.via else 'the handler'}()"
        chain = ", called from ".join(f"{name}()" for name in reversed(self.via))
        return f"in {chain}"


@dataclass
class CodeFacts:
    """The handler module: where it is, whether the handler exists, what it does."""

    language: str  # python | javascript | typescript
    path: Path  # the file analysed (absolute)
    handler: str  # the function name
    function_found: bool | None = None  # None: cannot tell (star imports, __getattr__...)
    function_line: int | None = None
    syntax_error: tuple[int, int, str] | None = None  # (line, column, message)
    events: list[CodeEvent] = field(default_factory=list)
    #: (line, what) where the module uses the AWS SDK for JavaScript v2 (``aws-sdk``)
    sdk_v2: tuple[int, str] | None = None
    lines: list[str] = field(default_factory=list)  # the source, for inline suppressions

    def of_kind(self, *kinds: str) -> list[CodeEvent]:
        """The events of the given kinds."""
        return [e for e in self.events if e.kind in kinds]


def shorten(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut at ``limit`` characters."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"
