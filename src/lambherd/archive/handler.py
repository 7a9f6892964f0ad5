"""Where the Handler's module is in the package deploy uploads — the one finder behind
``validate``, ``deploy``/``plan``, ``local`` and ``lint`` (LH002), so they cannot disagree.

    find_handler_module(config, names, source_dir) -> HandlerModule | None
    check_handler_in_package(defn, source=None, layer_dirs=()) -> HandlerProblem | None

The package is the file list ``collect_package`` walks with deploy's options
(``function_package.package_options``): ``.lambdaignore`` applied, lambroll's symlink rule (a link
to a file ships the file's content wherever it is; a link to a folder, a broken or an absolute
link is skipped), the dependency build merged at the root. Lambda imports the Handler's module
from that package, so a module that is not in it fails every invocation
(Runtime.ImportModuleError) while the deploy itself succeeds: an error, unless the module may
come from a layer (``Layers`` set, or ``local --layer-dir``), then a warning.

Handlers: Python ``mod.fn``, ``pkg.mod.fn``, ``pkg/mod.fn`` (pkg/mod.py or pkg/mod/__init__.py,
or a compiled pkg/mod.*.so); Node.js ``index.handler``, ``src/index.handler`` (.js, .mjs, .cjs;
a TypeScript source without its JavaScript is named as such).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambherd.archive.build import PackageListing
    from lambherd.archive.tree import SourceEntry
    from lambherd.definition import FunctionDefinition

PY_SUFFIXES = (".py",)
JS_SUFFIXES = (".js", ".mjs", ".cjs")
TS_SUFFIXES = (".ts", ".mts", ".cts")
_COMPILED = (".so", ".pyd")


@dataclass(frozen=True)
class HandlerModule:
    """Where the Handler's module is: the arcnames tried, the one found, the file to read."""

    language: str  # python | node
    module: str
    function: str
    candidates: tuple[str, ...]
    arcname: str | None = None
    path: Path | None = None  # the file analysed: the packaged one, or its TypeScript source
    typescript_source: Path | None = None  # a .ts file beside a missing .js


@dataclass(frozen=True)
class HandlerProblem:
    """The Handler's module is not in the package: what to say, and whether it is an error
    (a warning when a layer may bring the module)."""

    message: str
    error: bool


def handler_language(config: dict[str, Any]) -> str:
    """``python``, ``node``, or '' (another runtime, or a container image: nothing to find)."""
    code = config.get("Code")
    if config.get("PackageType") == "Image" or (isinstance(code, dict) and "ImageUri" in code):
        return ""
    runtime = config.get("Runtime")
    if not isinstance(runtime, str):
        return ""
    if runtime.startswith("python"):
        return "python"
    return "node" if runtime.startswith("nodejs") else ""


def find_handler_module(
    config: dict[str, Any],
    entries: Iterable[SourceEntry],
    source_dir: Path,
) -> HandlerModule | None:
    """Where the Handler's module is among the package's ``entries`` (None: not a Python or
    Node.js zip function, or no ``module.function`` Handler)."""
    handler = config.get("Handler")
    language = handler_language(config)
    if not language or not isinstance(handler, str) or "." not in handler:
        return None
    by_name = {e.arcname: e for e in entries}
    module, _, function = handler.rpartition(".")
    if language == "python":
        rel = module.replace(".", "/")
        candidates: tuple[str, ...] = (f"{rel}.py", f"{rel}/__init__.py")
    else:
        rel = module
        candidates = tuple(rel + s for s in JS_SUFFIXES)
    found = next((c for c in candidates if c in by_name), None)
    if found is None and language == "python":
        prefix = rel + "."
        found = next(
            (n for n in sorted(by_name) if n.startswith(prefix) and n.endswith(_COMPILED)), None
        )
    path = Path(by_name[found].path) if found is not None else None
    ts_source = None
    if language == "node":
        ts_source = next(
            (source_dir / (rel + s) for s in TS_SUFFIXES if (source_dir / (rel + s)).is_file()),
            None,
        )
        if path is None and ts_source is not None:
            path = ts_source
    return HandlerModule(language, module, function, candidates, found, path, ts_source)


