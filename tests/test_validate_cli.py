"""`lambherd validate`: exit codes, one line per problem, JSON output, the hello example."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "hello"
ROLE = "arn:aws:iam::123456789012:role/lambda-exec"


def write_function(folder: Path, config: dict[str, Any], name: str = "function.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text("def handler(event, context):\n    return event\n")
    path = folder / name
    path.write_text(json.dumps(config))
    return path


def good_config(**changes: Any) -> dict[str, Any]:
    config = {
        "FunctionName": "hello",
        "Runtime": "python3.13",
        "Handler": "app.handler",
        "Role": ROLE,
        "MemorySize": 256,
    }
    config.update(changes)
    return config


def test_valid_definition_prints_ok(lh, tmp_path: Path) -> None:
    write_function(tmp_path, good_config())
    result = lh("-C", tmp_path, "validate")
    assert result.code == 0
    assert result.out == "function.json: ok\n"
    assert result.err == ""


def test_problems_exit_1_one_line_each(lh, tmp_path: Path) -> None:
    config = good_config(MemorySize=20000, Environment={"Variables": {"PORT": 8080}})
    write_function(tmp_path, config)
    result = lh("-C", tmp_path, "validate")
    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        "error: function.json: 2 problems found",
        "  function.json: MemorySize: 20000 is above Lambda's limit of 10240",
        "  function.json: Environment.Variables.PORT: expected a string, got integer 8080",
    ]
    assert "Traceback" not in result.err


def test_warnings_go_to_stderr_and_do_not_fail(lh, tmp_path: Path) -> None:
    write_function(tmp_path, good_config(Runtime="python3.9"))
    result = lh("-C", tmp_path, "validate")
    assert result.code == 0
    assert result.out == "function.json: ok\n"
    assert re.fullmatch(
        r"warning: function\.json: Runtime: python3\.9 was deprecated by Lambda on "
        r"2025-12-15; move to python3\.\d+\n",
        result.err,
    )


def test_json_output(lh, tmp_path: Path) -> None:
    write_function(tmp_path, good_config(Timeout=0, Runtime="python3.8"))
    result = lh("-C", tmp_path, "--output", "json", "validate")
    assert result.code == 1
    doc = json.loads(result.out)
    assert doc["valid"] is False
    assert doc["errors"] == ["function.json: Timeout: 0 is below Lambda's minimum of 1"]
    assert len(doc["warnings"]) == 1 and "python3.8" in doc["warnings"][0]


def test_json_output_valid(lh, tmp_path: Path) -> None:
    write_function(tmp_path, good_config())
    result = lh("--output", "json", "-C", tmp_path, "validate")
    assert result.code == 0
    assert json.loads(result.out) == {"valid": True, "errors": [], "warnings": []}


def test_function_option_and_url_sidecar(lh, tmp_path: Path) -> None:
    write_function(tmp_path / "svc", good_config(), name="prod.json")
    (tmp_path / "svc" / "function_url.json").write_text(
        json.dumps({"Config": {"AuthType": "OPEN"}})
    )
    result = lh("-C", tmp_path, "--function", "svc/prod.json", "validate")
    assert result.code == 1
    assert result.err.splitlines() == [  # one problem: one line
        'error: function_url.json: Config.AuthType: "OPEN" is not one of NONE, AWS_IAM'
    ]


def test_unreadable_definition_is_one_line(lh, tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text("{not json")
    result = lh("-C", tmp_path, "validate")
    assert result.code == 1
    assert len(result.err.splitlines()) == 1
    assert result.err.startswith("error: function.json:1:2: invalid JSON")


def test_missing_definition(lh, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "validate")
    assert result.code == 1
    assert result.err.startswith(f"error: {tmp_path}: no function.json")


def _render_hello(text: str, env: dict[str, str], account: str) -> str:
    """The two template calls examples/hello uses, evaluated the way lambroll does."""
    text = text.replace("{{ caller_identity.Account }}", account)
    return re.sub(
        r"\{\{ env `(\w+)` `([^`]*)` \}\}", lambda m: env.get(m.group(1), m.group(2)), text
    )


def test_hello_example_rendered_passes(lh, tmp_path: Path) -> None:
    folder = tmp_path / "hello"
    shutil.copytree(EXAMPLE, folder)
    path = folder / "function.json"
    path.write_text(_render_hello(path.read_text(), {"GREETING": "Hi"}, "123456789012"))
    assert "{{" not in path.read_text()
    result = lh("-C", folder, "validate")
    assert (result.code, result.out, result.err) == (0, "function.json: ok\n", "")


def test_hello_example_through_the_loader(lh, aws, monkeypatch, tmp_path: Path) -> None:
    """The real loader renders the templates (env and caller_identity via moto's STS)."""
    from lambherd.app import RenderOptions
    from lambherd.aws import AwsClients
    from lambherd.definition import load_function

    monkeypatch.setenv("GREETING", "Hi")
    monkeypatch.setenv("HELLO_BUCKET", "greetings-bucket")
    rendered = load_function(EXAMPLE / "function.json", RenderOptions(), AwsClients())
    assert "{{" not in json.dumps(rendered.config)
    assert rendered.config["Environment"]["Variables"]["GREETING"] == "Hi"
    result = lh("-C", EXAMPLE, "validate")
    assert (result.code, result.out, result.err) == (0, "function.json: ok\n", "")


def test_help_does_not_import_botocore() -> None:
    code = (
        "import sys\n"
        "from lambherd.cli.main import main\n"
        "try:\n"
        "    main(['validate', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED' if 'botocore' in sys.modules else 'CLEAN', file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "Check function.json" in proc.stdout
    assert proc.stderr.strip() == "CLEAN"
