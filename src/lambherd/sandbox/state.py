"""The sandbox's data shapes: what it keeps beside moto for each function, keyed by (account,
region, name), and the plain snapshots the moto facade hands out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple


class FunctionKey(NamedTuple):
    """One function of one account in one region (a name alone is not unique)."""

    account: str
    region: str
    name: str


@dataclass
class FunctionState:
    """A function's own sandbox state: what moto lacks or gets wrong."""

    #: "$LATEST" or a version number -> its RevisionId
    revisions: dict[str, str] = field(default_factory=dict)
    #: alias name -> its RevisionId
    alias_revisions: dict[str, str] = field(default_factory=dict)
    #: "$LATEST" or a version number -> configuration fields moto drops (LoggingConfig)
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: qualifier (alias or version) -> {"Requested": n, "LastModified": Lambda time}
    provisioned: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the highest version number ever published (Lambda never hands one out twice)
    last_version: int = 0
    #: "$LATEST", a version or an alias -> its EventInvokeConfig (sandbox.event_invoke_configs)
    event_invoke: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: PutFunctionRecursionConfig's RecursiveLoop (None: never set, Terminate)
    recursion: str | None = None


@dataclass(frozen=True)
class VersionConfig:
    """What running one function version needs (a snapshot, read under the lock)."""

    code: bytes
    environment: dict[str, str]
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: float
    architecture: str
    layer_arns: tuple[str, ...]
    #: the function's reserved concurrency (it is the same for every version)
    reserved: int | None
    #: SHA-256 of ``code`` in hex, as moto computed it ("" when unknown: hashed when needed)
    code_sha256: str = ""


@dataclass(frozen=True)
class FunctionSummary:
    """One function as GetAccountSettings counts it."""

    name: str
    reserved: int | None
    code_size: int


@dataclass(frozen=True)
class LogStream:
    """One CloudWatch Logs stream and its events ``(timestamp, message, ingestion_time)``."""

    region: str
    group: str
    stream: str
    events: tuple[tuple[int, str, int], ...]


@dataclass(frozen=True)
class MetricPoint:
    """One datapoint moto stores (``value`` None for a datum put as StatisticValues)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    unit: str | None
    timestamp: datetime
    value: float | None
    statistics: dict[str, float] | None
