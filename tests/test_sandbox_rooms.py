"""The sandbox's rooms one by one: the moto facade (by account, region and name), revisions,
versions, concurrency, URL ids, policies and the wire helpers."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from lambherd.defaults import SANDBOX_ACCOUNT_ID
from lambherd.sandbox import policy
from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.revisions import Revisions
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.url_configs import public_url, url_id
from lambherd.sandbox.wire import Route, json_doc, ok, parse_route, split_name, with_field
from sandbox_testkit import InProcessSandbox, create, in_process, zip_of

EAST = FunctionKey(SANDBOX_ACCOUNT_ID, "us-east-1", "fn")
WEST = FunctionKey(SANDBOX_ACCOUNT_ID, "eu-west-1", "fn")


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Any:
    sb = InProcessSandbox(tmp_path_factory.mktemp("rooms"))
    yield sb
    sb.close()


def _route(method: str, path: str, query: str = "") -> Route:
    route = parse_route({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query})
    assert route is not None
    return route


# -- the facade ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_facade_answers_per_account_and_region(box: InProcessSandbox) -> None:
    east, west = box.client("lambda", "us-east-1"), box.client("lambda", "eu-west-1")
    layer = east.publish_layer_version(LayerName="lib", Content={"ZipFile": zip_of({"x": "1"})})
    create(
        east,
        "fn",
        "e",
        MemorySize=256,
        Environment={"Variables": {"A": "1"}},
        Layers=[layer["LayerVersionArn"]],
    )
    east.publish_version(FunctionName="fn")
    east.create_alias(
        FunctionName="fn",
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"1": 0.0}},
    )
    east.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=7)
    east.create_function_url_config(FunctionName="fn", AuthType="AWS_IAM")
    create(west, "fn", "w")
    create(west, "other", "o")
    facade: MotoFacade = box.app.facade

    assert [f.name for f in facade.functions(SANDBOX_ACCOUNT_ID, "us-east-1")] == ["fn"]
    assert sorted(f.name for f in facade.functions(SANDBOX_ACCOUNT_ID, "eu-west-1")) == [
        "fn",
        "other",
    ]
    assert facade.function_count(SANDBOX_ACCOUNT_ID) == 3
    assert facade.versions(EAST) == [1] and facade.versions(WEST) == []
    assert facade.resolve(EAST, "live") == "1" and facade.resolve(WEST, "live") is None
    assert facade.resolve(EAST, "$LATEST") == "$LATEST" and facade.resolve(EAST, "9") is None
    assert facade.alias_routing(EAST, "live") == ("1", {"1": 0.0})
    assert facade.reserved(EAST) == 7 and facade.reserved(WEST) is None
    config = facade.version_config(EAST, "1")
    assert config is not None
    assert (config.memory_mb, config.environment, config.reserved) == (256, {"A": "1"}, 7)
    assert config.layer_arns == (layer["LayerVersionArn"],)
    assert facade.layer_zip(SANDBOX_ACCOUNT_ID, "us-east-1", layer["LayerVersionArn"])
    assert facade.layer_zip(SANDBOX_ACCOUNT_ID, "eu-west-1", layer["LayerVersionArn"]) is None
    assert facade.version_config(WEST, "1") is None
    assert facade.url_auth_type(EAST) == "AWS_IAM" and facade.url_auth_type(WEST) is None
    assert facade.function_arn(WEST) == (
        f"arn:aws:lambda:eu-west-1:{SANDBOX_ACCOUNT_ID}:function:fn"
    )
    # the sandbox's own state is per key; forgetting one key leaves the other
    assert facade.extra(EAST).revisions["$LATEST"] != facade.extra(WEST).revisions["$LATEST"]
    assert facade.extra(EAST).last_version == 1 and facade.extra(WEST).last_version == 0
    assert facade.extra(EAST).alias_revisions.keys() == {"live"}
    assert facade.extra_if_any(FunctionKey(SANDBOX_ACCOUNT_ID, "eu-west-1", "nope")) is None


@pytest.mark.slow
def test_the_facade_reads_and_stamps_cloudwatch(box: InProcessSandbox) -> None:
    logs, cw = box.client("logs", "eu-west-1"), box.client("cloudwatch", "eu-west-1")
    now = int(time.time() * 1000)
    logs.create_log_group(logGroupName="/rooms")
    logs.create_log_stream(logGroupName="/rooms", logStreamName="s")
    logs.put_log_events(
        logGroupName="/rooms",
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": "a"}, {"timestamp": now + 1, "message": "b"}],
    )
    cw.put_metric_data(
        Namespace="Rooms", MetricData=[{"MetricName": "M", "Value": 3.0, "Unit": "Count"}]
    )
    facade: MotoFacade = box.app.facade
    (stream,) = [s for s in facade.log_streams(SANDBOX_ACCOUNT_ID) if s.group == "/rooms"]
    assert (stream.region, stream.stream) == ("eu-west-1", "s")
    assert [(t, m) for t, m, _ in stream.events] == [(now, "a"), (now + 1, "b")]
    facade.stamp_log_write(SANDBOX_ACCOUNT_ID, "eu-west-1", "/rooms", "s", 1, 123_456)
    (stream,) = [s for s in facade.log_streams(SANDBOX_ACCOUNT_ID) if s.group == "/rooms"]
    assert stream.events[-1][2] == 123_456 and stream.events[0][2] != 123_456
    points = [p for region, p in facade.metric_points(SANDBOX_ACCOUNT_ID, "eu-west-1")]
    assert [(p.namespace, p.name, p.value, p.unit) for p in points] == [
        ("Rooms", "M", 3.0, "Count")
    ]
    assert facade.metric_points(SANDBOX_ACCOUNT_ID, "ap-northeast-1") == []


# -- revisions, versions, concurrency ------------------------------------------------------------


def test_revision_ids_are_deterministic_per_sequence_and_checked() -> None:
    first, second = Revisions(MotoFacade()), Revisions(MotoFacade())
    for revisions in (first, second):
        revisions.bump_latest(EAST)
        revisions.bump_latest(WEST)
        revisions.register_version(EAST, "1")
        revisions.bump_alias(EAST, "live")
    ids = [(r.of(EAST, "$LATEST"), r.of(WEST, "$LATEST"), r.of(EAST, "1")) for r in (first, second)]
    assert ids[0] == ids[1] and len(set(ids[0])) == 3  # replayable, and never shared
    assert first.policy_revision(EAST, "live") == first.of_alias(EAST, "live")
    assert first.policy_revision(EAST, None) == first.of(EAST, "$LATEST")
    update = _route("PUT", "/2015-03-31/functions/fn/configuration")
    assert first.stale(update, EAST, {"RevisionId": first.of(EAST, "$LATEST")}) is None
    refused = first.stale(update, EAST, {"RevisionId": first.of(WEST, "$LATEST")})
    assert refused is not None and refused.status_code == 412
    assert "GetFunction" in json_doc(refused.get_data())["message"]
    alias = _route("PUT", "/2015-03-31/functions/fn/aliases/live")
    stale_alias = first.stale(alias, EAST, {"RevisionId": "x"})
    assert stale_alias is not None and "GetAlias" in json_doc(stale_alias.get_data())["message"]
    assert first.stale(update, EAST, {}) is None  # no RevisionId: nothing to check
    first.reset()
    first.bump_latest(EAST)
    assert first.of(EAST, "$LATEST") == ids[0][0]  # the sequence starts again


@pytest.mark.slow
def test_versions_follow_alias_weights_and_concurrency_keeps_the_floor(
    box: InProcessSandbox,
) -> None:
    lam = box.client("lambda", "ap-northeast-1")
    create(lam, "weighted", "a")
    lam.publish_version(FunctionName="weighted")
    lam.update_function_code(FunctionName="weighted", ZipFile=zip_of({"app.py": "b"}))
    lam.publish_version(FunctionName="weighted")
    lam.create_alias(
        FunctionName="weighted",
        Name="all-to-2",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}},
    )
    key = FunctionKey(SANDBOX_ACCOUNT_ID, "ap-northeast-1", "weighted")
    layer = box.app.lambda_layer
    assert {layer.versions.pick(key, "all-to-2") for _ in range(20)} == {"2"}
    assert layer.versions.pick(key, "1") == "1" and layer.versions.pick(key, "nope") is None
    lam.put_provisioned_concurrency_config(
        FunctionName="weighted", Qualifier="all-to-2", ProvisionedConcurrentExecutions=1
    )
    assert layer.concurrency.by_version(key) == {"1": 1}  # the alias's primary version
    too_much = layer.concurrency.check_reserved(key, {"ReservedConcurrentExecutions": 901})
    assert too_much is not None and too_much.status_code == 400
    assert layer.concurrency.check_reserved(key, {"ReservedConcurrentExecutions": 900}) is None


# -- URL ids, policies, the wire -----------------------------------------------------------------


def test_url_ids_are_stable_and_differ_by_region_account_and_qualifier() -> None:
    assert url_id(EAST, None) == url_id(FunctionKey(*EAST), None)
    ids = {url_id(EAST, None), url_id(WEST, None), url_id(EAST, "live")}
    ids.add(url_id(FunctionKey("111111111111", "us-east-1", "fn"), None))
    assert len(ids) == 4 and all(len(i) == 32 for i in ids)
    assert (
        public_url("127.0.0.1:4600", "a" * 32) == f"http://127.0.0.1:4600/_lambda_url/{'a' * 32}/"
    )


def test_policy_requests_lose_their_revision_id_before_moto() -> None:
    environ = {"QUERY_STRING": "RevisionId=abc&Qualifier=live"}
    stripped, body = policy.without_revision(
        environ, json.dumps({"RevisionId": "r", "A": 1}).encode()
    )
    assert stripped["QUERY_STRING"] == "Qualifier=live" and json.loads(body) == {"A": 1}
    untouched = {"QUERY_STRING": "Qualifier=live"}
    assert policy.without_revision(untouched, b"{}") == (untouched, b"{}")


def test_wire_helpers() -> None:
    route = _route(
        "DELETE",
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Afn%3A3/policy/sid",
        "RevisionId=r",
    )
    assert (route.function, route.qualifier, route.sub, route.rest) == ("fn", "3", "policy", "sid")
    assert route.query == {"RevisionId": "r"}
    assert _route("GET", "/2016-08-19/account-settings/").kind == "account-settings"
    assert parse_route({"PATH_INFO": "/_lambherd/health"}) is None
    assert split_name("fn:live") == ("fn", "live") and split_name("fn") == ("fn", None)
    resp = with_field(ok({"LastModified": "old", "X": 1}), "LastModified", "new")
    assert json_doc(resp.get_data()) == {"LastModified": "new", "X": 1}
    assert json_doc(with_field(ok({"X": 1}), "Y", 2).get_data()) == {"X": 1}
    assert json_doc(b"[1]") == {} and json_doc(b"not json") == {} and json_doc(b"") == {}


@pytest.mark.slow
def test_an_in_process_sandbox_replays_its_journal(tmp_path: Path) -> None:
    with in_process(tmp_path / "state") as sb:
        created = create(sb.client("lambda"), "kept")
    with in_process(tmp_path / "state") as sb:
        again = sb.client("lambda").get_function_configuration(FunctionName="kept")
    assert again["RevisionId"] == created["RevisionId"]
