"""Triggers as code: what lets other services invoke a function, in four sidecar files.

  event_sources.json   event source mappings (SQS, Kinesis, DynamoDB Streams, MSK and
                       self-managed Kafka, Amazon MQ, DocumentDB): CreateEventSourceMapping inputs
  event_invoke.json    asynchronous invocation settings per qualifier (retries, event age,
                       destinations) and the recursive-loop setting
  permissions.json     resource-policy statements letting other services or accounts invoke it
  schedules.json       EventBridge Scheduler schedules targeting the function

The pure parts live here (no AWS, no boto3): the files' shapes and their typed loaders
(``files``), the event source types with Lambda's limits and the defaults it reports
(``sources``), the filter-pattern grammar (``filter_patterns``), schedule expressions and their
occurrences in a time zone (``schedule_expressions``), every check made before the first call
(``validation``) and what lambherd owns (``ownership``). The planners are
``lambherd.plan.{event_sources,event_invoke,permissions,schedules}_planner`` (statement matching
shared with the URL grants in ``lambherd.plan.policy``), the remote parts
``lambherd.pipeline.remote_*``, the handlers ``lambherd.apply.handlers.*``; import writes the
files through ``lambherd.importing.triggers``; the sandbox delivers events in its own rooms.
"""
