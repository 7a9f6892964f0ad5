"""Dependency builds: a function's requirements installed for Lambda's platform, cached.

    find_dependencies(folder) -> DependencySpec | None      requirements.txt / pyproject.toml
    build_function(folder, config) -> BuildResult           install into .lambherd/build/ (cached)

Modules: ``requirements`` (what to install, for which platform), ``installer`` (uv or pip),
``cache`` (keys, the shared cache, the per-folder stamp), ``builder`` (the pipeline).

The names below are loaded on first use: packaging a function that has no build reads only
``cache.build_dir`` and does not pay for the builder and its installers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambherd.lazy import lazy_names

if TYPE_CHECKING:
    from lambherd.build.builder import BUILD_FIELDS, BuildResult, build_function
    from lambherd.build.cache import BUILD_DIR, build_dir
    from lambherd.build.requirements import DependencySpec, find_dependencies

__all__ = [
    "BUILD_DIR",
    "BUILD_FIELDS",
    "BuildResult",
    "DependencySpec",
    "build_dir",
    "build_function",
    "find_dependencies",
]

_HOMES = {
    "BUILD_FIELDS": "lambherd.build.builder",
    "BuildResult": "lambherd.build.result",
    "build_function": "lambherd.build.builder",
    "BUILD_DIR": "lambherd.build.cache",
    "build_dir": "lambherd.build.cache",
    "DependencySpec": "lambherd.build.requirements",
    "find_dependencies": "lambherd.build.requirements",
}


__getattr__ = lazy_names(__name__, _HOMES)
