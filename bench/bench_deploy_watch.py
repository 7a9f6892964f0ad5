"""``deploy --watch``'s code-only push against a full ``deploy`` of the same edit, on the sandbox
(``python3 bench/bench_deploy_watch.py``).

A Node function is deployed once; then, ``--rounds`` times, interleaved: a code edit pushed
code-only (what ``deploy --watch`` sends for a code save: the one pipeline with publish = false
and skip_configuration) and a code edit deployed in full (what ``deploy`` sends: code, then a
published version and the alias moved). Both run in this process through the service, as the
CLI calls it; the sandbox is a server of its own on a free port with a temporary state folder.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import tempfile
import time
from pathlib import Path

from lambherd.app import App
from lambherd.project.context import attach_project
from lambherd.services.deploy import DeployRequest, deploy
from lambherd.services.deploy_watch import DeployWatch

ROLE = "arn:aws:iam::123456789012:role/bench"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write(folder: Path, answer: int) -> None:
    (folder / "index.js").write_text(f"exports.handler = async () => {answer};\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--runtime", default="nodejs20.x")
    args = parser.parse_args()
    from lambherd.sandbox import process

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        endpoint = process.start_background(_free_port(), root / "sandbox")
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "sandbox",
                "AWS_SECRET_ACCESS_KEY": "sandbox",
                "AWS_REGION": "ap-northeast-1",
                "AWS_DEFAULT_REGION": "ap-northeast-1",
            }
        )
        try:
            folder = root / "fn"
            folder.mkdir()
            definition = {
                "FunctionName": "watched",
                "Runtime": args.runtime,
                "Handler": "index.handler",
                "Role": ROLE,
            }
            (folder / "function.json").write_text(json.dumps(definition))
            (folder / ".lambdaignore").write_text("function.json\n.lambdaignore\n")
            _write(folder, 0)
            app = attach_project(App(workdir=folder))
            deploy(app, DeployRequest())
            watch = DeployWatch(app, DeployRequest(), lambda _push: None)
            code_only, full = [], []
            for n in range(1, args.rounds + 1):
                _write(folder, 2 * n)
                push = watch.push("code")
                assert push.error is None and push.changed, push
                code_only.append(push.seconds * 1000)
                _write(folder, 2 * n + 1)
                started = time.perf_counter()
                report = deploy(app, DeployRequest())
                full.append((time.perf_counter() - started) * 1000)
                assert report.single is not None and report.single.changed
        finally:
            process.stop(root / "sandbox")
    fast, slow = statistics.median(code_only), statistics.median(full)
    print(
        f"code edit, median of {args.rounds}: deploy --watch code-only push {fast:.0f} ms; "
        f"full deploy {slow:.0f} ms; the push takes {fast / slow:.2f}x the deploy's time"
    )


if __name__ == "__main__":
    main()
