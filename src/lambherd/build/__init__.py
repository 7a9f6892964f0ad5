"""Dependency builds: a function's requirements installed for Lambda's platform, cached.

    find_dependencies(folder) -> DependencySpec | None      requirements.txt / pyproject.toml
    build_function(folder, config) -> BuildResult           install into .lambherd/build/ (cached)

Modules: ``requirements`` (what to install, for which platform), ``installer`` (uv or pip),
``cache`` (keys, the shared cache, the per-folder stamp), ``builder`` (the pipeline).
"""

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
