"""The root command: global options, lazy commands, and the one error gate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lambherd.app import App
from lambherd.aws import AwsClients, AwsSettings
from lambherd.cli.registry import COMMANDS


def test_help_lists_every_registered_command(lh) -> None:
    result = lh("--help")
    assert result.code == 0
    for name in COMMANDS:
        assert name in result.out


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from lambherd.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "names = ('boto3', 'botocore', 'rich', '_jsonnet', 'moto')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="


def test_unknown_command_is_a_usage_error(lh) -> None:
    result = lh("no-such-command")
    assert result.code == 2
    assert "No such command" in result.err


def test_bad_ext_str_is_one_line(lh) -> None:
    result = lh("--ext-str", "novalue", "render")
    assert result.code == 2
    assert "expected KEY=VALUE" in result.err
    assert "Traceback" not in result.err


def test_missing_workdir_is_rejected(lh, tmp_path: Path) -> None:
    result = lh("-C", str(tmp_path / "nope"), "render")
    assert result.code == 2
    assert "Traceback" not in result.err


def test_missing_definition_is_one_clear_line(lh, tmp_path: Path) -> None:
    result = lh("-C", str(tmp_path), "render")
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert "no function.json" in result.err
    assert "Traceback" not in result.err


def test_debug_shows_the_traceback(lh, tmp_path: Path) -> None:
    result = lh("--log-level", "debug", "-C", str(tmp_path), "render")
    assert result.code == 1
    assert "Traceback" in result.err


def test_unknown_profile_is_a_clear_error(aws: str, lh, tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text('{"FunctionName": "x"}')
    result = lh("--profile", "does-not-exist", "-C", str(tmp_path), "list")
    assert result.code == 1
    assert "profile 'does-not-exist' not found" in result.err


def test_assume_role_profile_uses_sts(aws: str, tmp_path: Path, monkeypatch) -> None:
    """A profile with role_arn + source_profile is resolved through STS AssumeRole."""
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile base]\n"
        "aws_access_key_id = AKIAEXAMPLEBASE\n"
        "aws_secret_access_key = base-secret\n"
        "region = us-east-1\n\n"
        "[profile deployer]\n"
        "role_arn = arn:aws:iam::123456789012:role/deployer\n"
        "source_profile = base\n"
        "region = eu-west-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    clients = AwsClients(AwsSettings(profile="deployer"))
    assert clients.region == "eu-west-1"
    identity = clients.caller_identity()
    assert ":assumed-role/deployer/" in identity["Arn"]


def test_clients_are_cached_and_hooks_apply_to_all(aws: str) -> None:
    seen: list[str] = []
    clients = AwsClients(AwsSettings())
    clients.register_hook("before-call", lambda model, **_: seen.append(model.name))
    lam = clients.client("lambda")
    assert clients.client("lambda") is lam
    lam.list_functions()
    clients.client("sts").get_caller_identity()
    assert seen == ["ListFunctions", "GetCallerIdentity"]


def test_sandbox_credentials_are_dummy_and_nothing_starts_before_a_client(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LAMBHERD_SANDBOX_DIR", str(tmp_path / "sandbox"))
    app = App(aws=AwsSettings(sandbox=True))
    creds = app.clients.session.get_credentials()
    assert creds.access_key == "sandbox"
    assert app.clients.region == "us-east-1"
    assert not (tmp_path / "sandbox").exists()


def test_sandbox_ignores_an_inherited_endpoint_but_not_an_explicit_one(monkeypatch) -> None:
    import click

    from lambherd.cli.main import cli

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    seen: dict[str, object] = {}

    @cli.command("probe-endpoint")
    @click.pass_obj
    def probe(app: App) -> None:
        seen["endpoint"] = app.aws.endpoint_url

    try:
        cli.main(["--sandbox", "probe-endpoint"], standalone_mode=False)
        assert seen["endpoint"] is None
        cli.main(
            ["--sandbox", "--endpoint-url", "http://127.0.0.1:7", "probe-endpoint"],
            standalone_mode=False,
        )
        assert seen["endpoint"] == "http://127.0.0.1:7"
        cli.main(["probe-endpoint"], standalone_mode=False)
        assert seen["endpoint"] == "http://127.0.0.1:9"
    finally:
        cli.commands.pop("probe-endpoint", None)


def test_ctrl_c_exits_130_with_one_line() -> None:
    """A command interrupted with Ctrl-C (SIGINT) says so and exits 130, no traceback."""
    import os
    import signal

    code = (
        "import click, time\n"
        "from lambherd.cli.main import cli, main\n"
        "@cli.command('sleep-forever')\n"
        "def sleep_forever():\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(60)\n"
        "main(['sleep-forever'])\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"  # the command is running
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "interrupted" in err
    assert "Traceback" not in err
