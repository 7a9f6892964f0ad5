"""lambroll compatibility: the command line. Each case is a fact of lambroll's tests, named:

- ``cli_test.go`` (cliTests, TestParseCLISubcommandOption): ``--option`` files, envfile order,
  ``LAMBROLL_*`` variables (``LAMBHERD_*`` here), precedence command line > option file >
  environment; fixtures of ``test/cli/*.jsonnet`` written here with the same content;
- ``optionfile_test.go`` (TestNewOptionFileResolver, TestUnmarshalJSONStrict): a command's
  options under its name, unknown keys refused;
- ``cli_option_test.go`` (TestOptionUnmarshalJSON): ``ext_str``/``ext_code`` and the legacy
  ``extstr``/``extcode``;
- ``diff_test.go`` (TestRunExternalDiff, TestRunExternalDiffCommandError,
  TestRenderForExternalDiff): ``diff --external``;
- ``versions_test.go`` (TestVersionsJSON, TestVersionsTSV): ``versions`` columns.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from compat_testkit import parse
from lambherd.errors import UsageError

#: test/cli's option files and envfiles, by name.
CLI_FILES = {
    "debug.jsonnet": "{\n  log_level: 'debug',\n}\n",
    "global.jsonnet": '{\n    envfile: ["envfile.global"],\n}\n',
    "envfile.global": "GLOBAL=1\n",
    "envfile.local": "LOCAL=1\n",
    "envfile.useenv": "TEST_FUNCTION_NAME=hello\n",
    "useenv.jsonnet": (
        'local must_env = std.native("must_env");\n{\n'
        '    "function": must_env("TEST_FUNCTION_NAME"),\n}\n'
    ),
    "override.jsonnet": (
        "{\n  profile: 'dummy',\n  region: 'us-east-1',\n  log_level: 'trace',\n}\n"
    ),
    "ext_vars.jsonnet": (
        "{\n  ext_str: {\n    architecture: 'x86_64',\n"
        "    description: 'Test function with ext_str and ext_code',\n  },\n"
        "  ext_code: {\n    memory_size: '128',\n    storage_size: '512',\n"
        "    timeout: '30',\n  },\n}\n"
    ),
    "ext_vars_legacy.jsonnet": (
        "{\n  extstr: {\n    architecture: 'x86_64',\n"
        "    description: 'Test function with ext_str and ext_code',\n  },\n"
        "  extcode: {\n    memory_size: '128',\n    storage_size: '512',\n"
        "    timeout: '30',\n  },\n}\n"
    ),
    "subcommand.jsonnet": "{\n  region: 'us-west-2',\n  diff: {\n    external: 'dyff between',\n"
    "    code: true,\n  },\n}\n",
    "falsey.jsonnet": "{\n  color: false,\n  deploy: {\n    publish: false,\n  },\n}\n",
}
EXT_STR = {"architecture": "x86_64", "description": "Test function with ext_str and ext_code"}
EXT_CODE = {"memory_size": "128", "storage_size": "512", "timeout": "30"}


@pytest.fixture
def cli_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """lambroll's test/cli, as the current folder; the variables its files set are restored."""
    for name, text in CLI_FILES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    for name in ("GLOBAL", "LOCAL", "TEST_FUNCTION_NAME", "LAMBHERD_OPTION"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return tmp_path


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    """--ext-str/--ext-code values as the App reads them (a later key wins)."""
    return dict(v.split("=", 1) for v in values)


# ---------------------------------------------------------------------------------------------
# cli_test.go cliTests
# ---------------------------------------------------------------------------------------------
def test_render_without_options(cli_dir: Path) -> None:
    parsed = parse("render")
    assert parsed.command == "render" and parsed.root["log_level"] == "info"
    assert parsed.root["envfile"] == ()


def test_option_file_sets_the_log_level(cli_dir: Path) -> None:
    assert parse("render", "--option", "debug.jsonnet").root["log_level"] == "debug"


def test_envfile_after_the_command(cli_dir: Path) -> None:
    assert parse("render", "--envfile=envfile.global").root["envfile"] == ("envfile.global",)


def test_option_file_envfiles_come_before_the_command_lines(cli_dir: Path) -> None:
    parsed = parse(
        "--envfile=envfile.local", "--option", "global.jsonnet", "--function", "function.jsonnet",
        "render",
    )  # fmt: skip
    assert parsed.root["function_path"] == "function.jsonnet"
    assert parsed.root["envfile"] == ("envfile.global", "envfile.local")


def test_several_envfiles(cli_dir: Path) -> None:
    parsed = parse("--envfile=envfile.global", "--envfile=envfile.local", "render")
    assert parsed.root["envfile"] == ("envfile.global", "envfile.local")


def test_environment_variables(cli_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBHERD_LOGLEVEL", "error")  # LAMBROLL_LOGLEVEL
    monkeypatch.setenv("LAMBHERD_COLOR", "false")  # LAMBROLL_COLOR
    parsed = parse("render")
    assert parsed.root["log_level"] == "error" and parsed.root["color"] is False


def test_option_file_renders_with_the_command_lines_envfile(cli_dir: Path) -> None:
    parsed = parse("render", "--option", "useenv.jsonnet", "--envfile=envfile.useenv")
    assert parsed.root["function_path"] == "hello"
    assert parsed.root["envfile"] == ("envfile.useenv",)


def test_option_file_renders_with_the_environment(
    cli_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_FUNCTION_NAME", "world")
    assert parse("render", "--option", "useenv.jsonnet").root["function_path"] == "world"


@pytest.mark.parametrize("name", ["missing.jsonnet", "missing.json"])
def test_a_missing_option_file_is_an_error(cli_dir: Path, lh: Any, name: str) -> None:
    result = lh("render", "--option", name)
    assert result.code != 0 and result.err.startswith(f"error: --option {name}: no such file")


def test_command_line_beats_option_file_beats_environment(
    cli_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBHERD_LOG_LEVEL", "debug")
    for argv in (
        ("render", "--option", "override.jsonnet", "--profile", "mine", "--region", "us-west-2"),
        ("render", "--profile", "mine", "--region", "us-west-2"),
    ):
        if "--option" not in argv:
            monkeypatch.setenv("LAMBHERD_OPTION", "override.jsonnet")  # LAMBROLL_OPTION
        root = parse(*argv).root
        assert (root["profile"], root["region"]) == ("mine", "us-west-2")
        assert root["log_level"] == "trace"  # the option file's, over the environment's


@pytest.mark.parametrize("name", ["ext_vars.jsonnet", "ext_vars_legacy.jsonnet"])
def test_ext_vars_from_the_option_file(cli_dir: Path, name: str) -> None:
    root = parse("render", "--option", name).root
    assert _pairs(root["ext_str"]) == EXT_STR and _pairs(root["ext_code"]) == EXT_CODE


def test_ext_vars_on_the_command_line_merge_over_the_option_files(cli_dir: Path) -> None:
    root = parse(
        "render", "--option", "ext_vars.jsonnet",
        "--ext-str", "cli_key=cli_val", "--ext-str", "architecture=arm64",
        "--ext-code", "memory_size=256", "--ext-code", "storage_size=1024",
    ).root  # fmt: skip
    assert _pairs(root["ext_str"]) == {**EXT_STR, "architecture": "arm64", "cli_key": "cli_val"}
    assert _pairs(root["ext_code"]) == {**EXT_CODE, "memory_size": "256", "storage_size": "1024"}


# ---------------------------------------------------------------------------------------------
# cli_test.go TestParseCLISubcommandOption, optionfile_test.go TestNewOptionFileResolver
# ---------------------------------------------------------------------------------------------
def test_a_commands_options_from_its_section(cli_dir: Path) -> None:
    parsed = parse("diff", "--option", "subcommand.jsonnet")
    assert parsed.command == "diff" and parsed.root["region"] == "us-west-2"
    assert parsed.params["external"] == "dyff between" and parsed.params["code"] is True
    # the command line overrides the file
    parsed = parse("diff", "--option", "subcommand.jsonnet", "--external", "cli-cmd")
    assert parsed.params["external"] == "cli-cmd"
    # another command's section does not apply
    parsed = parse("deploy", "--option", "subcommand.jsonnet")
    assert parsed.root["region"] == "us-west-2" and parsed.params["publish"] is None


def test_false_values_from_the_option_file(cli_dir: Path) -> None:
    parsed = parse("deploy", "--option", "falsey.jsonnet")
    assert parsed.root["color"] is False and parsed.params["publish"] is False


# ---------------------------------------------------------------------------------------------
# optionfile_test.go TestUnmarshalJSONStrict
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"regionn": "x"}, "regionn: unknown option (did you mean region?)"),
        ({"diff": {"externall": "x"}}, "diff.externall: unknown option (did you mean external?)"),
        ({"deploy": {"publish": "no"}}, "deploy.publish: expected true or false, got 'no'"),
    ],
)
def test_unknown_keys_are_refused(cli_dir: Path, doc: dict, message: str) -> None:
    (cli_dir / "strict.json").write_text(json.dumps(doc))
    with pytest.raises(UsageError) as caught:
        parse("diff", "--option", "strict.json")
    assert caught.value.message == f"strict.json: {message}"


