"""``versions``: a table of published versions with their aliases; ``--delete`` prunes old ones.

The rows are lambroll's (what scripts read from ``lambroll versions --output json|tsv``):
published versions in number order, then ``$LATEST``; ``Version``, ``Aliases`` (the names of
the aliases serving it, also through routing weights; left out of JSON when none),
``LastModified`` (RFC 3339), ``Runtime`` — and lambherd's ``CodeSha256`` and, for an alias
splitting traffic, ``Weights`` (alias -> share of this version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambherd.apply import ExecutionResult, executor_for
from lambherd.errors import NotFoundError, UsageError
from lambherd.plan.remote import RemoteState, alias_weights
from lambherd.plan.version_planner import plan_prune

if TYPE_CHECKING:
    from lambherd.app import App


@dataclass(frozen=True)
class VersionRow:
    """One version as listed."""

    version: str
    last_modified: str
    code_sha256: str
    runtime: str
    #: alias labels for the table (``canary 90%`` when the alias splits traffic)
    aliases: list[str] = field(default_factory=list)
    #: the names of the aliases serving this version (lambroll's ``Aliases``)
    alias_names: list[str] = field(default_factory=list)
    #: alias -> this version's share, for aliases that split traffic
    weights: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON form of the row: lambroll's columns first (``Aliases`` left out when
        none, as lambroll leaves it out), then lambherd's."""
        out: dict[str, Any] = {"Version": self.version}
        if self.alias_names:
            out["Aliases"] = self.alias_names
        out["LastModified"] = rfc3339(self.last_modified)
        out["Runtime"] = self.runtime
        out["CodeSha256"] = self.code_sha256
        if self.weights:
            out["Weights"] = self.weights
        return out

    def tsv(self) -> str:
        """lambroll's TSV line: Version, LastModified (local time), Aliases, Runtime."""
        return "\t".join(
            (
                self.version,
                rfc3339(self.last_modified, local=True),
                ",".join(self.alias_names),
                self.runtime,
            )
        )


def rfc3339(value: str, *, local: bool = False) -> str:
    """Lambda's ``2024-05-01T10:20:30.123+0000`` as RFC 3339, as Go prints it (``Z`` for UTC,
    trailing zeros of the fraction dropped); ``local``: in this machine's time zone, to the
    second (lambroll's TSV). A value that does not parse is returned as it is."""
    from datetime import datetime

    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    if local:
        text = moment.astimezone().isoformat(timespec="seconds")
    else:
        text = moment.isoformat(timespec="microseconds")
        head, _, rest = text.partition(".")
        fraction, zone = rest[:6].rstrip("0"), rest[6:]
        text = head + (f".{fraction}" if fraction else "") + zone
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def alias_labels(aliases: tuple[dict[str, Any], ...]) -> dict[str, list[str]]:
    """version -> alias labels, with weights when an alias splits traffic (``current 90%``)."""
    out: dict[str, list[str]] = {}
    for alias in sorted(aliases, key=lambda a: str(a.get("Name"))):
        name = str(alias.get("Name"))
        weights = alias_weights(alias)
        main = str(alias.get("FunctionVersion"))
        if not weights:
            out.setdefault(main, []).append(name)
            continue
        rest = 1.0 - sum(float(w) for w in weights.values())
        out.setdefault(main, []).append(f"{name} {rest:.0%}")
        for version, weight in weights.items():
            out.setdefault(str(version), []).append(f"{name} {float(weight):.0%}")
    return out


def version_rows(remote: RemoteState) -> list[VersionRow]:
    """Rows for every published version, in number order, then $LATEST (as lambroll lists)."""
    labels = alias_labels(remote.aliases)
    names, weights = _serving(remote.aliases)
    configs = [*sorted(remote.versions, key=_number), remote.configuration or {}]
    rows = []
    for c in configs:
        version = str(c.get("Version", "$LATEST"))
        rows.append(
            VersionRow(
                version=version,
                last_modified=str(c.get("LastModified", "")),
                code_sha256=str(c.get("CodeSha256", "")),
                runtime=str(c.get("Runtime", c.get("PackageType", ""))),
                aliases=labels.get(version, []),
                alias_names=names.get(version, []),
                weights=weights.get(version, {}),
            )
        )
    return rows


def _serving(
    aliases: tuple[dict[str, Any], ...],
) -> tuple[dict[str, list[str]], dict[str, dict[str, float]]]:
    """version -> the aliases serving it, and -> its share of each alias splitting traffic."""
    names: dict[str, list[str]] = {}
    weights: dict[str, dict[str, float]] = {}
    for alias in sorted(aliases, key=lambda a: str(a.get("Name"))):
        name, main = str(alias.get("Name")), str(alias.get("FunctionVersion"))
        extra = alias_weights(alias)
        names.setdefault(main, []).append(name)
        if extra:
            weights.setdefault(main, {})[name] = round(1.0 - sum(map(float, extra.values())), 6)
        for version, weight in extra.items():
            names.setdefault(str(version), []).append(name)
            weights.setdefault(str(version), {})[name] = float(weight)
    return names, weights


def list_versions(app: App) -> list[VersionRow]:
    """The versions of the function in ``app.workdir``."""
    return version_rows(_remote(app))


def prune(app: App, keep: int | None, *, dry_run: bool = False) -> ExecutionResult:
    """Delete old versions (``versions --delete --keep-versions N``), or show which."""
    from lambherd.settings import command_line, resolve_settings

    if keep is None:
        raise UsageError("--delete needs --keep-versions N (N >= 1)")
    keep = resolve_settings(command_line(keep_versions=keep)).keep_versions  # checked once
    assert keep is not None
    remote = _remote(app)
    name = str((remote.configuration or {}).get("FunctionName"))
    return executor_for(app.clients, dry_run=dry_run).run(plan_prune(name, remote, keep))


def _remote(app: App) -> RemoteState:
    from lambherd.pipeline.remote import read_remote_state
    from lambherd.project.context import defined_function_name

    name = defined_function_name(app)
    remote = read_remote_state(app.clients, name)
    if not remote.exists:
        raise NotFoundError(f"{name}: function not found")
    return remote


def _number(config: dict[str, Any]) -> int:
    version = str(config.get("Version", "0"))
    return int(version) if version.isdigit() else 0
