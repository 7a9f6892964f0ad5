"""The loaded global settings shared by every command (lambroll's ``App``).

The CLI builds one ``App`` from the global options; each command reads what it needs from it:
the folder to work in, the definition path, template inputs and the AWS clients.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lambherd.aws import AwsClients, AwsSettings

__all__ = ["App", "AwsSettings", "RenderOptions"]

if TYPE_CHECKING:
    from lambherd.project.config import ProjectConfig


@dataclass(frozen=True)
class RenderOptions:
    """Inputs of the template / Jsonnet step that renders a definition."""

    envfiles: tuple[str, ...] = ()
    ext_str: dict[str, str] = field(default_factory=dict)
    ext_code: dict[str, str] = field(default_factory=dict)
    tfstate: str | None = None
    prefixed_tfstate: dict[str, str] = field(default_factory=dict)


@dataclass
class App:
    """Everything the global options decided, plus lazily made AWS clients."""

    workdir: Path = field(default_factory=Path.cwd)
    function_path: str | None = None
    render: RenderOptions = field(default_factory=RenderOptions)
    aws: AwsSettings = field(default_factory=AwsSettings)
    output: str = "text"
    log_level: str = "info"
    color: bool | None = None
    assume_yes: bool = False
    stage: str | None = None  # --stage: a lambherd.toml [stages.NAME]
    #: AWS settings given as command-line flags ("region", "profile"): they win over a stage's
    explicit_aws: frozenset[str] = frozenset()
    #: The lambherd.toml around ``workdir`` (or ``--function``), its stage applied; the CLI sets
    #: it together with the stage's region, profile and envfiles (``project.context``)
    project: ProjectConfig | None = None

    @cached_property
    def clients(self) -> AwsClients:
        """AWS clients for this run (the sandbox, if asked for, starts with the first client)."""
        return AwsClients(self.aws)

    @property
    def debug(self) -> bool:
        """True when tracebacks and API traces should be shown."""
        return self.log_level == "debug"

    @property
    def json_output(self) -> bool:
        """True with ``--output json``."""
        return self.output == "json"

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        """A user-given path, relative to ``-C DIR``."""
        p = Path(path)
        return p if p.is_absolute() else self.workdir / p