@dataclass(frozen=True)
class _ZipMember:
    """A file of a zip uploaded as it is (``--src x.zip``), as ``find_handler_module`` sees it."""

    arcname: str
    path: str


def check_handler_in_package(
    defn: FunctionDefinition,
    *,
    source: Path | None = None,
    layer_dirs: Collection[Path] = (),
    packaging: dict[str, Any] | None = None,
    listing: PackageListing | None = None,
) -> HandlerProblem | None:
    """None when the Handler's module is in the package deploy would upload for ``defn``
    (from ``source``, deploy's ``--src``: a folder, or a zip uploaded as it is, when given;
    ``packaging``: the deploy's ignore and symlink options); else what is wrong, and why.
    ``listing``: ``function_listing``'s walk of that package (made with those options; the
    deploy hands it on to its code identity), else the package is walked here."""
    from lambherd.archive.build import collect_package
    from lambherd.archive.function_package import package_options

    if not handler_language(defn.config):
        return None
    folder = source or defn.source_dir
    if folder.is_file():
        return _check_zip(defn, folder, layer_dirs)
    if not folder.is_dir():
        return None  # reported by the packaging itself
    options = package_options(defn, source, **(packaging or {}))
    if listing is not None and listing.fits(folder, options):
        rules, tree = listing.rules, listing.tree
    else:
        rules, tree = collect_package(folder, **options)
    where = find_handler_module(defn.config, tree.entries, folder)
    if where is None or where.arcname is not None:
        return None
    tried = ", ".join(where.candidates)
    head = f"{defn.display_path}: Handler: module {where.module} is not in the package"
    if where.typescript_source is not None:
        rel = where.typescript_source.relative_to(folder).as_posix()
        why = f"{rel} is TypeScript; Lambda runs the compiled JavaScript ({tried})"
    else:
        why = f"looked for {tried}" + _why_missing(where.candidates, folder, rules, tree)
    layered = bool(defn.config.get("Layers")) or bool(layer_dirs)
    if layered and where.typescript_source is None:
        return HandlerProblem(f"{head} ({why}); it may come from a layer", error=False)
    frm = f" from {folder}" if source is not None else ""
    return HandlerProblem(f"{head} deploy would upload{frm} ({why})", error=True)


def _check_zip(
    defn: FunctionDefinition, archive: Path, layer_dirs: Collection[Path]
) -> HandlerProblem | None:
    """The Handler's module in a zip deployed as it is (an unreadable zip is the code identity's
    to refuse, with its own message)."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zf:
            members = [_ZipMember(n, str(archive)) for n in zf.namelist() if not n.endswith("/")]
    except (OSError, zipfile.BadZipFile):
        return None
    where = find_handler_module(defn.config, members, archive.parent)
    if where is None or where.arcname is not None:
        return None
    head = f"{defn.display_path}: Handler: module {where.module} is not in {archive}"
    why = "looked for " + ", ".join(where.candidates)
    if defn.config.get("Layers") or layer_dirs:
        return HandlerProblem(f"{head} ({why}); it may come from a layer", error=False)
    return HandlerProblem(f"{head} ({why})", error=True)


def _why_missing(candidates: tuple[str, ...], folder: Path, rules: Any, tree: Any) -> str:
    """Why a module file the folder seems to have is not packaged: a skipped link on its way,
    or the ignore file leaving it out."""
    for candidate in candidates:
        for link in tree.skipped_links:
            if candidate == link or candidate.startswith(link + "/"):
                return (
                    f"; {link} is a symlink the zip skips (a link to a folder, a broken or an "
                    "absolute link, as lambroll does): link the files, or copy the folder in"
                )
    for candidate in candidates:
        if (folder / candidate).is_file():
            return f"; {candidate} is in the folder but {rules.source} leaves it out"
    return ""
