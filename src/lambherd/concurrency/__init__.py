"""Concurrency and scaling as code (issue #14): concurrency.json, its rules, and what reads it.

The concern follows CONTRIBUTING's recipe (one line in each of the four registries):

  definition/sidecars.py      ``Sidecar("concurrency", ("concurrency.json", ...jsonnet))``
  plan/concurrency_planner.py its remote part's shape, its step types and ``CONCERN``
  pipeline/remote_concurrency.py
                              ``PART``: reserved, provisioned configs, scalable targets, scheduled
                              actions and scaling policies of the aliases the file names
  apply/handlers/concurrency.py
                              the handlers (Lambda and Application Auto Scaling calls; the waits
                              for READY with progress events)

This package holds what they share, all pure (no AWS):

  model.py       concurrency.json parsed into typed values (absent = unmanaged, null = remove),
                 and back into a document (what ``init --download`` / ``import --all`` write)
  schedules.py   Application Auto Scaling schedule expressions: ``cron(...)``, ``rate(...)``,
                 ``at(...)`` parsed as AWS documents them, and their next occurrences in an IANA
                 time zone between StartTime and EndTime
  rules.py       every check, in one place: the file's own (before anything is read) and the
                 account's (after the read, before any mutating call): the 100 unreserved the
                 account keeps, provisioned <= reserved, never on $LATEST, max capacity within
                 what the account allows; each problem one line with its numbers
  documents.py   documents from what AWS reports: the file an import writes, and the two sides
                 ``diff`` shows (equal exactly when the planner plans nothing)
  view.py        ``lambherd concurrency``'s pure part: rows, flags (throttled, reserved never
                 used, provisioned utilisation under 30 % / over 90 %), next scheduled actions

Commands: ``services/concurrency.py`` (account/project view, quota request and status through
Service Quotas) behind ``cli/concurrency.py``. The sandbox serves it all with rooms of its own
(``sandbox/autoscaling.py``, ``sandbox/service_quotas.py``, ``sandbox/provisioned.py``).
"""
