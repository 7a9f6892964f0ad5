"""The command line as lambroll and the AWS CLI take it: global options anywhere, ``--flag=false``,
``LAMBHERD_*`` environment variables for every option, and their precedence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aws_testkit import create_function, tiny_zip
from compat_testkit import parse


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["logs", "--output", "json"], ["--output", "json", "logs"]),
        (["deploy", "--prune", "--yes"], ["--yes", "deploy", "--prune"]),
        (["deploy", "--prune", "-y"], ["-y", "deploy", "--prune"]),
        (
            ["invoke", "--region", "eu-west-1", "--payload", "{}"],
            ["--region", "eu-west-1", "invoke", "--payload", "{}"],
        ),
        (["invoke", "--region=eu-west-1"], ["--region=eu-west-1", "invoke"]),
        (["diff", "-C", "fn", "--code"], ["-C", "fn", "diff", "--code"]),
        (["diff", "-Cfn"], ["-Cfn", "diff"]),
        # a nested command
        (
            ["local", "invoke", "--output", "json", "--event", "e.json"],
            ["--output", "json", "local", "invoke", "--event", "e.json"],
        ),
        # the command's own option of that name wins
        (["rollback", "--version", "3"], ["rollback", "--version", "3"]),
        (["sandbox", "reset", "--yes"], ["sandbox", "reset", "--yes"]),
        # values are not options
        (["invoke", "--payload", "--output"], ["invoke", "--payload", "--output"]),
        (["render", "--mask", "--output", "json"], ["--output", "json", "render", "--mask"]),
        # after -- nothing moves
        (["diff", "--", "--output"], ["diff", "--", "--output"]),
        # --flag=true|false as kong reads it
        (["deploy", "--publish=false"], ["deploy", "--no-publish"]),
        (["deploy", "--publish=true", "--dry-run=1"], ["deploy", "--publish", "--dry-run"]),
        (["deploy", "--dry-run=false"], ["deploy"]),
        (["deploy", "--no-publish=false"], ["deploy", "--publish"]),
        (["--sandbox=false", "render"], ["--no-sandbox", "render"]),
        (["render", "--color=false"], ["--no-color", "render"]),
        # nothing to do
        (["--help"], ["--help"]),
        (["no-such-command", "--output", "json"], ["no-such-command", "--output", "json"]),
    ],
)
def test_the_command_line_as_click_reads_it(argv: list[str], expected: list[str]) -> None:
    from lambherd.cli.global_options import normalise_argv
    from lambherd.cli.main import cli

    assert normalise_argv(cli, argv, environ={}) == expected


def test_global_options_after_the_command_take_effect(aws: str, lh: Any, lambda_role: str) -> None:
    import boto3

    def west(service: str) -> Any:
        return boto3.client(service, region_name="eu-west-1", endpoint_url=aws)

    create_function(west, lambda_role, "west-fn", tiny_zip())
    home = lh("list", "--output", "json")
    listed = lh("list", "--region", "eu-west-1", "--output", "json")
    assert home.code == 0 and listed.code == 0, listed.err
    assert [r["name"] for r in json.loads(listed.out)] == ["west-fn"]
    assert "west-fn" not in [r["name"] for r in json.loads(home.out)]


def test_a_hint_to_pass_yes_works_where_it_is_given(lh: Any, fn_dir: Path, boto: Any) -> None:
    """``delete`` without a terminal deletes nothing and says "pass --yes"; typed after the
    command, as the hint reads, it works."""
    refused = lh("-C", fn_dir, "delete")
    assert refused.code == 1 and "(confirm, or pass --yes)" in refused.err
    done = lh("-C", fn_dir, "delete", "--yes")
    assert done.code == 0, done.err
    with pytest.raises(boto("lambda").exceptions.ResourceNotFoundException):
        boto("lambda").get_function(
            FunctionName=json.loads((fn_dir / "function.json").read_text())["FunctionName"]
        )


def test_environment_variables_for_global_and_command_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAMBHERD_OUTPUT", "json")
    monkeypatch.setenv("LAMBHERD_LOG_LEVEL", "warn")
    monkeypatch.setenv("LAMBHERD_YES", "1")
    monkeypatch.setenv("LAMBHERD_DEPLOY_KEEP_VERSIONS", "3")
    monkeypatch.setenv("LAMBHERD_DEPLOY_PUBLISH", "false")
    monkeypatch.setenv("LAMBHERD_DEPLOY_ONLY", "a b")
    monkeypatch.setenv("LAMBHERD_LOCAL_INVOKE_MEMORY", "256")
    parsed = parse("deploy")
    assert parsed.root["output"] == "json" and parsed.root["log_level"] == "warn"
    assert parsed.root["assume_yes"] is True
    assert parsed.params["keep_versions"] == 3 and parsed.params["publish"] is False
    assert parsed.params["only"] == ("a", "b")
    assert parse("local", "invoke").params["memory"] == 256
    # the command line wins over the environment
    parsed = parse("deploy", "--keep-versions", "5", "--publish", "--output", "text")
    assert parsed.params["keep_versions"] == 5 and parsed.params["publish"] is True
    assert parsed.root["output"] == "text"


def test_lambrolls_spellings_of_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """LAMBROLL_LOGLEVEL, LAMBROLL_EXTSTR, LAMBROLL_FUNCTION_URL... with lambherd's prefix."""
    monkeypatch.setenv("LAMBHERD_LOGLEVEL", "error")
    monkeypatch.setenv("LAMBHERD_EXTSTR", "a=1 b=2")
    monkeypatch.setenv("LAMBHERD_FUNCTION", "other.json")
    monkeypatch.setenv("LAMBHERD_REGION", "ap-northeast-1")
    monkeypatch.setenv("AWS_REGION", "us-west-2")  # LAMBHERD_REGION is asked first
    parsed = parse("render")
    assert parsed.root["log_level"] == "error"
    assert parsed.root["ext_str"] == ("a=1", "b=2")
    assert parsed.root["function_path"] == "other.json"
    assert parsed.root["region"] == "ap-northeast-1"


def test_trace_is_a_log_level(lh: Any, tmp_path: Path) -> None:
    parsed = parse("--log-level", "trace", "render")
    assert parsed.root["log_level"] == "trace"
    result = lh("-C", tmp_path, "render", "--log-level", "trace")
    assert result.code == 1 and "Traceback" in result.err  # trace shows what debug shows


def test_an_unknown_option_is_still_refused_with_a_hint_that_works(lh: Any) -> None:
    result = lh("deploy", "--prun")
    assert result.code == 2
    assert "No such option '--prun'" in result.err and "'--prune'" in result.err


def test_an_option_file_cannot_call_aws(lh: Any, tmp_path: Path) -> None:
    (tmp_path / "opts.json").write_text('{"region": "{{ ssm `/region` }}"}')
    result = lh("--option", tmp_path / "opts.json", "render")
    assert result.code != 0 and "Traceback" not in result.err
    assert "cannot be used in an option file" in result.err.splitlines()[0]


def test_help_reads_no_option_file(
    lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken.json").write_text('{"region": ')
    monkeypatch.setenv("LAMBHERD_OPTION", str(tmp_path / "broken.json"))
    assert lh("deploy", "--help").code == 0
    broken = lh("-C", tmp_path, "render")
    assert broken.code == 1 and broken.err.startswith("error: --option: broken.json:1:")
