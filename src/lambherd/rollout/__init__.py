"""Safe rollouts: an alias moved to a new version in steps (canary, linear) through weighted
routing (``RoutingConfig.AdditionalVersionWeights``), with health gates between the steps and
an automatic rollback — the Lambda API alone, no CodeDeploy.

A rollout is how the alias moves, so it is the ``rollout`` concern of the one deploy pipeline
(``plan/rollout_planner.py``), planned right after the versions concern: that one publishes and
decides which version the alias should serve (``ctx.decided["versions"]``); this one decides
how the alias gets there (all at once, as before, or in steps) and prunes old versions once it
has. ``plan`` and ``deploy --dry-run`` show the steps; the executor runs them.

The pure parts live here:

  strategy.py   the strategies: ``all-at-once``, SAM's names (``Canary10Percent5Minutes``...),
                short forms (``canary10-5m``, ``linear10-1m``) and ``canary:PCT:INTERVAL`` /
                ``linear:PCT:INTERVAL``; the weights each one goes through
  gates.py      the gate settings (the ``rollout`` table of lambherd.toml, command-line flags)
                and the judgement of what a gate saw (error rate, throttles, p99, alarms)
  marker.py     the rollout marker kept in the alias's Description, so ``rollout status`` reads
                a running or interrupted rollout from the alias itself, from any machine
  evidence.py   what the gates read from AWS: CloudWatch metrics of the new and old version
                (``ExecutedVersion``), their REPORT lines (how far the metrics have caught up),
                alarm states

and around them: ``apply/handlers/rollout.py`` (shift, bake, tests, roll back),
``pipeline/rollout_checks.py`` (read-only checks before any mutating call: alarms exist, test
cases load), ``services/rollout.py`` + ``cli/rollout.py`` (``rollout status/abort/resume``),
``sandbox/alarms.py`` (the sandbox evaluates CloudWatch alarms against the metrics it writes).
"""
