"""Lambda's service limits and runtime lifecycle, as data.

The API model (botocore) says what a field's type is; these are the rules Lambda itself enforces
on top of it, taken from the Lambda developer guide ("Lambda quotas", "Reserved environment
variables", "Lambda runtimes"). Dates are deprecation dates (UTC) as AWS publishes them; update
this table when AWS announces a new runtime or a new date.
"""

from __future__ import annotations

from datetime import date

from lambherd.defaults import MEMORY_SIZE

#: (minimum, maximum) Lambda accepts, by JSON path in function.json.
RANGES: dict[str, tuple[int, int]] = {
    "MemorySize": (MEMORY_SIZE, 10240),  # the default is the minimum
    "Timeout": (1, 900),
    "EphemeralStorage.Size": (512, 10240),
}

#: Total bytes of environment variables (keys + values, UTF-8) per function.
ENVIRONMENT_BYTES = 4096

#: Layers per function.
MAX_LAYERS = 5

#: Environment variable names the runtime sets itself; Lambda refuses them in a configuration.
RESERVED_ENV_NAMES: frozenset[str] = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)

#: Runtime identifier -> deprecation date (None: no date announced yet). Source: the Lambda
#: developer guide's "Lambda runtimes" tables (supported and deprecated runtimes), as
#: transcribed on 2026-06-02 in cfn-lint's LmbdRuntimeLifecycle.json (commit afd7953, "Update
#: Lambda runtime lifecycle dates from AWS docs"); checked against the guide's Python page
#: (python3.14 ... python3.10) on 2026-12-01.
RUNTIME_DEPRECATION: dict[str, date | None] = {
    # supported
    "python3.14": date(2029, 6, 30),
    "python3.13": date(2029, 6, 30),
    "python3.12": date(2028, 10, 31),
    "python3.11": date(2027, 6, 30),
    "nodejs24.x": date(2028, 4, 30),
    "nodejs22.x": date(2027, 4, 30),
    "java25": date(2029, 6, 30),
    "java21": date(2029, 6, 30),
    "java17": date(2027, 6, 30),
    "java11": date(2027, 6, 30),
    "java8.al2": date(2027, 6, 30),
    "dotnet10": date(2028, 11, 14),
    "ruby4.0": date(2029, 3, 31),
    "ruby3.4": date(2028, 3, 31),
    "ruby3.3": date(2027, 3, 31),
    "provided.al2023": date(2029, 6, 30),
    # deprecated
    "python3.10": date(2026, 10, 31),
    "dotnet8": date(2026, 11, 10),
    "provided.al2": date(2026, 7, 31),
    "nodejs20.x": date(2026, 4, 30),
    "ruby3.2": date(2026, 3, 31),
    "python3.9": date(2025, 12, 15),
    "nodejs18.x": date(2025, 9, 1),
    "dotnet6": date(2024, 12, 20),
    "python3.8": date(2024, 10, 14),
    "nodejs16.x": date(2024, 6, 12),
    "dotnet7": date(2024, 5, 14),
    "java8": date(2024, 1, 8),
    "go1.x": date(2024, 1, 8),
    "provided": date(2024, 1, 8),
    "ruby2.7": date(2023, 12, 7),
    "nodejs14.x": date(2023, 12, 4),
    "python3.7": date(2023, 12, 4),
    "dotnetcore3.1": date(2023, 4, 3),
    "nodejs12.x": date(2023, 3, 31),
    "python3.6": date(2022, 7, 18),
    "dotnet5.0": date(2022, 5, 10),
    "dotnetcore2.1": date(2022, 1, 5),
    "nodejs10.x": date(2021, 7, 30),
    "ruby2.5": date(2021, 7, 30),
    "python2.7": date(2021, 7, 15),
    "nodejs8.10": date(2020, 3, 6),
    "nodejs4.3": date(2020, 3, 5),
    "nodejs4.3-edge": date(2020, 3, 5),
    "nodejs6.10": date(2019, 8, 12),
    "dotnetcore1.0": date(2019, 6, 27),
    "dotnetcore2.0": date(2019, 5, 30),
    "nodejs": date(2016, 8, 30),
}

