"""``lambherd lint``: the field notes' lessons as checks over definitions, code and packages.

registry     the table of checks (``@check``), ``all_checks()``, ``get_check(id)``
checks/      the checks: definition, code, package, config, live
context      FunctionContext: what a check reads about one function, loaded lazily
pycode       Python handlers (ast); jscode: JavaScript/TypeScript handlers (tree-sitter)
package      the deploy zip's file list (from lambherd.archive) and its sizes
live         ``--live``: what AWS reports; measure: ``--measure``, Init Duration locally
settings     ``[lint]`` in lambherd.toml; suppress: ``# lambherd: ignore[ID]``
runner       run the checks over functions in parallel -> LintReport
formats      text, JSON and SARIF 2.1.0
"""

from lambherd.lint.model import Check, Finding, FunctionReport, LintReport, Severity

__all__ = ["Check", "Finding", "FunctionReport", "LintReport", "Severity"]
