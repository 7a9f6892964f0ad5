"""Which files stay out of the zip: ``.lambdaignore``, matched as lambroll matches it.

Two styles; ``lambroll`` is the default and the only one a lambroll folder knows:

``lambroll``   each line of the ignore file (trimmed; blank lines and ``#`` lines skipped) is a
               wildcard matched against a file's whole path relative to the source root
               (lambroll's ``wildcard.Match``): ``*`` matches any run of characters, ``/``
               included, ``?`` exactly one character, everything else itself. So ``hello.txt``
               leaves out only the root's file, ``dir/*.txt`` also ``dir/a/b.txt``, ``*.pyc``
               any depth, and ``skip`` never ``skip/x.pl`` (write ``skip/*``). Nothing is left
               out implicitly: lambroll packages ``function.json``, ``.lambdaignore`` and
               ``.git/`` unless the file lists them (``lambroll init`` writes them into it,
               ``LAMBROLL_DEFAULT_EXCLUDES``). lambherd adds only its own ``.lambherd/`` and
               its own sidecars (``concurrency.json``...), which lambroll folders never have.
``gitignore``  gitignore syntax (``pathspec.GitIgnoreSpec``: ``/build`` anchored, ``tests/``
               folders, ``**``, ``!keep`` re-includes, the last match wins) plus
               ``GITIGNORE_DEFAULT_EXCLUDES`` (the definition files, the ignore file itself,
               ``function.zip``, ``.git/``, ``.terraform/``, ``terraform.tfstate``,
               ``.lambherd/``) — lambherd's rules before it read lambroll's; an explicit opt-in.

A relative ignore file is read from ``base_dir`` (the definition's folder: where lambroll, run
next to its function.json, reads it — also when ``--src`` names another folder).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from lambherd.definition.sidecars import lambherd_sidecar_names, sidecar_names
from lambherd.errors import ArchiveError

IGNORE_STYLES = ("lambroll", "gitignore")

#: lambroll's ``DefaultExcludes`` (lambroll.go): what ``lambroll init`` writes to .lambdaignore.
#: Not applied by lambroll when it zips; named here for warnings and the starter file.
LAMBROLL_DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".lambdaignore",
    "function.json",
    "function.jsonnet",
    "function_url.json",
    "function_url.jsonnet",
    "function.zip",
    ".git/*",
    ".terraform/*",
    "terraform.tfstate",
)

#: lambherd's own folder (dependency builds, stamps): never packaged in either style.
LAMBHERD_DIR_PATTERN = ".lambherd/*"

#: The ``gitignore`` style's implicit excludes (a ``!pattern`` re-includes any of them).
GITIGNORE_DEFAULT_EXCLUDES: tuple[str, ...] = (
    "/.lambdaignore",
    "/function.json",
    "/function.jsonnet",
    *(f"/{name}" for name in sidecar_names()),
    "/function.zip",
    "/.git/",
    "/.terraform/",
    "/terraform.tfstate",
    "/.lambherd/",
)

#: Go's unicode.IsSpace (bytes.TrimSpace trims these; Python's strip() also trims \x1c-\x1f).
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


class Rules(Protocol):
    """What the tree walk asks: is this file left out, can this folder be skipped whole."""

    source: str
    warnings: tuple[str, ...]

    def ignores_file(self, rel: str) -> bool: ...

    def ignores_dir(self, rel: str) -> bool: ...


def wildcard_match(pattern: str, name: str) -> bool:
    """lambroll's ``wildcard.Match`` (minio's): ``*`` any run incl. ``/``, ``?`` one character."""
    if pattern == "":
        return name == ""
    return _compile(pattern).fullmatch(name) is not None


_COMPILED: dict[str, re.Pattern[str]] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    regex = _COMPILED.get(pattern)
    if regex is None:
        parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
        regex = _COMPILED[pattern] = re.compile("".join(parts), re.DOTALL)
    return regex


@dataclass(frozen=True)
class WildcardRules:
    """lambroll's rules: a file is left out when any pattern matches its whole relative path."""

    patterns: tuple[str, ...]
    source: str = "ignore pattern"
    warnings: tuple[str, ...] = ()
    has_file: bool = False
    _any: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _dirs: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # a pattern ending in "*" leaves out every path that starts with what its head matches
        prefixes = tuple(p[:-1] for p in self.patterns if p.endswith("*"))
        # every pattern in one alternation: one match per file however many patterns
        joined = "|".join(f"(?:{_compile(p).pattern})" for p in self.patterns)
        object.__setattr__(self, "_any", re.compile(joined, re.DOTALL) if self.patterns else None)
        # the heads alike: one match per folder (a match at the start, as each head's)
        heads = "|".join(f"(?:{_compile(h).pattern})" for h in prefixes)
        object.__setattr__(self, "_dirs", re.compile(heads, re.DOTALL) if prefixes else None)

    def ignores_file(self, rel: str) -> bool:
        return self._any is not None and self._any.fullmatch(rel) is not None

    def ignores_dir(self, rel: str) -> bool:
        """True when every path under ``rel`` is left out, so the walk can skip the folder.

        lambroll walks everything and matches files only; skipping is safe exactly when some
        ``head*`` pattern's head matches a prefix of ``rel/`` (the ``*`` then takes the rest).
        """
        path = rel.rstrip("/") + "/"
        return self._dirs is not None and self._dirs.match(path) is not None


