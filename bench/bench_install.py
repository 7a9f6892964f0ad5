"""Benchmark: cold ``pip install -e '.[dev]'`` of this tree's dependency set versus ``main``'s,
measured in one run: install time and venv size, with the ratios; then proof that the new
venv serves every AWS service the sandbox needs.

    python3 bench/bench_install.py [--runs 2] [--base main] [--python python3]

Each run makes two fresh venvs (``PYTHON -m venv``), one per dependency set, and installs the
project into each, cold: a new, empty pip cache (``--cache-dir`` in a new folder), so every
index page and wheel is fetched again from the configured indexes (whatever ``pip config``
says on this machine) and nothing is reused from a previous install. The order alternates
between runs (old, new; new, old; ...). "old" is the project as it is at git revision
``--base`` (``git archive``); "new" is this working tree's tracked files as they are now.
Timed: the README's set-up line, ``PYTHON -m venv V`` and ``V/bin/python -m pip install -e
'SRC[dev]'``; the pip step is also shown alone. Size: the venv folder's disk usage (``du -s``),
measured right after the install (pip byte-compiles what it installs).

Then, in the last new venv (and the last old one, as the control), ``check-services``: every
AWS service the sandbox serves or will serve answers real boto3 calls (create + describe),
through moto's ThreadedMotoServer and through ``lambherd sandbox start`` on a free port:

    V/bin/python bench/bench_install.py check-services
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-1"  # not us-east-1: the region-default paths are not what is checked
ACCOUNT = "123456789012"
MIB = 1024 * 1024


# -- the benchmark ------------------------------------------------------------------------------
def disk_usage(folder: Path) -> int:
    """Bytes on disk under ``folder`` (what ``du -s`` counts; hard links once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
    return total


def export_base(base: str, dest: Path) -> None:
    """The project's files at git revision ``base`` into ``dest``."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", base],
        check=True,
        capture_output=True,
    ).stdout
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tar.extractall(dest, filter="data")
        else:  # our own git archive
            tar.extractall(dest)


def export_worktree(dest: Path) -> None:
    """This working tree's tracked files, as they are now (uncommitted edits included)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True
    ).stdout
    for rel in filter(None, listed.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def install_once(python: str, src: Path, venv: Path, cache: Path) -> dict[str, float]:
    """Make ``venv`` and install ``src[dev]`` into it with an empty pip cache; the timings."""
    shutil.rmtree(venv, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.pop("PIP_NO_CACHE_DIR", None)
    start = time.perf_counter()
    subprocess.run([python, "-m", "venv", str(venv)], check=True, env=env)
    made = time.perf_counter()
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--cache-dir", str(cache)]
    proc = subprocess.run(
        [*pip, "-e", f"{src}[dev]"], env=env, capture_output=True, text=True, cwd=src
    )
    done = time.perf_counter()
    if proc.returncode != 0:
        sys.exit(f"pip install failed for {src}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    shutil.rmtree(cache, ignore_errors=True)
    return {
        "setup_s": done - start,
        "pip_s": done - made,
        "size_mib": disk_usage(venv) / MIB,
        "dists": float(count_dists(venv)),
    }


def count_dists(venv: Path) -> int:
    return len(list(venv.glob("lib/python*/site-packages/*.dist-info")))


def package_sizes(venv: Path) -> list[tuple[str, float]]:
    """(name version, MiB on disk of the files its RECORD lists), largest first."""
    code = (
        "import json, os\n"
        "from importlib import metadata\n"
        "rows = []\n"
        "for d in metadata.distributions():\n"
        "    total = 0\n"
        "    for f in d.files or []:\n"
        "        try:\n"
        "            total += os.lstat(f.locate()).st_blocks * 512\n"
        "        except OSError:\n"
        "            pass\n"
        f"    rows.append((d.metadata['Name'] + ' ' + d.version, total / {MIB}))\n"
        "print(json.dumps(sorted(rows, key=lambda r: -r[1])))\n"
    )
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return [(name, mb) for name, mb in json.loads(out)]


def span(values: list[float], fmt: str) -> str:
    lo, hi = min(values), max(values)
    return format(lo, fmt) if lo == hi else f"{format(lo, fmt)}-{format(hi, fmt)}"


def bench(args: argparse.Namespace) -> None:
    work = Path(args.work or tempfile.mkdtemp(prefix="lambherd-bench-install-"))
    work.mkdir(parents=True, exist_ok=True)
    sources = {"old": work / "src-old", "new": work / "src-new"}
    for src in sources.values():
        shutil.rmtree(src, ignore_errors=True)
    export_base(args.base, sources["old"])
    export_worktree(sources["new"])
    pyver = subprocess.run(
        [args.python, "-c", "import sys; print(sys.version.split()[0])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"machine: {os.cpu_count()} cpus, {args.python} = Python {pyver}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"old = {args.base}'s pyproject.toml, new = this working tree; {args.runs} runs each")
    results: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for run in range(args.runs):
        order = ("old", "new") if run % 2 == 0 else ("new", "old")
        for name in order:
            res = install_once(
                args.python, sources[name], work / f"venv-{name}", work / f"cache-{name}-{run}"
            )
            results[name].append(res)
            print(
                f"  run {run + 1} {name}: set-up {res['setup_s']:.1f} s "
                f"(pip {res['pip_s']:.1f} s), venv {res['size_mib']:.0f} MiB, "
                f"{res['dists']:.0f} distributions",
                flush=True,
            )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    pip_version = subprocess.run(
        [str(work / "venv-new" / "bin" / "python"), "-m", "pip", "--version"],
        capture_output=True,
        text=True,
    ).stdout.split(" from ")[0]
    print(f"installer: {pip_version} (the one `{args.python} -m venv` puts in a venv)")
    print()
    old, new = results["old"], results["new"]
    print("| measure | old (main) | new | new / old |")
    print("|---|---|---|---|")
    for key, label, fmt in (
        ("setup_s", "set-up time, venv + pip (s)", ".1f"),
        ("pip_s", "pip install alone (s)", ".1f"),
        ("size_mib", "venv size on disk (MiB, as du -sm)", ".0f"),
        ("dists", "distributions installed", ".0f"),
    ):
        ratios = [n[key] / o[key] for o, n in zip(old, new, strict=True)]
        o_vals, n_vals = [r[key] for r in old], [r[key] for r in new]
        print(
            f"| {label} | {span(o_vals, fmt)} | {span(n_vals, fmt)} | {span(ratios, '.2f')} "
            f"(medians {statistics.median(n_vals) / statistics.median(o_vals):.2f}) |"
        )
    print()
    for name in ("new", "old"):
        sizes = package_sizes(work / f"venv-{name}")
        shown = sizes[: args.top]
        rest = sum(mb for _, mb in sizes[args.top :])
        print(f"{name} venv, largest distributions (MiB on disk of the files its RECORD lists):")
        print(
            "  "
            + ", ".join(f"{n} {mb:.1f}" for n, mb in shown)
            + f"; the other {len(sizes) - len(shown)}: {rest:.1f}"
        )
    if not args.no_check:
        for name in ("new", "old"):
            print(f"\ncheck-services in the {name} venv:", flush=True)
            venv_python = work / f"venv-{name}" / "bin" / "python"
            proc = subprocess.run(
                [str(venv_python), str(Path(__file__).resolve()), "check-services"]
            )
            if proc.returncode != 0:
                sys.exit(f"check-services failed in the {name} venv")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"\nkept: {work}")


# -- check-services: every service the sandbox needs answers real calls ------------------------
CFN_TEMPLATE = {
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "lh-cfn"}}},
    "Outputs": {
        "QueueArn": {
            "Value": {"Fn::GetAtt": ["Queue", "Arn"]},
            "Export": {"Name": "lh-cfn-queue-arn"},
        }
    },
}


