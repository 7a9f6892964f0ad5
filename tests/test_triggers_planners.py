"""The four trigger planners and the check before them, on plain data (no server): absent file
(unmanaged), unchanged, changed, removed; what lambherd owns is all it deletes."""

from __future__ import annotations

from typing import Any

import pytest

from lambherd.errors import ValidationError
from lambherd.plan.event_invoke_planner import EventInvokeRemote
from lambherd.plan.event_sources_planner import EventSourcesRemote
from lambherd.plan.permissions_planner import PermissionsRemote
from lambherd.plan.planner import DesiredState, plan_deploy
from lambherd.plan.remote import RemoteState
from lambherd.plan.schedules_planner import GroupFact, SchedulesRemote
from lambherd.plan.steps import CodeSource
from lambherd.settings import DeploySettings
from lambherd.triggers.validation import ArnFact

ARN = "arn:aws:lambda:ap-northeast-1:123456789012:function:worker"
QUEUE = "arn:aws:sqs:ap-northeast-1:123456789012:jobs"
OTHER_QUEUE = "arn:aws:sqs:ap-northeast-1:123456789012:other"
CONFIG = {
    "FunctionName": "worker",
    "Runtime": "python3.12",
    "Handler": "app.handler",
    "Role": "arn:aws:iam::123456789012:role/r",
    "Timeout": 30,
}
REMOTE_CONFIG = {
    **CONFIG,
    "FunctionArn": ARN,
    "CodeSha256": "abc",
    "RevisionId": "r1",
    "MemorySize": 128,
    "PackageType": "Zip",
    "Architectures": ["x86_64"],
    "EphemeralStorage": {"Size": 512},
    "TracingConfig": {"Mode": "PassThrough"},
    "SnapStart": {"ApplyOn": "None"},
    "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/worker"},
}
ALIAS = {"Name": "current", "FunctionVersion": "1"}
OURS = {"lambherd:function": "worker"}


def remote(*parts: Any) -> RemoteState:
    version = {**REMOTE_CONFIG, "Version": "1"}
    return RemoteState(
        configuration=REMOTE_CONFIG, alias=ALIAS, aliases=(ALIAS,), versions=(version,), parts=parts
    )


def planned(sidecars: dict[str, Any], state: RemoteState, **settings: Any) -> list[str]:
    desired = DesiredState(CONFIG, CodeSource(sha256="abc"), sidecars=sidecars)
    return [s.describe() for s in plan_deploy(desired, state, DeploySettings(**settings)).steps]


def mapping(uuid: str, source: str, qualifier: str | None = "current", **fields: Any) -> dict:
    doc = {
        "UUID": uuid,
        "EventSourceArn": source,
        "BatchSize": 10,
        "MaximumBatchingWindowInSeconds": 0,
        "FunctionResponseTypes": [],
        "State": "Enabled",
        "FunctionArn": ARN + (f":{qualifier}" if qualifier else ""),
        "EventSourceMappingArn": f"arn:aws:lambda:ap-northeast-1:1:event-source-mapping:{uuid}",
        "Tags": {},
    }
    doc.update(fields)
    return doc


FACTS = {QUEUE: ArnFact(True, visibility_timeout=180), OTHER_QUEUE: ArnFact(True, 180)}


# -- event sources ------------------------------------------------------------------------------
def test_absent_file_leaves_mappings_alone_and_a_new_one_targets_the_alias() -> None:
    part = EventSourcesRemote(mappings=(mapping("u1", QUEUE, Tags=OURS),), facts=FACTS)
    assert planned({}, remote(part)) == []
    assert planned({"event_sources": [{"EventSourceArn": OTHER_QUEUE}]}, remote(part)) == [
        f"DeleteEventSourceMapping {QUEUE} -> current (u1)",
        f"CreateEventSourceMapping {OTHER_QUEUE} -> current",
    ]


def test_unchanged_mapping_plans_nothing_defaults_included() -> None:
    part = EventSourcesRemote(mappings=(mapping("u1", QUEUE),), facts=FACTS)
    assert planned({"event_sources": [{"EventSourceArn": QUEUE}]}, remote(part)) == []
    explicit = [{"EventSourceArn": QUEUE, "BatchSize": 10, "Enabled": True}]
    assert planned({"event_sources": explicit}, remote(part)) == []


