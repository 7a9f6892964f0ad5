"""Every default in one table: what Lambda fills in when a field is left out (and what puts a
field back), and lambherd's own defaults.

Read from everywhere (the CLI, the planners, the local emulator, the sandbox), so it imports
nothing but the standard library. A value written here is written nowhere else.
"""

from __future__ import annotations

import copy
from typing import Any

# -- Lambda's defaults: what CreateFunction fills in ------------------------------------------
MEMORY_SIZE = 128  # MB
TIMEOUT = 3  # seconds
PACKAGE_TYPE = "Zip"
ARCHITECTURES = ("x86_64",)
EPHEMERAL_STORAGE = {"Size": 512}  # MB of /tmp
TRACING_CONFIG = {"Mode": "PassThrough"}
SNAP_START = {"ApplyOn": "None"}
LOG_FORMAT = "Text"
#: ApplicationLogLevel and SystemLogLevel when LogFormat is JSON.
JSON_LOG_LEVEL = "INFO"
#: A function URL's AuthType and InvokeMode when function_url.json leaves them out.
URL_AUTH_TYPE = "AWS_IAM"
URL_INVOKE_MODE = "BUFFERED"
#: Largest zip sent in the request itself (ZipFile); bigger ones go through S3.
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024
#: Lambda's limit on a function's INIT phase (the local emulator enforces it; lint warns near it).
INIT_TIMEOUT_S = 10.0

#: The value that puts a configuration field back to Lambda's default in
#: UpdateFunctionConfiguration (deploys are declarative: a field left out is reset).
RESET_VALUES: dict[str, Any] = {
    "Description": "",
    "MemorySize": MEMORY_SIZE,
    "Timeout": TIMEOUT,
    "Environment": {"Variables": {}},
    "Layers": [],
    "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": []},
    "DeadLetterConfig": {"TargetArn": ""},
    "KMSKeyArn": "",
    "TracingConfig": TRACING_CONFIG,
    "FileSystemConfigs": [],
    "EphemeralStorage": EPHEMERAL_STORAGE,
    "SnapStart": SNAP_START,
    "ImageConfig": {},
}


def log_group(function_name: str) -> str:
    """The log group Lambda writes a function's logs to unless LoggingConfig names another."""
    return f"/aws/lambda/{function_name}"