def _zip(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", source)
    return buf.getvalue()


def _role(c: Callable[[str], Any]) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = c("iam")
    try:
        return iam.get_role(RoleName="lh-check")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        doc = json.dumps(trust)
        return iam.create_role(RoleName="lh-check", AssumeRolePolicyDocument=doc)["Role"]["Arn"]


def _queue(c: Callable[[str], Any], name: str) -> tuple[str, str]:
    url = c("sqs").create_queue(QueueName=name)["QueueUrl"]
    attrs = c("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, attrs["Attributes"]["QueueArn"]


def _received(c: Callable[[str], Any], url: str) -> list[str]:
    msgs = c("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [m["Body"] for m in msgs.get("Messages", [])]


def check_lambda(c: Callable[[str], Any], sandbox: bool) -> str:
    lam = c("lambda")
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    code = _zip("def handler(event, context):\n    return {'echo': event}\n")
    lam.create_function(
        FunctionName="lh-check",
        Runtime=runtime,
        Role=_role(c),
        Handler="app.handler",
        Code={"ZipFile": code},
    )
    cfg = lam.get_function(FunctionName="lh-check")["Configuration"]
    assert cfg["Handler"] == "app.handler" and REGION in cfg["FunctionArn"], cfg
    if not sandbox:
        return f"CreateFunction, GetFunction ({runtime})"
    out = lam.invoke(FunctionName="lh-check", Payload=b'{"n": 1}')
    body = json.loads(out["Payload"].read())
    assert body == {"echo": {"n": 1}} and "FunctionError" not in out, (body, out)
    return f"CreateFunction, GetFunction, Invoke ran the handler ({runtime}, no docker)"


def check_iam(c: Callable[[str], Any], sandbox: bool) -> str:
    arn = _role(c)
    assert c("iam").get_role(RoleName="lh-check")["Role"]["Arn"] == arn
    return "CreateRole, GetRole"


def check_s3(c: Callable[[str], Any], sandbox: bool) -> str:
    s3 = c("s3")
    s3.create_bucket(Bucket="lh-check", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="lh-check", Key="k.txt", Body=b"hello")
    assert s3.get_object(Bucket="lh-check", Key="k.txt")["Body"].read() == b"hello"
    assert s3.get_bucket_location(Bucket="lh-check")["LocationConstraint"] == REGION
    return "CreateBucket, PutObject, GetObject, GetBucketLocation"


def check_sts(c: Callable[[str], Any], sandbox: bool) -> str:
    assert c("sts").get_caller_identity()["Account"] == ACCOUNT
    creds = c("sts").assume_role(RoleArn=_role(c), RoleSessionName="lh-check")["Credentials"]
    assert creds["AccessKeyId"]
    return "GetCallerIdentity, AssumeRole"


def check_ssm(c: Callable[[str], Any], sandbox: bool) -> str:
    ssm = c("ssm")
    ssm.put_parameter(Name="/lh/check", Value="s3cret", Type="SecureString")
    got = ssm.get_parameter(Name="/lh/check", WithDecryption=True)["Parameter"]
    assert got["Value"] == "s3cret", got
    return "PutParameter (SecureString), GetParameter WithDecryption"


def check_logs(c: Callable[[str], Any], sandbox: bool) -> str:
    logs = c("logs")
    logs.create_log_group(logGroupName="/lh/check")
    logs.create_log_stream(logGroupName="/lh/check", logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName="/lh/check", logStreamName="s", logEvents=[{"timestamp": now, "message": "m"}]
    )
    events = logs.filter_log_events(logGroupName="/lh/check")["events"]
    assert [e["message"] for e in events] == ["m"], events
    return "CreateLogGroup, PutLogEvents, FilterLogEvents"


def check_cloudwatch(c: Callable[[str], Any], sandbox: bool) -> str:
    cw = c("cloudwatch")
    cw.put_metric_data(Namespace="LH/Check", MetricData=[{"MetricName": "M", "Value": 1.0}])
    assert cw.list_metrics(Namespace="LH/Check")["Metrics"][0]["MetricName"] == "M"
    cw.put_metric_alarm(
        AlarmName="lh-check",
        Namespace="LH/Check",
        MetricName="M",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    alarms = cw.describe_alarms(AlarmNames=["lh-check"])["MetricAlarms"]
    assert [a["AlarmName"] for a in alarms] == ["lh-check"], alarms
    return "PutMetricData, ListMetrics, PutMetricAlarm, DescribeAlarms"


def check_autoscaling(c: Callable[[str], Any], sandbox: bool) -> str:
    aas = c("application-autoscaling")
    target = {
        "ServiceNamespace": "lambda",
        "ResourceId": "function:lh-check:current",
        "ScalableDimension": "lambda:function:ProvisionedConcurrency",
    }
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=10)
    aas.put_scheduled_action(
        **target,
        ScheduledActionName="morning",
        Schedule="cron(0 9 * * ? *)",
        Timezone="Asia/Tokyo",
        ScalableTargetAction={"MinCapacity": 10, "MaxCapacity": 10},
    )
    found = aas.describe_scalable_targets(ServiceNamespace="lambda")["ScalableTargets"]
    assert [t["MaxCapacity"] for t in found] == [10], found
    actions = aas.describe_scheduled_actions(ServiceNamespace="lambda")["ScheduledActions"]
    assert [a["ScheduledActionName"] for a in actions] == ["morning"], actions
    return "RegisterScalableTarget, PutScheduledAction, Describe both"


def check_service_quotas(c: Callable[[str], Any], sandbox: bool) -> str:
    sq = c("service-quotas")
    listed = sq.list_aws_default_service_quotas(ServiceCode="vpc")["Quotas"]
    code = listed[0]["QuotaCode"]
    assert sq.get_service_quota(ServiceCode="vpc", QuotaCode=code)["Quota"]["QuotaCode"] == code
    try:  # moto 5.2 holds only VPC quotas: Lambda's is a gap the sandbox has to fill
        sq.get_service_quota(ServiceCode="lambda", QuotaCode="L-B99A9384")
        lam = "Lambda's concurrent executions quota answered"
    except sq.exceptions.NoSuchResourceException:
        lam = "Lambda's quota: NoSuchResourceException (moto has VPC quotas only)"
    return f"ListAWSDefaultServiceQuotas, GetServiceQuota (vpc); {lam}"


def check_sqs(c: Callable[[str], Any], sandbox: bool) -> str:
    url, arn = _queue(c, "lh-check")
    assert REGION in arn
    c("sqs").send_message(QueueUrl=url, MessageBody="hi")
    assert _received(c, url) == ["hi"]
    return "CreateQueue, GetQueueAttributes, SendMessage, ReceiveMessage"


def check_sns(c: Callable[[str], Any], sandbox: bool) -> str:
    sns = c("sns")
    topic = sns.create_topic(Name="lh-check")["TopicArn"]
    url, arn = _queue(c, "lh-sns-target")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"] == topic
    sns.publish(TopicArn=topic, Message="via-sns")
    bodies = [json.loads(b)["Message"] for b in _received(c, url)]
    assert bodies == ["via-sns"], bodies
    return "CreateTopic, Subscribe (SQS), Publish delivered to the queue"


def check_scheduler(c: Callable[[str], Any], sandbox: bool) -> str:
    sch = c("scheduler")
    target = {"Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lh-check", "RoleArn": _role(c)}
    sch.create_schedule(
        Name="lh-check",
        ScheduleExpression="rate(5 minutes)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target,
    )
    got = sch.get_schedule(Name="lh-check")
    assert got["ScheduleExpression"] == "rate(5 minutes)", got
    return "CreateSchedule, GetSchedule"


def check_events(c: Callable[[str], Any], sandbox: bool) -> str:
    ev = c("events")
    url, arn = _queue(c, "lh-events-target")
    ev.put_rule(Name="lh-check", EventPattern=json.dumps({"source": ["lh.check"]}))
    ev.put_targets(Rule="lh-check", Targets=[{"Id": "q", "Arn": arn}])
    assert ev.describe_rule(Name="lh-check")["Name"] == "lh-check"
    entry = {"Source": "lh.check", "DetailType": "t", "Detail": json.dumps({"k": "v"})}
    assert ev.put_events(Entries=[entry])["FailedEntryCount"] == 0
    details = [json.loads(b)["detail"] for b in _received(c, url)]
    assert details == [{"k": "v"}], details
    return "PutRule, PutTargets, DescribeRule, PutEvents delivered to the queue"


def check_dynamodb(c: Callable[[str], Any], sandbox: bool) -> str:
    ddb = c("dynamodb")
    ddb.create_table(
        TableName="lh-check",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    table = ddb.describe_table(TableName="lh-check")["Table"]
    assert table["StreamSpecification"]["StreamEnabled"], table
    ddb.put_item(TableName="lh-check", Item={"id": {"S": "1"}, "v": {"N": "7"}})
    got = ddb.get_item(TableName="lh-check", Key={"id": {"S": "1"}})["Item"]
    assert got["v"] == {"N": "7"}, got
    return "CreateTable (with a stream), DescribeTable, PutItem, GetItem"


def check_dynamodb_streams(c: Callable[[str], Any], sandbox: bool) -> str:
    arn = c("dynamodb").describe_table(TableName="lh-check")["Table"]["LatestStreamArn"]
    streams = c("dynamodbstreams")
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    shard = desc["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    records = streams.get_records(ShardIterator=it)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"], records
    return "DescribeStream, GetShardIterator, GetRecords (the INSERT)"


def check_kinesis(c: Callable[[str], Any], sandbox: bool) -> str:
    kin = c("kinesis")
    kin.create_stream(StreamName="lh-check", ShardCount=1)
    summary = kin.describe_stream_summary(StreamName="lh-check")["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 1, summary
    kin.put_record(StreamName="lh-check", Data=b"rec", PartitionKey="p")
    shard = kin.list_shards(StreamName="lh-check")["Shards"][0]["ShardId"]
    it = kin.get_shard_iterator(
        StreamName="lh-check", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert [r["Data"] for r in kin.get_records(ShardIterator=it)["Records"]] == [b"rec"]
    return "CreateStream, DescribeStreamSummary, PutRecord, GetRecords"


def check_cloudformation(c: Callable[[str], Any], sandbox: bool) -> str:
    cfn = c("cloudformation")
    cfn.create_stack(StackName="lh-check", TemplateBody=json.dumps(CFN_TEMPLATE))
    stack = cfn.describe_stacks(StackName="lh-check")["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["QueueArn"].endswith(":lh-cfn"), outputs
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert exports == {"lh-cfn-queue-arn": outputs["QueueArn"]}, exports
    return "CreateStack, DescribeStacks (Outputs), ListExports"


CHECKS: list[tuple[str, Callable[[Callable[[str], Any], bool], str]]] = [
    ("IAM", check_iam),
    ("Lambda", check_lambda),
    ("S3", check_s3),
    ("STS", check_sts),
    ("SSM", check_ssm),
    ("CloudWatch Logs", check_logs),
    ("CloudWatch", check_cloudwatch),
    ("Application Auto Scaling", check_autoscaling),
    ("Service Quotas", check_service_quotas),
    ("SQS", check_sqs),
    ("SNS", check_sns),
    ("EventBridge Scheduler", check_scheduler),
    ("EventBridge", check_events),
    ("DynamoDB", check_dynamodb),
    ("DynamoDB Streams", check_dynamodb_streams),
    ("Kinesis", check_kinesis),
    ("CloudFormation", check_cloudformation),
]


def run_checks(endpoint: str, sandbox: bool) -> int:
    """Run every check against ``endpoint``; the number that failed."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint)

    failed = 0
    for name, check in CHECKS:
        try:
            print(f"    ok    {name}: {check(client, sandbox)}", flush=True)
        except Exception as exc:  # report every service, not just the first failure
            failed += 1
            print(f"    FAIL  {name}: {type(exc).__name__}: {exc}", flush=True)
    return failed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_services(args: argparse.Namespace) -> None:
    import importlib.util
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    absent = [m for m in ("docker", "cfnlint", "sympy") if importlib.util.find_spec(m) is None]
    print(
        f"  {sys.executable}; not installed: {', '.join(absent) or 'none of docker/cfnlint/sympy'}"
    )
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION"):
        os.environ.pop(name, None)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        print(f"  moto's ThreadedMotoServer on 127.0.0.1:{port}, region {REGION}:", flush=True)
        failed = run_checks(f"http://127.0.0.1:{port}", sandbox=False)
    finally:
        server.stop()
    lambherd = str(Path(sys.executable).parent / "lambherd")
    with tempfile.TemporaryDirectory(prefix="lambherd-check-") as state:
        env = {**os.environ, "LAMBHERD_RUNTIME_CACHE": os.path.join(state, "runtimes")}
        port = args.sandbox_port or free_port()
        start = [lambherd, "sandbox", "start", "--port", str(port), "--state-dir", state, "-d"]
        subprocess.run(start, check=True, env=env, stdout=subprocess.DEVNULL)
        try:
            print(f"  lambherd sandbox on 127.0.0.1:{port}, region {REGION}:", flush=True)
            failed += run_checks(f"http://127.0.0.1:{port}", sandbox=True)
        finally:
            stop = [lambherd, "sandbox", "stop", "--state-dir", state]
            subprocess.run(stop, check=True, env=env, stdout=subprocess.DEVNULL)
    if failed:
        sys.exit(f"{failed} service check(s) failed")
    print(f"  all {len(CHECKS)} services answered, through moto's server and the sandbox")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--runs", type=int, default=2, help="installs of each set (default 2)")
    parser.add_argument("--base", default="main", help="git revision of the old set (main)")
    parser.add_argument("--python", default="python3", help="the Python making the venvs")
    parser.add_argument("--work", help="folder for the venvs (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the venvs afterwards")
    parser.add_argument("--top", type=int, default=12, help="distributions listed by size")
    parser.add_argument("--no-check", action="store_true", help="skip check-services")
    check = sub.add_parser("check-services", help="run in a venv: every needed service answers")
    check.add_argument("--sandbox-port", type=int, help="the sandbox's port (default: a free one)")
    args = parser.parse_args()
    if args.command == "check-services":
        check_services(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