def test_changed_fields_update_and_left_out_fields_go_back_to_lambdas_default() -> None:
    have = mapping(
        "u1",
        QUEUE,
        BatchSize=50,
        MaximumBatchingWindowInSeconds=2,
        FilterCriteria={"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]},
        ScalingConfig={"MaximumConcurrency": 4},
    )
    part = EventSourcesRemote(mappings=(have,), facts=FACTS)
    want = [
        {
            "EventSourceArn": QUEUE,
            "BatchSize": 50,
            "MaximumBatchingWindowInSeconds": 2,
            "FilterCriteria": {"Filters": [{"Pattern": '{ "body":{"a":[1]} }'}]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        }
    ]
    steps = planned({"event_sources": want}, remote(part))
    assert steps == [
        f"UpdateEventSourceMapping {QUEUE} -> current (u1): FunctionResponseTypes, ScalingConfig"
    ]
    desired = DesiredState(CONFIG, CodeSource(sha256="abc"), sidecars={"event_sources": want})
    (update,) = plan_deploy(desired, remote(part), DeploySettings()).steps
    assert update.changes == {
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "ScalingConfig": {},
    }


def test_only_mappings_lambherd_made_for_this_function_are_deleted() -> None:
    part = EventSourcesRemote(
        mappings=(
            mapping("mine", QUEUE, Tags=OURS),
            mapping("by-hand", OTHER_QUEUE),
            mapping(
                "other-project",
                OTHER_QUEUE,
                qualifier=None,
                Tags={**OURS, "lambherd:project": "elsewhere"},
            ),
        ),
        facts=FACTS,
    )
    assert planned({"event_sources": []}, remote(part)) == [
        f"DeleteEventSourceMapping {QUEUE} -> current (mine)"
    ]


def test_qualifier_is_part_of_the_identity_and_follows_the_deploy() -> None:
    part = EventSourcesRemote(
        mappings=(mapping("old", QUEUE, qualifier=None, Tags=OURS),), facts=FACTS
    )
    assert planned({"event_sources": [{"EventSourceArn": QUEUE}]}, remote(part)) == [
        f"DeleteEventSourceMapping {QUEUE} -> $LATEST (old)",
        f"CreateEventSourceMapping {QUEUE} -> current",
    ]
    latest = [{"EventSourceArn": QUEUE, "Qualifier": "$LATEST"}]
    assert planned({"event_sources": latest}, remote(part)) == []
    unpublished = [{"EventSourceArn": QUEUE}]
    assert planned({"event_sources": unpublished}, remote(part), publish=False) == []
    assert planned({"event_sources": unpublished}, remote(part), alias="live") == [
        f"DeleteEventSourceMapping {QUEUE} -> $LATEST (old)",
        f"CreateEventSourceMapping {QUEUE} -> live",
    ]


def test_disabling_and_changed_tags() -> None:
    part = EventSourcesRemote(
        mappings=(mapping("u1", QUEUE, Tags={**OURS, "team": "a"}),), facts=FACTS
    )
    want = [{"EventSourceArn": QUEUE, "Enabled": False, "Tags": {"team": "b"}}]
    assert planned({"event_sources": want}, remote(part)) == [
        f"UpdateEventSourceMapping {QUEUE} -> current (u1): Enabled",
        f"TagEventSourceMapping {QUEUE} -> current: team",
    ]


def test_create_tags_a_mapping_as_lambherds_own_in_its_project() -> None:
    config = {**CONFIG, "Tags": {"lambherd:project": "shop"}}
    desired = DesiredState(
        config,
        CodeSource(sha256="abc"),
        sidecars={"event_sources": [{"EventSourceArn": QUEUE, "Tags": {"t": "1"}}]},
    )
    state = remote(EventSourcesRemote(facts=FACTS))
    steps = [
        s
        for s in plan_deploy(desired, state, DeploySettings()).steps
        if s.kind == "CreateEventSourceMapping"
    ]
    assert steps[0].tags == {"t": "1", "lambherd:function": "worker", "lambherd:project": "shop"}
    assert "Tags" not in steps[0].params


# -- the check before any step -------------------------------------------------------------------
def test_every_problem_found_by_reading_is_raised_at_once() -> None:
    facts = {QUEUE: ArnFact(True, visibility_timeout=10), OTHER_QUEUE: ArnFact(False)}
    sidecars = {"event_sources": [{"EventSourceArn": QUEUE}, {"EventSourceArn": OTHER_QUEUE}]}
    with pytest.raises(ValidationError) as caught:
        planned(sidecars, remote(EventSourcesRemote(facts=facts)))
    assert len(caught.value.problems) == 2
    assert (
        "visibility timeout (10 s) is shorter than the function's Timeout (30 s)"
        in (caught.value.problems[0])
    )
    assert caught.value.problems[1].endswith(f"{OTHER_QUEUE} does not exist")


# -- event invoke ----------------------------------------------------------------------------------
def invoke_config(qualifier: str, **fields: Any) -> dict:
    return {
        "FunctionArn": f"{ARN}:{qualifier}",
        "DestinationConfig": {"OnSuccess": {}, "OnFailure": {}},
        **fields,
    }


def test_event_invoke_configs_and_the_recursion_setting() -> None:
    part = EventInvokeRemote(
        configs=(invoke_config("current", MaximumRetryAttempts=1), invoke_config("old")),
        recursion="Terminate",
    )
    assert planned({}, remote(part)) == []
    same = {"MaximumRetryAttempts": 1}
    assert planned({"event_invoke": same}, remote(part)) == ["DeleteEventInvokeConfig old"]
    changed = {
        "MaximumRetryAttempts": 0,
        "RecursiveLoop": "Allow",
        "DestinationConfig": {"OnFailure": {"Destination": QUEUE}},
    }
    assert planned({"event_invoke": changed}, remote(part)) == [
        "DeleteEventInvokeConfig old",
        "PutEventInvokeConfig current: MaximumRetryAttempts=0, DestinationConfig="
        '{"OnFailure": {"Destination": "arn:aws:sqs:ap-northeast-1:123456789012:jobs"}}',
        "PutRecursionConfig RecursiveLoop=Allow",
    ]
    several = {
        "EventInvokeConfigs": [
            {"Qualifier": "current", "MaximumRetryAttempts": 1},
            {"Qualifier": "$LATEST", "MaximumEventAgeInSeconds": 600},
        ]
    }
    assert planned({"event_invoke": several}, remote(part)) == [
        "DeleteEventInvokeConfig old",
        "PutEventInvokeConfig $LATEST: MaximumEventAgeInSeconds=600",
    ]
    unknown = EventInvokeRemote(recursion=None)  # an endpoint without the recursion API
    assert planned({"event_invoke": {"RecursiveLoop": "Allow"}}, remote(unknown)) == []


# -- permissions ---------------------------------------------------------------------------------
S3 = {"Principal": "s3.amazonaws.com", "SourceArn": "arn:aws:s3:::uploads"}


def statement(sid: str, principal: str, qualifier: str | None = None, **condition: str) -> dict:
    resource = ARN + (f":{qualifier}" if qualifier else "")
    doc = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": principal},
        "Action": "lambda:InvokeFunction",
        "Resource": resource,
    }
    if condition:
        doc["Condition"] = {"ArnLike": {"AWS:SourceArn": condition["arn"]}}
    return doc


def test_permissions_match_by_what_they_allow() -> None:
    by_hand = statement("s3-invoke", "s3.amazonaws.com", arn="arn:aws:s3:::uploads")
    ours_old = statement("lambherd-0011", "sns.amazonaws.com")
    url = {
        "Sid": "lambherd-url",
        "Principal": "*",
        "Action": "lambda:InvokeFunctionUrl",
        "Resource": ARN,
    }
    part = PermissionsRemote(statements={None: (by_hand, ours_old, url)})
    assert planned({"permissions": [S3]}, remote(part)) == ["RemovePermission lambherd-0011"]
    events = {"Principal": "events.amazonaws.com", "Qualifier": "current"}
    steps = planned({"permissions": [S3, events]}, remote(part))
    assert steps[0] == "RemovePermission lambherd-0011"
    assert steps[1].startswith("AddPermission lambherd-") and "on current: events" in steps[1]
    assert planned({"permissions": []}, remote(part)) == ["RemovePermission lambherd-0011"]


def test_an_owned_twin_of_a_grant_already_there_is_removed_and_someone_elses_kept() -> None:
    by_hand = statement("s3-invoke", "s3.amazonaws.com", arn="arn:aws:s3:::uploads")
    twin = statement("lambherd-twin", "s3.amazonaws.com", arn="arn:aws:s3:::uploads")
    lambrolls = statement("lambroll-0a1b", "sqs.amazonaws.com")
    someone = statement("made-by-hand", "sns.amazonaws.com")
    part = PermissionsRemote(statements={None: (twin, by_hand, lambrolls, someone)})
    steps = planned({"permissions": [S3]}, remote(part))
    assert steps == ["RemovePermission lambherd-twin", "RemovePermission lambroll-0a1b"]


def test_a_chosen_statement_id_is_used_when_adding() -> None:
    part = PermissionsRemote(statements={None: ()})
    steps = planned({"permissions": [{**S3, "StatementId": "uploads"}]}, remote(part))
    assert steps == [
        "AddPermission uploads: s3.amazonaws.com lambda:InvokeFunction from arn:aws:s3:::uploads"
    ]


# -- schedules ------------------------------------------------------------------------------------
SCHEDULE = {
    "Name": "daily",
    "ScheduleExpression": "cron(0 9 * * ? *)",
    "ScheduleExpressionTimezone": "Asia/Tokyo",
    "Target": {"RoleArn": "arn:aws:iam::123456789012:role/s", "Input": "{}"},
}


def remote_schedule(group: str, **fields: Any) -> dict:
    doc = {
        **SCHEDULE,
        "GroupName": group,
        "State": "ENABLED",
        "ActionAfterCompletion": "NONE",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            **SCHEDULE["Target"],
            "Arn": f"{ARN}:current",
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
        },
    }
    doc.update(fields)
    return doc