def lambda_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration values Lambda fills in when CreateFunction leaves them out.

    LoggingConfig's depend on the definition: the log group is named after the function (not
    for a function given by ARN), and LogFormat JSON adds the two log levels.
    """
    name = str(config.get("FunctionName", ""))
    defaults: dict[str, Any] = {
        "MemorySize": MEMORY_SIZE,
        "Timeout": TIMEOUT,
        "PackageType": PACKAGE_TYPE,
        "Architectures": list(ARCHITECTURES),
        "EphemeralStorage": copy.deepcopy(EPHEMERAL_STORAGE),
        "TracingConfig": copy.deepcopy(TRACING_CONFIG),
        "SnapStart": copy.deepcopy(SNAP_START),
    }
    logging = config.get("LoggingConfig") or {}
    log_format = logging.get("LogFormat", LOG_FORMAT)
    log_defaults: dict[str, Any] = {"LogFormat": log_format}
    if name and ":" not in name:
        log_defaults["LogGroup"] = log_group(name)
    if log_format == "JSON":
        log_defaults["ApplicationLogLevel"] = JSON_LOG_LEVEL
        log_defaults["SystemLogLevel"] = JSON_LOG_LEVEL
    defaults["LoggingConfig"] = log_defaults
    return defaults


# -- lambherd's own ---------------------------------------------------------------------------
#: The alias a deploy moves (and rollback, status... act on) unless told otherwise.
DEFAULT_ALIAS = "current"
#: Whether a deploy publishes a version when something changed.
DEFAULT_PUBLISH = True
#: Project functions deployed at once (``deploy --parallel N``); None: adaptive, between
#: ``PARALLEL_MIN`` and ``PARALLEL_MAX``, starting at ``PARALLEL_START`` (pipeline/pacing.py).
DEFAULT_PARALLEL: int | None = None
#: The adaptive limit. Lambda's published control-plane rates (AWS Lambda Developer Guide,
#: "Lambda quotas", section "Lambda API requests"; none can be increased): GetFunction 100
#: requests per second, GetPolicy 15, and the remainder of the control-plane APIs (everything
#: but invocations, GetFunction and GetPolicy: UpdateFunctionConfiguration, PublishVersion,
#: UpdateAlias...) 15 per second across all of them, per account and Region. How much of that
#: other clients of the account use is not published anywhere, so the limit is not computed
#: from it: it grows while calls succeed and halves on a throttle. The maximum bounds the
#: threads and connections one deploy opens (the clients' pool holds 32).
PARALLEL_START = 4
PARALLEL_MIN = 1
PARALLEL_MAX = 32
#: Throttles within this many seconds of a decrease belong to the same overload (halve once).
PARALLEL_BACKOFF_WINDOW_S = 1.0
#: Functions read from AWS at once by the rollout commands' status reads (a fixed pool).
DEFAULT_READ_WORKERS = 8
#: A project plan's reads (GetFunction, ListVersionsByFunction, ListAliases per function): an
#: adaptive limit as the deploy's (AIMD on throttles), starting at the fixed pool planning had
#: and growing to the clients' connection pool. GetFunction alone has 100 requests per second.
PLAN_READS_START = 8
PLAN_READS_MAX = 32
#: Functions imported at once by ``import --all``.
DEFAULT_IMPORT_WORKERS = 4
#: A project's function folders when lambherd.toml names none.
DEFAULT_FUNCTION_GLOBS = ("functions/*",)
#: The region used when neither the command line, the environment nor the profile names one.
DEFAULT_REGION = "us-east-1"

# -- concurrency (concurrency.json, ``lambherd concurrency``) -----------------------------------
#: Lambda keeps at least this much of an account's concurrency unreserved (PutFunctionConcurrency).
MIN_UNRESERVED_CONCURRENCY = 100
#: An account's concurrent executions in a region unless raised (GetAccountSettings says the real).
ACCOUNT_CONCURRENCY = 1000
#: The target-tracking policy lambherd manages on a scalable target (TargetTracking.PolicyName).
TARGET_TRACKING_POLICY_NAME = "lambherd-provisioned-utilization"
#: A deploy polls a provisioned concurrency allocation first after this, then at most this often.
PROVISIONED_POLL_FIRST_S = 0.2
PROVISIONED_POLL_MAX_S = 5.0
#: How long a deploy waits for an allocation to be READY (AWS takes minutes).
PROVISIONED_WAIT_S = 900.0
#: Service Quotas: Lambda's service code and its "Concurrent executions" quota.
LAMBDA_SERVICE_CODE = "lambda"
CONCURRENCY_QUOTA_CODE = "L-B99A9384"
#: Sandbox seconds a provisioned allocation takes at least (``LAMBHERD_SANDBOX_PC_ALLOCATION_S``).
SANDBOX_PROVISIONED_ALLOCATION_S = 1.0
#: Real seconds the old version's provisioned environments stay provisioned after an alias's
#: move is READY: an invocation routed to the old version just before the switch still finds
#: one (Lambda lets the old allocation go after the new one serves, not at the same instant).
SANDBOX_PROVISIONED_RELEASE_S = 2.0
#: ``lambherd concurrency``: the CloudWatch window, and the utilisation outside which it flags.
CONCURRENCY_SINCE = "24h"
UTILISATION_LOW = 0.30
UTILISATION_HIGH = 0.90

# -- the embedded sandbox ---------------------------------------------------------------------
SANDBOX_PORT = 4566
#: The sandbox's one account (moto's default account id).
SANDBOX_ACCOUNT_ID = "123456789012"
#: Credentials used against the sandbox: obviously fake, never a real key.
SANDBOX_ACCESS_KEY = "sandbox"
SANDBOX_SECRET_KEY = "sandbox"
#: Journal tail (MiB of requests and telemetry since the snapshot) that triggers a new snapshot
#: (``LAMBHERD_SANDBOX_COMPACT_MB`` overrides it).
SANDBOX_SNAPSHOT_TAIL_MB = 4.0
#: How long a Code.Location the sandbox gives stays valid (Lambda's presigned S3 URL: 10 min).
SANDBOX_CODE_URL_SECONDS = 600
#: How far a SigV4 request's X-Amz-Date may be from now (AWS refuses older signatures).
SIGV4_MAX_SKEW_SECONDS = 15 * 60

# -- tune (power tuning) ----------------------------------------------------------------------
#: The memory sizes tuned unless --memory names others (a preset of lambherd.cost.tuning).
TUNE_PRESET = "quick"
#: Invocations per memory size, and how many run at once.
TUNE_INVOCATIONS = 50
TUNE_PARALLEL = 5
TUNE_MAX_PARALLEL = 100

# -- packaging and the command line (lambroll's habits) ---------------------------------------
#: The ignore file a zip is built with (lambroll's ``--exclude-file`` default).
IGNORE_FILE = ".lambdaignore"
#: How the ignore file is matched: lambroll's wildcard (``gitignore`` is the opt-in).
IGNORE_STYLE = "lambroll"

# -- rollouts (lambherd.rollout) ----------------------------------------------------------------
#: Lambda's limit on an alias's Description (CreateAlias/UpdateAlias), in characters.
ALIAS_DESCRIPTION_LIMIT = 256
#: How a deploy moves the alias unless told otherwise (``deploy --strategy``, ``strategy =``).
DEFAULT_STRATEGY = "all-at-once"
#: The default gate: the new version's (errors + throttles) / attempts may not exceed this...
ROLLOUT_MAX_ERROR_RATE = 0.01
#: ...once it has served this many invocations (fewer is no evidence).
ROLLOUT_MIN_INVOCATIONS = 5
#: Gate readings during a step: every interval/5 seconds, within these bounds.
ROLLOUT_POLL_MIN_S = 0.5
ROLLOUT_POLL_MAX_S = 10.0
#: How long a step waits at most for CloudWatch to publish the metrics its logs show.
ROLLOUT_METRIC_WAIT_S = 300.0
#: What a Ctrl-C during a rollout does when nobody can be asked (``--on-interrupt``).
ROLLOUT_ON_INTERRUPT = "rollback"
#: How often (sandbox seconds) the sandbox evaluates the CloudWatch alarms it holds.
SANDBOX_ALARM_EVALUATION_S = 10.0

# -- triggers (event_sources.json, event_invoke.json, permissions.json, schedules.json) ------
#: A schedule's FlexibleTimeWindow when schedules.json leaves it out (fire at the exact time).
SCHEDULE_FLEXIBLE_WINDOW = {"Mode": "OFF"}
#: Lambda's asynchronous invocation defaults: retries after a function error, and how long an
#: event may wait in the queue (PutFunctionEventInvokeConfig's MaximumRetryAttempts 0-2,
#: MaximumEventAgeInSeconds 60-21600).
ASYNC_MAX_RETRIES = 2
ASYNC_MAX_EVENT_AGE_S = 21600
#: How long a deploy waits for an event source mapping to leave Creating/Updating/Deleting.
MAPPING_WAIT_S = 300.0
#: Batches the sandbox delivers at once per SQS mapping without ScalingConfig (Lambda starts
#: with five pollers).
SQS_DEFAULT_CONCURRENCY = 5
#: Lambda's waits before the first and second retry of a failed asynchronous invocation.
ASYNC_RETRY_DELAYS_S = (60.0, 120.0)

# -- watch modes (issue 19) ------------------------------------------------------------------
#: ``local start --watch``: a batch of saves is taken after this quiet time (ms), at most
#: ``LOCAL_WATCH_DEBOUNCE_MS`` after its first change.
LOCAL_WATCH_STEP_MS = 50
LOCAL_WATCH_DEBOUNCE_MS = 1600
#: ``deploy --watch``: the same, longer (each push is a deploy).
DEPLOY_WATCH_STEP_MS = 200
DEPLOY_WATCH_DEBOUNCE_MS = 2000