#: Runtime identifier -> (date creating functions is blocked, date updating them is blocked),
#: from the same tables; runtimes without announced dates are absent.
RUNTIME_BLOCKS: dict[str, tuple[date, date]] = {
    "python3.14": (date(2029, 7, 31), date(2029, 8, 31)),
    "python3.13": (date(2029, 7, 31), date(2029, 8, 31)),
    "python3.12": (date(2028, 11, 30), date(2029, 1, 10)),
    "python3.11": (date(2027, 7, 31), date(2027, 8, 31)),
    "python3.10": (date(2027, 2, 1), date(2027, 3, 3)),
    "python3.9": (date(2027, 2, 1), date(2027, 3, 3)),
    "python3.8": (date(2027, 2, 1), date(2027, 3, 3)),
    "python3.7": (date(2024, 1, 9), date(2027, 3, 3)),
    "python3.6": (date(2022, 7, 18), date(2022, 8, 29)),
    "python2.7": (date(2021, 7, 15), date(2022, 5, 30)),
    "nodejs24.x": (date(2028, 6, 1), date(2028, 7, 1)),
    "nodejs22.x": (date(2027, 6, 1), date(2027, 7, 1)),
    "nodejs20.x": (date(2027, 2, 1), date(2027, 3, 3)),
    "nodejs18.x": (date(2027, 2, 1), date(2027, 3, 3)),
    "nodejs16.x": (date(2027, 2, 1), date(2027, 3, 3)),
    "nodejs14.x": (date(2024, 1, 9), date(2027, 3, 3)),
    "nodejs12.x": (date(2023, 3, 31), date(2023, 4, 30)),
    "nodejs10.x": (date(2021, 7, 30), date(2022, 2, 14)),
    "java25": (date(2029, 7, 31), date(2029, 8, 31)),
    "java21": (date(2029, 7, 31), date(2029, 8, 31)),
    "java17": (date(2027, 7, 31), date(2027, 8, 31)),
    "java11": (date(2027, 7, 31), date(2027, 8, 31)),
    "java8.al2": (date(2027, 7, 31), date(2027, 8, 31)),
    "java8": (date(2024, 2, 8), date(2027, 3, 3)),
    "go1.x": (date(2024, 2, 8), date(2027, 3, 3)),
    "provided": (date(2024, 2, 8), date(2027, 3, 3)),
    "provided.al2": (date(2027, 2, 1), date(2027, 3, 3)),
    "provided.al2023": (date(2029, 7, 31), date(2029, 8, 31)),
    "dotnet10": (date(2028, 12, 14), date(2029, 1, 15)),
    "dotnet8": (date(2027, 2, 1), date(2027, 3, 3)),
    "dotnet6": (date(2027, 2, 1), date(2027, 3, 3)),
    "dotnetcore3.1": (date(2023, 4, 3), date(2023, 5, 3)),
    "dotnetcore2.1": (date(2022, 1, 5), date(2022, 4, 13)),
    "ruby4.0": (date(2029, 4, 30), date(2029, 5, 31)),
    "ruby3.4": (date(2028, 4, 30), date(2028, 5, 31)),
    "ruby3.3": (date(2027, 4, 30), date(2027, 5, 31)),
    "ruby3.2": (date(2027, 2, 1), date(2027, 3, 3)),
    "ruby2.7": (date(2024, 1, 9), date(2027, 3, 3)),
    "ruby2.5": (date(2021, 7, 30), date(2022, 3, 31)),
}

#: The newest runtime of each language family, suggested when a runtime is deprecated.
NEWEST_RUNTIME: dict[str, str] = {
    "python": "python3.14",
    "nodejs": "nodejs24.x",
    "java": "java25",
    "dotnet": "dotnet10",
    "dotnetcore": "dotnet10",
    "ruby": "ruby4.0",
    "provided": "provided.al2023",
    "go": "provided.al2023",
}

#: Warn this many days before a runtime's deprecation date.
DEPRECATION_NOTICE_DAYS = 180


def runtime_family(runtime: str) -> str:
    """The language part of a runtime identifier: ``python3.12`` -> ``python``."""
    letters = ""
    for ch in runtime:
        if not ch.isalpha():
            break
        letters += ch
    return letters