def test_schedules_in_lambherds_group() -> None:
    empty = SchedulesRemote(groups={"lambherd-worker": GroupFact(False)})
    assert planned({"schedules": [SCHEDULE]}, remote(empty)) == [
        "CreateScheduleGroup lambherd-worker",
        "CreateSchedule lambherd-worker/daily: cron(0 9 * * ? *) Asia/Tokyo",
    ]
    owned = GroupFact(True, {"lambherd:function": "worker"})
    there = SchedulesRemote(
        groups={"lambherd-worker": owned},
        schedules=(
            remote_schedule("lambherd-worker"),
            remote_schedule("lambherd-worker", Name="gone"),
        ),
    )
    assert planned({"schedules": [SCHEDULE]}, remote(there)) == [
        "DeleteSchedule lambherd-worker/gone"
    ]
    moved = {**SCHEDULE, "ScheduleExpressionTimezone": "UTC"}
    assert planned({"schedules": [moved, {**SCHEDULE, "Name": "gone"}]}, remote(there)) == [
        "UpdateSchedule lambherd-worker/daily: cron(0 9 * * ? *) UTC (ScheduleExpressionTimezone)"
    ]
    on_latest = {**SCHEDULE, "Qualifier": "$LATEST"}
    assert planned({"schedules": [on_latest, {**SCHEDULE, "Name": "gone"}]}, remote(there)) == [
        "UpdateSchedule lambherd-worker/daily: cron(0 9 * * ? *) Asia/Tokyo (Target.Arn)"
    ]


def test_schedules_in_a_group_lambherd_does_not_own_are_never_deleted() -> None:
    there = SchedulesRemote(
        groups={"lambherd-worker": GroupFact(False), "ops": GroupFact(True, {})},
        schedules=(remote_schedule("ops", Name="nightly-by-hand"),),
    )
    in_ops = {**SCHEDULE, "GroupName": "ops"}
    assert planned({"schedules": [in_ops]}, remote(there)) == [
        "CreateSchedule ops/daily: cron(0 9 * * ? *) Asia/Tokyo"
    ]
    unowned = SchedulesRemote(
        groups={"lambherd-worker": GroupFact(True, {})},  # same name, not tagged as ours
        schedules=(remote_schedule("lambherd-worker", Name="x"),),
    )
    assert planned({"schedules": []}, remote(unowned)) == []
