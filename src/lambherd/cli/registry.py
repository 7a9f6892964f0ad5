"""Which module defines each command, and its one-line summary (for fast ``--help``)."""

from __future__ import annotations

#: name -> (module under lambherd.cli, summary). Each module defines ``command``.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "Import an existing function as code, or scaffold a new one."),
    "list": ("list", "List the functions in the account and region."),
    "render": ("render", "Print the evaluated definition."),
    "validate": ("validate", "Check definitions against the Lambda API model and limits."),
    "lint": ("lint", "Check functions against the field notes: init reuse, package, timeouts."),
    "archive": ("archive", "Build the deterministic zip of the function's code."),
    "deploy": ("deploy", "Deploy the function: configuration, code, version, alias, URL, tags."),
    "plan": ("plan", "Show what a deploy would change: a changeset for a whole project."),
    "build": ("build", "Install Python dependencies for Lambda's platform (cached)."),
    "import": ("import_all", "Import every function of the account into a project (--all)."),
    "diff": ("diff", "Show the differences between the definition and the deployed function."),
    "rollback": ("rollback", "Move the alias back to an older version."),
    "versions": ("versions", "List published versions; delete old ones."),
    "status": ("status", "Show the deployed function's state, aliases and URL."),
    "delete": ("delete", "Delete the function."),
    "invoke": ("invoke", "Invoke the deployed function."),
    "logs": ("logs", "Print or follow the function's CloudWatch Logs."),
    "metrics": ("metrics", "Invocations, errors, throttles, durations and concurrency."),
    "cost": ("cost", "Estimate a month of the bill, every price line; what-ifs."),
    "tune": ("tune", "Power tuning: run the function at several memory sizes, pick the best."),
    "test": ("test", "Run tests.yaml cases against the deployed function."),
    "local": ("local", "Run the function locally: local invoke / local start (no Docker)."),
    "sandbox": ("sandbox", "The embedded local AWS: sandbox start / stop / status / reset."),
    "concurrency": ("concurrency", "Account and per-function concurrency; quota requests."),
    "rollout": ("rollout", "Rollouts in progress: rollout status / abort / resume."),
}
