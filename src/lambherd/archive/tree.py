"""Walk the source folder (and extra trees) into the sorted list of zip entries.

Symlinks: with ``follow_symlinks`` a link to a file or folder inside its tree is followed (the
content is stored under the link's name); a link whose resolved target lies outside the tree,
a broken link and a folder link back to one of its own ancestors (a loop) are skipped with a
warning. With ``store_symlinks`` every link is stored as a link (its target as data) unless its
target, read relative to the link, leaves the tree (skipped with a warning). Sockets, FIFOs
and devices are skipped with a warning. Empty folders are not stored (the zip has no directory
entries).
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lambherd.archive.ignore import IgnoreRules
from lambherd.errors import ArchiveError


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One file of the zip: its name in the archive and where its bytes come from."""

    arcname: str
    path: str
    size: int
    executable: bool = False
    link_target: str | None = None


@dataclass
class SourceTree:
    """The entries of a zip (sorted by name) and the warnings met while walking."""

    entries: list[SourceEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def collect_tree(
    roots: Iterable[Path],
    rules: IgnoreRules,
    *,
    follow_symlinks: bool = True,
    store_symlinks: bool = False,
    skip_paths: Iterable[Path] = (),
) -> SourceTree:
    """Entries of all ``roots`` merged at the zip root; the first root holding a name wins."""
    walker = _Walker(
        rules,
        follow=follow_symlinks,
        store=store_symlinks,
        skip={os.path.realpath(p) for p in skip_paths},
    )
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            raise ArchiveError(f"{root}: not a folder")
        walker.walk_root(root)
    tree = SourceTree(sorted(walker.found.values(), key=lambda e: e.arcname), walker.warnings)
    if walker.shadowed:
        tree.warnings.append(
            f"{walker.shadowed} path(s) of later trees shadowed by earlier ones "
            f"(e.g. {walker.first_shadowed})"
        )
    return tree


class _Walker:
    def __init__(self, rules: IgnoreRules, *, follow: bool, store: bool, skip: set[str]) -> None:
        self.rules = rules
        self.follow = follow
        self.store = store
        self.skip = skip
        self.found: dict[str, SourceEntry] = {}
        self.warnings: list[str] = []
        self.shadowed = 0
        self.first_shadowed = ""

    def walk_root(self, root: Path) -> None:
        root_real = os.path.realpath(root)
        self._walk(str(root), root_real, "", root_real, frozenset({root_real}))

    def _add(self, entry: SourceEntry) -> None:
        if entry.arcname in self.found:
            self.shadowed += 1
            self.first_shadowed = self.first_shadowed or entry.arcname
            return
        self.found[entry.arcname] = entry

    def _walk(
        self, path: str, root_real: str, prefix: str, real: str, ancestors: frozenset[str]
    ) -> None:
        try:
            with os.scandir(path) as it:
                items = list(it)
        except OSError as exc:
            raise ArchiveError(f"{prefix or '.'}: cannot read folder: {exc.strerror}") from exc
        for item in items:
            rel = prefix + item.name
            try:
                if item.is_symlink():
                    self._link(item, rel, root_real, ancestors)
                elif item.is_dir(follow_symlinks=False):
                    if not self.rules.ignores_dir(rel):
                        sub_real = os.path.join(real, item.name)
                        self._walk(item.path, root_real, rel + "/", sub_real, ancestors)
                elif item.is_file(follow_symlinks=False):
                    if not self.rules.ignores_file(rel):
                        if os.path.join(real, item.name) in self.skip:
                            continue
                        self._file(rel, item.path, item.stat(follow_symlinks=False))
                elif not self.rules.ignores_file(rel):
                    self.warnings.append(f"{rel}: not a regular file, skipped")
            except OSError as exc:
                raise ArchiveError(f"{rel}: cannot read: {exc.strerror}") from exc

    def _file(self, rel: str, path: str, st: os.stat_result) -> None:
        self._add(SourceEntry(rel, path, st.st_size, bool(st.st_mode & 0o111)))

    def _link(
        self, item: os.DirEntry[str], rel: str, root_real: str, ancestors: frozenset[str]
    ) -> None:
        if self.store:
            self._stored_link(item, rel, root_real)
            return
        if not self.follow:
            if not self.rules.ignores_file(rel):
                self.warnings.append(f"{rel}: symlink skipped (not following links)")
            return
        target = os.path.realpath(item.path)
        if not within(target, root_real):
            if not self.rules.ignores_file(rel):
                self.warnings.append(
                    f"{rel}: symlink to {os.readlink(item.path)} leaves the source, skipped"
                )
            return
        try:
            st = os.stat(target)
        except OSError:
            if not self.rules.ignores_file(rel):
                self.warnings.append(f"{rel}: broken symlink, skipped")
            return
        if stat.S_ISDIR(st.st_mode):
            if self.rules.ignores_dir(rel):
                return
            if target in ancestors:
                self.warnings.append(f"{rel}: symlink loop (points to its own parent), skipped")
                return
            self._walk(item.path, root_real, rel + "/", target, ancestors | {target})
        elif stat.S_ISREG(st.st_mode):
            if not self.rules.ignores_file(rel) and target not in self.skip:
                self._file(rel, target, st)
        elif not self.rules.ignores_file(rel):
            self.warnings.append(f"{rel}: symlink to a non-regular file, skipped")

    def _stored_link(self, item: os.DirEntry[str], rel: str, root_real: str) -> None:
        if self.rules.ignores_file(rel) or self.rules.ignores_dir(rel):
            return
        target = os.readlink(item.path)
        if link_leaves(rel, target):
            self.warnings.append(f"{rel}: symlink to {target} leaves the source, skipped")
            return
        data = os.fsencode(target)
        self._add(SourceEntry(rel, item.path, len(data), link_target=target))


def within(path: str, root: str) -> bool:
    """True when the real path ``path`` is ``root`` or lies under it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def link_leaves(rel: str, target: str) -> bool:
    """True when a symlink at ``rel`` (relative to the tree's root) pointing to ``target``
    leads out of the tree: an absolute target, or one climbing above the root."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
    return posixpath.isabs(target) or joined == ".." or joined.startswith("../")
