"""The embedded local AWS: moto's control plane plus lambherd's Lambda layer (invokes run locally).

Process and state
  process.py        start (detached) / stop / status / reset of the server process
  locations.py      where a sandbox lives: port, state folder (0700), pid file, health check
  server.py         the server process: loads the saved state, then serves on 127.0.0.1
  http_server.py    werkzeug's threaded server with keep-alive connections and a bounded drain
  state_store.py    the state across restarts: snapshot + short journal tail + blobs; sequence
                    numbers; snapshots when the tail grows and at a clean stop (see below)
  snapshots.py      the snapshot file; the registry of stateful rooms (``app.state.rooms``)
  state_pickle.py   moto's object graph as bytes (locks, weak dicts, local functions, blobs)
  persistence.py    the control-plane journal (numbered, fsync'd, credentials never kept)
  blobs.py          code zips, S3 bodies, large request bodies: once each, by SHA-256
  statefiles.py     private (0600/0700), atomic (temp + fsync + rename) files; JSON lines
  recorder.py       API calls serialised by botocore into requests the sandbox serves itself
  clock.py          the sandbox's "now": wall time plus a persisted offset (POST /_lambherd/clock)
  scheduler.py      jobs run when sandbox time passes their time (background, or at a clock move)
HTTP
  dispatcher.py     the WSGI stack: our endpoints, function URLs, the Lambda layer, moto; journals
  guard.py          refuses foreign Hosts, browsers on control endpoints and APIs, unsigned API
                    calls; presigned Code.Location URLs
  sigv4.py          SigV4 signatures of AWS_IAM function URL requests, verified
  wire.py           Lambda REST routes, error/ok responses, JSON rewriting, time formats
  wsgi_io.py        request bodies read once, SDK gzip bodies, one request run through an app
  function_url.py   function URLs served on the sandbox's port (payload format 2.0; the
                    translation is local/function_urls.py, shared with `local start`)
  url_cors.py       CORS of function URLs (preflights answered, headers from the config)
  stream_invoke.py  InvokeWithResponseStream: the function's writes as an event stream
  layer_content.py  layer versions' Content.Location served, GetLayerVersionByArn
moto (nothing else imports it; moto_events.py is its other side, below)
  moto_facade.py    moto's backends and model fields, per function; our per-function state
  moto_state.py     moto as a whole: its WSGI app (dispatch cached), its clock, every backend
                    (for snapshots), CloudWatch writes without a request
  moto_cloudwatch.py  moto's metric series read and listed by exact dimension set
  state.py          FunctionKey (account, region, name), FunctionState and the facade's snapshots
The Lambda layer: lambda_ext.py dispatches a Lambda request to its rooms
  revisions.py      RevisionIds: deterministic, enforced, changed by every change
  versions.py       version numbers never reused, new versions stamped, alias routing weights
  concurrency.py    reserved concurrency and the unreserved floor, account settings
  provisioned.py    provisioned configs allocated as pre-warmed environments (IN_PROGRESS ->
                    READY / FAILED), alias moves as Lambda does them (old version serves meanwhile)
  url_configs.py    function URL ids, the addresses reported, their times, ListFunctionUrlConfigs
  policy.py         resource policies: RevisionId checked by us, reported by GetPolicy
  roles.py          a missing execution role is created
  configurations.py fields moto drops, RevisionIds and Code.Location merged into its answers
  invoker.py        the Invoke API: the invoked version's code run by the local emulator
Triggers (triggers.py puts them together; the dispatcher calls it first)
  moto_events.py    moto's queues, stream records, schedules, and its lambda-protocol SNS
                    delivery taken over (the facade's events side)
  event_source_mappings.py  the mappings API and states (moto never sees a mapping)
  mapping_checks.py what Lambda refuses in a mapping
  sqs_delivery.py   SQS -> Lambda: batches, partial failures, visibility, redrive, concurrency
  stream_delivery.py DynamoDB Streams and Kinesis -> Lambda, in order per shard
  mapping_workers.py one thread per event source mapping (the SQS poller's and the readers')
  event_invoke_configs.py async configurations per qualifier, the recursion setting
  async_invokes.py  Event invocations: retries on the sandbox clock, destinations' records
  destinations.py   records sent to SQS, SNS, Lambda, EventBridge or S3
  sns_delivery.py   SNS -> Lambda: the SNS event, the resource policy checked, the async path;
                    refusals to the subscription's dead-letter queue and the health warnings
  schedule_runner.py EventBridge Scheduler schedules fired on the sandbox clock
Application Auto Scaling and Service Quotas (in front of moto)
  autoscaling.py    Lambda targets checked, kept in range; DeregisterScalableTarget takes its
                    actions and policies; DescribeScalingActivities
  scheduled_actions.py  scheduled actions run when sandbox time reaches them (cron/rate/at, zone)
  target_tracking.py    target tracking evaluated each sandbox minute on the utilisation metric
  service_quotas.py Lambda's quotas and increase requests with their states
CloudWatch
  telemetry.py      invocation logs and metrics (provisioned ones too) into the sandbox's CloudWatch
  cloudwatch_ext.py percentile statistics (p50, p99...) for GetMetricData, which moto lacks
  logs_ext.py       CloudWatch Logs creation/ingestion times stamped with the request's
  alarms.py         metric alarms evaluated against the metrics the sandbox holds (moto does not)
Price List
  pricing.py        the Price List Query API (GetProducts, DescribeServices) from the shipped table

A room's state across restarts (read this before adding a room)
  State kept in moto (functions, S3 objects, alarms, scalable targets, queues...) needs
  nothing: every moto backend is in the snapshot, and requests since are in the journal.
  State a room keeps itself (a dict of its own, a counter) is registered once, where the app
  builds the room (``SandboxApp.__init__``):

      app.state.rooms.register("autoscaling", room)   # app.state is None with journal=False

  Registered: functions (the facade), revisions, url-configs, telemetry, alarms, provisioned
  (the functions with configs), quota-requests, autoscaling (regions, activities),
  target-tracking (cooldowns), event-source-mappings (with their state and stream positions),
  async-invokes (pending events, their attempts and retry times) and schedules (origins; the
  schedules are moto's); the trigger rooms register in ``TriggerRooms.__init__``.

  ``room.snapshot() -> dict`` returns JSON data (checked with json.dumps) and is called under
  ``app.write_lock``; ``room.restore(doc)`` gets it back at start, before the journal tail is
  replayed (only when the snapshot has the room's entry: a new room starts empty). Change that
  state while holding ``app.write_lock`` (requests do) so a snapshot never sees half a change.
  A request that changed it is replayed from the journal like any other (ids must be derived
  deterministically, times from ``persistence.request_time(environ)``). State changed outside a
  request (a scheduler job, a poller) is kept by the next snapshot; to make it durable at
  once, have the change go through ``app.submit(...)`` (a journaled request).
  ``app.state.rooms.after_restore(callback)`` runs once everything is loaded: re-arm scheduler
  jobs from restored state there (idempotently). Replayed requests carry
  ``persistence.REPLAY_ENVIRON_KEY`` and have no signature: request guards must let them pass.
  tests/test_sandbox_room_state.py walks the rooms the app builds and fails on a dict, list or
  set that is neither in a registered room nor named there as transient (a cache, threads).
"""

from __future__ import annotations

from lambherd.sandbox.process import (
    SandboxStatus,
    default_port,
    default_state_dir,
    ensure_running,
    reset,
    start_background,
    status,
    stop,
)

__all__ = [
    "SandboxStatus",
    "default_port",
    "default_state_dir",
    "ensure_running",
    "reset",
    "start_background",
    "status",
    "stop",
]
