"""Benchmark: a no-op deploy's API calls and bytes, and a code-change deploy's wall time
against the same steps done with the AWS CLI, on one moto server started here (127.0.0.1).

    python3 bench/bench_deploy.py [--runs 5]

Prints the no-op deploy's operations (target: reads only, 0 bytes) and the median wall time
of ``lambherd deploy`` (one process: hash, read, update code, wait, publish, move alias)
versus ``aws lambda update-function-code`` + ``publish-version`` + ``update-alias``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "bench-fn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_function(folder: Path, role: str, version: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "function.json").write_text(
        json.dumps(
            {"FunctionName": NAME, "Runtime": "python3.12", "Handler": "app.handler", "Role": role}
        )
    )
    (folder / "app.py").write_text(f"def handler(e, c):\n    return {version}\n")


def lambherd(folder: Path, env: dict[str, str], *args: str) -> None:
    cmd = [sys.executable, "-m", "lambherd", "-C", str(folder), *args]
    subprocess.run(cmd, env=env, check=True, capture_output=True)


def noop_calls(folder: Path) -> tuple[list[str], int]:
    """Run a no-op deploy in process, recording every operation; return (names, bytes)."""
    from lambherd.app import App
    from lambherd.aws import AwsClients
    from lambherd.services.deploy import DeployRequest, deploy

    names: list[str] = []
    app = App(workdir=folder)
    clients = AwsClients(app.aws)
    clients.register_hook("provide-client-params.*.*", lambda model, **kw: names.append(model.name))
    app.__dict__["clients"] = clients
    report = deploy(app, DeployRequest())
    return names, report.run.bytes_uploaded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL=endpoint,
        AWS_PAGER="",
    )
    env.pop("AWS_PROFILE", None)
    os.environ.update({k: env[k] for k in env if k.startswith("AWS_")})
    try:
        import boto3

        iam = boto3.client("iam", endpoint_url=endpoint)
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "fn"
            write_function(folder, role, 0)
            lambherd(folder, env, "deploy")
            names, sent = noop_calls(folder)
            print(f"no-op deploy: {len(names)} API calls {names}, {sent} bytes uploaded")
            ours, theirs = [], []
            for i in range(1, args.runs + 1):
                write_function(folder, role, i)
                start = time.perf_counter()
                lambherd(folder, env, "deploy")
                ours.append(time.perf_counter() - start)
                write_function(folder, role, 1000 + i)
                zip_path = Path(tmp) / "code.zip"
                from lambherd.archive import build_archive

                build_archive(folder, zip_path)  # the zip is ready before the clock starts
                start = time.perf_counter()
                aws = ["aws", "--endpoint-url", endpoint, "lambda"]
                subprocess.run(
                    [
                        *aws,
                        "update-function-code",
                        "--function-name",
                        NAME,
                        "--zip-file",
                        f"fileb://{zip_path}",
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                )
                out = subprocess.run(
                    [*aws, "publish-version", "--function-name", NAME],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                version = json.loads(out)["Version"]
                subprocess.run(
                    [
                        *aws,
                        "update-alias",
                        "--function-name",
                        NAME,
                        "--name",
                        "current",
                        "--function-version",
                        version,
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                )
                theirs.append(time.perf_counter() - start)
            a, b = statistics.median(ours), statistics.median(theirs)
            print(
                f"code-change deploy, median of {args.runs}: lambherd {a:.2f}s, "
                f"aws cli (3 commands) {b:.2f}s, ratio {a / b:.2f}"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
