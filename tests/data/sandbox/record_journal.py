"""Record `journal-main.jsonl` and `journal-main.expected.json` (once, with a landed version).

    python tests/data/sandbox/record_journal.py tests/data/sandbox

Starts a sandbox on a free port with a fresh state folder, makes control-plane changes in two
regions (functions, versions with a freed number, aliases with weights, permissions on a function
and an alias, URL configs, reserved and provisioned concurrency, a layer, tags, a log group, a
deleted function), then writes the journal it left and what the Lambda API reports about it. No
invocations: replayed log events older than 14 days would be refused by moto's Logs.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from lambherd.sandbox import process

ROLE = "arn:aws:iam::123456789012:role/fixture"
GRANT = {"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}


def code(tag: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("app.py", (2020, 1, 1, 0, 0, 0)), f"TAG = {tag!r}\n")
    return buf.getvalue()


def client(endpoint: str, service: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"total_max_attempts": 1}),
    )


def create(lam: Any, name: str, tag: str, **extra: Any) -> dict[str, Any]:
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler="app.handler",
        Role=ROLE,
        Code={"ZipFile": code(tag)},
        **extra,
    )


def build(endpoint: str) -> None:
    lam = client(endpoint, "lambda", "us-east-1")
    layer = lam.publish_layer_version(LayerName="fixturelib", Content={"ZipFile": code("lib")})
    create(
        lam,
        "alpha",
        "one",
        Publish=True,
        Tags={"team": "a"},
        LoggingConfig={"LogFormat": "Text", "LogGroup": "/team/alpha"},
    )
    rev = lam.get_function(FunctionName="alpha")["Configuration"]["RevisionId"]
    lam.update_function_code(FunctionName="alpha", ZipFile=code("two"), RevisionId=rev)
    lam.publish_version(FunctionName="alpha")  # 2
    lam.delete_function(FunctionName="alpha", Qualifier="1")
    lam.update_function_configuration(
        FunctionName="alpha", MemorySize=256, Layers=[layer["LayerVersionArn"]]
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName="alpha")
    lam.publish_version(FunctionName="alpha")  # 3, never 2 again
    lam.create_alias(
        FunctionName="alpha",
        Name="live",
        FunctionVersion="2",
        RoutingConfig={"AdditionalVersionWeights": {"3": 0.25}},
    )
    rev = lam.get_function(FunctionName="alpha")["Configuration"]["RevisionId"]
    lam.add_permission(FunctionName="alpha", StatementId="s3", RevisionId=rev, **GRANT)
    alias_rev = lam.get_alias(FunctionName="alpha", Name="live")["RevisionId"]
    lam.add_permission(
        FunctionName="alpha", Qualifier="live", StatementId="on-live", RevisionId=alias_rev, **GRANT
    )
    lam.create_function_url_config(FunctionName="alpha", AuthType="NONE")
    lam.update_function_url_config(FunctionName="alpha", Cors={"AllowOrigins": ["*"]})
    lam.create_function_url_config(FunctionName="alpha", Qualifier="live", AuthType="AWS_IAM")
    lam.put_function_concurrency(FunctionName="alpha", ReservedConcurrentExecutions=50)
    lam.put_provisioned_concurrency_config(
        FunctionName="alpha", Qualifier="3", ProvisionedConcurrentExecutions=1
    )
    lam.update_alias(FunctionName="alpha", Name="live", FunctionVersion="3", RoutingConfig={})
    create(lam, "doomed", "x", Publish=True)
    lam.delete_function(FunctionName="doomed")
    create(lam, "beta", "b")
    lam.tag_resource(
        Resource=lam.get_function(FunctionName="beta")["Configuration"]["FunctionArn"],
        Tags={"stage": "dev"},
    )
    client(endpoint, "logs", "us-east-1").create_log_group(logGroupName="/custom/fixture")

    eu = client(endpoint, "lambda", "eu-west-1")
    create(eu, "gamma", "g", Publish=True)
    eu.update_function_code(FunctionName="gamma", ZipFile=code("g2"), Publish=True)  # 2
    eu.create_alias(FunctionName="gamma", Name="prod", FunctionVersion="1")
    rev = eu.get_function(FunctionName="gamma")["Configuration"]["RevisionId"]
    eu.add_permission(FunctionName="gamma", StatementId="eu", RevisionId=rev, **GRANT)
    eu.create_function_url_config(FunctionName="gamma", AuthType="NONE")


def _path_only(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1]


def snapshot(endpoint: str) -> dict[str, Any]:
    """What the Lambda API reports (host parts of URLs left out: the port differs)."""
    out: dict[str, Any] = {}
    for region in ("us-east-1", "eu-west-1"):
        lam = client(endpoint, "lambda", region)
        doc: dict[str, Any] = {"account": lam.get_account_settings()["AccountLimit"]}
        for fn in sorted(f["FunctionName"] for f in lam.list_functions()["Functions"]):
            got = lam.get_function(FunctionName=fn)
            cfg = got["Configuration"]
            entry: dict[str, Any] = {
                "config": {
                    k: cfg.get(k)
                    for k in (
                        "RevisionId",
                        "LastModified",
                        "CodeSha256",
                        "MemorySize",
                        "LoggingConfig",
                        "Layers",
                    )
                },
                "code": _path_only(got["Code"]["Location"]),
                "tags": got.get("Tags"),
                "concurrency": got.get("Concurrency"),
                "versions": [
                    {k: v.get(k) for k in ("Version", "RevisionId", "LastModified", "CodeSha256")}
                    for v in lam.list_versions_by_function(FunctionName=fn)["Versions"]
                ],
                "aliases": [
                    {
                        k: a.get(k)
                        for k in ("Name", "FunctionVersion", "RevisionId", "RoutingConfig")
                    }
                    for a in lam.list_aliases(FunctionName=fn)["Aliases"]
                ],
            }
            qualifiers = [None] + [a["Name"] for a in entry["aliases"]]
            for q in qualifiers:
                kw = {"Qualifier": q} if q else {}
                try:
                    policy = lam.get_policy(FunctionName=fn, **kw)
                    entry[f"policy:{q}"] = {
                        "RevisionId": policy["RevisionId"],
                        "Sids": [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]],
                    }
                except lam.exceptions.ResourceNotFoundException:
                    pass
                try:
                    url = lam.get_function_url_config(FunctionName=fn, **kw)
                    entry[f"url:{q}"] = {
                        "FunctionUrl": _path_only(url["FunctionUrl"]),
                        "AuthType": url["AuthType"],
                        "CreationTime": url["CreationTime"],
                        "LastModifiedTime": url["LastModifiedTime"],
                    }
                except lam.exceptions.ResourceNotFoundException:
                    pass
            entry["provisioned"] = [
                {
                    k: c.get(k)
                    for k in (
                        "FunctionArn",
                        "RequestedProvisionedConcurrentExecutions",
                        "LastModified",
                    )
                }
                for c in lam.list_provisioned_concurrency_configs(FunctionName=fn)[
                    "ProvisionedConcurrencyConfigs"
                ]
            ]
            doc[fn] = entry
        doc["layers"] = (
            [
                (v["Version"], v["CreatedDate"])
                for v in lam.list_layer_versions(LayerName="fixturelib")["LayerVersions"]
            ]
            if region == "us-east-1"
            else []
        )
        logs = client(endpoint, "logs", region)
        doc["log_groups"] = [
            (g["logGroupName"], g["creationTime"]) for g in logs.describe_log_groups()["logGroups"]
        ]
        out[region] = doc
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(dest: Path) -> None:
    state = Path(tempfile.mkdtemp(prefix="journal-fixture-"))
    try:
        endpoint = process.start_background(free_port(), state)
        try:
            build(endpoint)
            expected = snapshot(endpoint)
        finally:
            process.stop(state)
        shutil.copy(state / "journal.jsonl", dest / "journal-main.jsonl")
        (dest / "journal-main.expected.json").write_text(
            json.dumps(expected, indent=1, sort_keys=True, default=str) + "\n"
        )
    finally:
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