@dataclass(frozen=True)
class IgnoreRules:
    """A compiled set of gitignore patterns (the ``gitignore`` style)."""

    patterns: tuple[str, ...]
    source: str = "ignore pattern"
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        import pathspec

        try:
            spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)
        except Exception as exc:  # pathspec raises several types for a bad pattern
            raise ArchiveError(f"{self.source}: {exc}") from exc
        object.__setattr__(self, "_spec", spec)
        negations = any(p.include is False for p in spec.patterns)
        object.__setattr__(self, "_can_prune", not negations)

    def ignores_file(self, rel: str) -> bool:
        """True when the file at ``rel`` is excluded."""
        return bool(self._spec.match_file(rel))  # type: ignore[attr-defined]

    def ignores_dir(self, rel: str) -> bool:
        """True when nothing under the directory ``rel`` can be included (skip walking it).

        With a ``!`` pattern anywhere, no directory is skipped and every file is decided by
        its own path, so re-inclusions always work.
        """
        if not self._can_prune:  # type: ignore[attr-defined]
            return False
        return bool(self._spec.match_file(rel.rstrip("/") + "/"))  # type: ignore[attr-defined]


def read_ignore_lines(path: Path) -> list[tuple[int, str]] | None:
    """(line number, pattern) of an ignore file as lambroll reads it; None when it is missing.

    Lines split on ``\\n`` and trimmed of (Go's) white space; blank lines and lines starting
    with ``#`` are skipped.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ArchiveError(f"{path.name}: cannot read: {exc.strerror}") from exc
    text = data.decode("utf-8", "surrogateescape")
    lines = []
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip(_GO_SPACE)
        if stripped and not stripped.startswith("#"):
            lines.append((number, stripped))
    return lines


def read_ignore_file(path: Path) -> list[str]:
    """The patterns of an ignore file (missing file: none); comments and blanks dropped."""
    return [pattern for _, pattern in read_ignore_lines(path) or []]


def load_rules(
    source_dir: Path,
    ignore_file: str | Path | None = ".lambdaignore",
    extra_ignores: Iterable[str] = (),
    *,
    style: str = "lambroll",
    base_dir: Path | None = None,
) -> Rules:
    """The rules of ``style``: the ignore file's patterns, then ``extra_ignores``.

    A relative ``ignore_file`` is read from ``base_dir`` (default: ``source_dir``).
    ``extra_ignores`` use the style's syntax.
    """
    if style not in IGNORE_STYLES:
        raise ArchiveError(
            f"ignore style {style!r} is not one of {', '.join(IGNORE_STYLES)}",
            hint='leave it unset for lambroll\'s matching, or "gitignore" for gitignore syntax',
        )
    path: Path | None = None
    if ignore_file:
        path = Path(ignore_file)
        path = path if path.is_absolute() else Path(base_dir or source_dir) / path
    if style == "gitignore":
        return _gitignore_rules(source_dir, path, extra_ignores)
    lines = read_ignore_lines(path) if path else None
    patterns = [pattern for _, pattern in lines or []]
    patterns.extend(extra_ignores)
    patterns.append(LAMBHERD_DIR_PATTERN)
    patterns.extend(lambherd_sidecar_names())
    warnings = _gitignore_syntax_warnings(path.name, lines) if path and lines else []
    source = path.name if path else "ignore pattern"
    return WildcardRules(tuple(patterns), source, tuple(warnings), lines is not None)


def _gitignore_rules(source_dir: Path, path: Path | None, extra: Iterable[str]) -> IgnoreRules:
    patterns = list(GITIGNORE_DEFAULT_EXCLUDES)
    source = "ignore pattern"
    if path is not None:
        patterns.extend(_self_pattern(source_dir, path))
        patterns.extend(read_ignore_file(path))
        source = path.name
    patterns.extend(extra)
    return IgnoreRules(tuple(patterns), source)


def _gitignore_syntax_warnings(name: str, lines: list[tuple[int, str]]) -> list[str]:
    """Lines written for gitignore that lambroll's wildcard reads differently (never refused:
    lambroll takes them silently, so the zip stays lambroll's)."""
    warnings = []
    for number, pattern in lines:
        reason = None
        if pattern.startswith("!"):
            reason = "`!` re-includes nothing here (lambroll has no negation)"
        elif pattern.endswith("/"):
            reason = f"a trailing / matches no file (for a folder write `{pattern}*`)"
        elif pattern.startswith("/"):
            reason = f"paths have no leading / (write `{pattern.lstrip('/')}`)"
        elif "**" in pattern:
            reason = "`**` is just `*` here (`*` already crosses /)"
        elif "[" in pattern:
            reason = "`[...]` is not a character class here; it matches itself"
        if reason:
            warnings.append(
                f"{name}: line {number}: {pattern!r} looks like gitignore syntax: {reason}; "
                'lambroll matches it so too (ignore_style = "gitignore" reads gitignore syntax)'
            )
    return warnings


def _self_pattern(source_dir: Path, ignore_path: Path) -> list[str]:
    """An anchored pattern leaving a custom-named ignore file inside the source out."""
    try:
        rel = ignore_path.resolve().relative_to(source_dir.resolve()).as_posix()
    except (ValueError, OSError):
        return []
    return ["/" + re.sub(r"([\\*?\[\]!#])", r"\\\1", rel)]


def unlisted_defaults(rules: Rules, names: Iterable[str]) -> list[str]:
    """Root files in ``names`` that lambroll's defaults would leave out but ``rules`` keep
    (for the warning when a folder has no ignore file)."""
    found = []
    for name in names:
        listed = any(wildcard_match(p, name) for p in LAMBROLL_DEFAULT_EXCLUDES)
        if listed and not rules.ignores_file(name):
            found.append(name)
    return found