def test_valid_keys_of_every_level(cli_dir: Path) -> None:
    (cli_dir / "valid.json").write_text(
        json.dumps({"region": "us-west-2", "diff": {"external": "dyff", "code": True}})
    )
    assert parse("diff", "--option", "valid.json").params["external"] == "dyff"


# ---------------------------------------------------------------------------------------------
# diff_test.go
# ---------------------------------------------------------------------------------------------
def test_external_diff_gets_the_remote_file_then_the_local_one() -> None:
    from lambherd.services.diff import external_diff

    lines = external_diff("cat", {"side": "remote-content"}, {"side": "local-content"})
    text = "\n".join(lines)
    assert text.index("remote-content") < text.index("local-content")


def test_external_diff_that_cannot_run_is_an_error() -> None:
    from lambherd.services.diff import external_diff

    with pytest.raises(UsageError, match="cannot run this-command-should-not-exist-xyz"):
        external_diff("this-command-should-not-exist-xyz", {"a": 1}, {"a": 2})
    with pytest.raises(UsageError, match="exited 1"):
        external_diff("false", {"a": 1}, {"a": 2})


def test_ignored_paths_are_left_out_of_the_external_files() -> None:
    from lambherd.definition.jq_paths import delete_paths, parse_paths

    kept = delete_paths({"Keep": "yes", "Drop": "no"}, parse_paths(".Drop"))
    assert kept == {"Keep": "yes"}


# ---------------------------------------------------------------------------------------------
# versions_test.go: JSON and TSV columns
# ---------------------------------------------------------------------------------------------
def _rows() -> list[Any]:
    from lambherd.services.versions import VersionRow

    fixed = "2023-08-30T12:34:56.000+0900"  # TestFixedTime, Asia/Tokyo
    return [
        VersionRow("1", fixed, "sha1", "go1.x"),
        VersionRow("2", fixed, "sha2", "python3.8", alias_names=["current", "latest"]),
    ]


def test_versions_json_columns() -> None:
    first, second = (row.to_json() for row in _rows())
    assert first == {
        "Version": "1",
        "LastModified": "2023-08-30T12:34:56+09:00",
        "Runtime": "go1.x",
        "CodeSha256": "sha1",
    }
    assert second["Aliases"] == ["current", "latest"]


def test_versions_tsv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    try:
        lines = [row.tsv() for row in _rows()]
    finally:
        monkeypatch.undo()
        time.tzset()
    assert lines == [
        "1\t2023-08-30T12:34:56+09:00\t\tgo1.x",
        "2\t2023-08-30T12:34:56+09:00\tcurrent,latest\tpython3.8",
    ]
