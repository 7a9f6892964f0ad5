"""Walk the source folder (and extra trees) into the sorted list of zip entries.

Symlinks as lambroll (archive.go) treats them. By default (``follow_symlinks``) a link to a
file is stored with the file's content under the link's name, wherever the file lives: a link
out of the source (``app.py -> ../shared/app.py``) is packaged. The target is read as lambroll
reads it, ``filepath.Join(folder of the link, target)``: ``..`` lexically, and an absolute
target under the link's folder (so it is usually not found). A link to a folder (never entered:
lambroll walks with WalkDir), a broken link or one to a non-file is skipped with a warning and
listed in ``SourceTree.skipped_links``. With ``store_symlinks`` (``--symlink``) every link is
stored as a link, its target as data; one that leads out of the package is kept too, with a
warning (it dangles in Lambda). ``follow_symlinks=False`` skips every link. Sockets, FIFOs and
devices are skipped with a warning (lambroll would try to read them). Empty folders are not
stored (the zip has no directory entries).
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lambherd.archive.ignore import Rules
from lambherd.errors import ArchiveError

#: Folders are listed through descriptors, their entries looked up relative to them.
_FD_WALK = os.scandir in os.supports_fd and os.stat in os.supports_dir_fd
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class SourceEntry(NamedTuple):
    """One file of the zip: its name in the archive and where its bytes come from.

    A named tuple, not a dataclass: a walk makes one per file (~20,000 for a 240 MB
    package) and a tuple is built in C, a frozen dataclass attribute by attribute."""

    arcname: str
    path: str
    size: int
    executable: bool = False
    link_target: str | None = None
    #: What the walk saw of the file (``stamp_of``): the code manifest recognises it by this.
    stamp: tuple[int, int, int, int, int, int] | None = None


@dataclass
class SourceTree:
    """The entries of a zip (sorted by name) and the warnings met while walking."""

    entries: list[SourceEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_links: list[str] = field(default_factory=list)


def collect_tree(
    roots: Iterable[Path],
    rules: Rules,
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
    found = walker.found
    entries = [found[name] for name in sorted(found)]  # (sorting the names alone is faster)
    tree = SourceTree(entries, walker.warnings, sorted(walker.skipped_links))
    if walker.shadowed:
        tree.warnings.append(
            f"{walker.shadowed} path(s) of later trees shadowed by earlier ones "
            f"(e.g. {walker.first_shadowed})"
        )
    return tree


class _Walker:
    def __init__(self, rules: Rules, *, follow: bool, store: bool, skip: set[str]) -> None:
        self.rules = rules
        self.follow = follow
        self.store = store
        self.skip = skip
        self.found: dict[str, SourceEntry] = {}
        self.warnings: list[str] = []
        self.skipped_links: list[str] = []
        self.shadowed = 0
        self.first_shadowed = ""

    def walk_root(self, root: Path) -> None:
        self._walk(str(root), "", os.path.realpath(root), None, "")

    def _add(self, entry: SourceEntry) -> None:
        if entry.arcname in self.found:
            self.shadowed += 1
            self.first_shadowed = self.first_shadowed or entry.arcname
            return
        self.found[entry.arcname] = entry

    def _walk(self, path: str, prefix: str, real: str, dir_fd: int | None, name: str) -> None:
        """Folders are entered only when they are folders, never through a link (WalkDir).

        Where the platform allows it a folder is listed through its descriptor, and its
        files are stat'ed and its folders opened relative to it: one name looked up per
        file, not its whole path (a walk of ~19,000 files is mostly these lookups). ``name``:
        the folder's own name in its parent (``dir_fd``); ``real``: its real path, kept only
        when some paths are left out (``skip``), the one thing that reads it."""
        fd = None
        try:
            if _FD_WALK:
                if dir_fd is None:
                    fd = os.open(path, _DIR_FLAGS)
                else:  # never through a link swapped in since the listing
                    fd = os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=dir_fd)
                with os.scandir(fd) as it:
                    items = list(it)
            else:
                with os.scandir(path) as it:
                    items = list(it)
        except OSError as exc:
            if fd is not None:
                os.close(fd)
            raise ArchiveError(f"{prefix or '.'}: cannot read folder: {exc.strerror}") from exc
        try:
            self._entries(items, path + os.sep, prefix, real, fd)
        finally:
            if fd is not None:
                os.close(fd)

    def _entries(
        self, items: list[os.DirEntry[str]], base: str, prefix: str, real: str, fd: int | None
    ) -> None:
        rules, skip, found = self.rules, self.skip, self.found
        ignores_file = rules.ignores_file
        for item in items:
            name = item.name
            rel = prefix + name
            try:
                # most entries are regular files: asked first (a link is none of the first two)
                if item.is_file(follow_symlinks=False):
                    if ignores_file(rel):
                        continue
                    if skip and os.path.join(real, name) in skip:
                        continue
                    st = item.stat(follow_symlinks=False)
                    if rel in found:
                        self._add(SourceEntry(rel, base + name, st.st_size))  # counted
                        continue
                    found[rel] = SourceEntry(
                        rel,
                        base + name,
                        st.st_size,
                        bool(st.st_mode & 0o111),
                        None,
                        (
                            st.st_size,
                            st.st_mtime_ns,
                            st.st_ctime_ns,
                            st.st_mode,
                            st.st_ino,
                            st.st_dev,
                        ),
                    )
                elif item.is_dir(follow_symlinks=False):
                    sub = os.path.join(real, name) if skip else ""
                    if skip and sub in skip:  # a folder left out whole
                        continue
                    if not rules.ignores_dir(rel):
                        self._walk(base + name, rel + "/", sub, fd, name)
                elif item.is_symlink():
                    self._link(base + name, rel)
                elif not ignores_file(rel):
                    self.warnings.append(f"{rel}: not a regular file, skipped")
            except OSError as exc:
                raise ArchiveError(f"{rel}: cannot read: {exc.strerror}") from exc

    def _file(self, rel: str, path: str, st: os.stat_result) -> None:
        self._add(SourceEntry(rel, path, st.st_size, bool(st.st_mode & 0o111), None, stamp_of(st)))

    def _link(self, path: str, rel: str) -> None:
        """lambroll's rule: without --symlink a link to a file is packaged with the file's
        content wherever the file lives (a link out of the folder included); a link to a
        folder, a broken link and (as lambroll joins it under the link's folder) most absolute
        links are skipped with a warning. With --symlink every link is stored as a link."""
        if self.rules.ignores_file(rel):
            return
        if self.store:
            self._stored_link(path, rel)
            return
        if not self.follow:
            self._skip_link(rel, "symlink skipped (not following links)")
            return
        link = os.readlink(path)
        target = go_join(os.path.dirname(path), link)
        try:
            st = os.stat(target)
        except OSError as exc:
            why = exc.strerror
            if os.path.isabs(link):
                why += " (as lambroll does, an absolute target is read under the link's folder)"
            self._skip_link(rel, f"symlink to {link} skipped: {why}")
            return
        if stat.S_ISDIR(st.st_mode):
            self._skip_link(
                rel, f"symlink to the folder {link} skipped, as lambroll does (--symlink keeps it)"
            )
        elif stat.S_ISREG(st.st_mode):
            if os.path.realpath(target) not in self.skip:
                self._file(rel, target, st)
        else:
            self._skip_link(rel, f"symlink to {link}, not a regular file, skipped")

    def _skip_link(self, rel: str, message: str) -> None:
        self.skipped_links.append(rel)
        self.warnings.append(f"{rel}: {message}")

    def _stored_link(self, path: str, rel: str) -> None:
        target = os.readlink(path)
        if link_leaves(rel, target):
            self.warnings.append(
                f"{rel}: stored as a link to {target}, outside the package (it dangles in Lambda)"
            )
        data = os.fsencode(target)
        self._add(SourceEntry(rel, path, len(data), link_target=target))


def stamp_of(st: os.stat_result) -> tuple[int, int, int, int, int, int]:
    """(size, mtime_ns, ctime_ns, mode, inode, device): what says a file is still the one
    hashed before, as git's index keeps it (see ``archive.manifest``)."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode, st.st_ino, st.st_dev)


def go_join(folder: str, link: str) -> str:
    """Go's ``filepath.Join(folder, link)``: joined as text and cleaned, so ``..`` is read
    lexically and an absolute ``link`` lands under ``folder`` (as lambroll follows links)."""
    return posixpath.normpath(folder + "/" + link) if folder else posixpath.normpath(link)


def within(path: str, root: str) -> bool:
    """True when the real path ``path`` is ``root`` or lies under it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def link_leaves(rel: str, target: str) -> bool:
    """True when a symlink at ``rel`` (relative to the tree's root) pointing to ``target``
    leads out of the tree: an absolute target, or one climbing above the root."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
    return posixpath.isabs(target) or joined == ".." or joined.startswith("../")
