"""diff, render, versions, list, invoke, status, archive and delete with lambroll's flags and
output shapes, against moto's server (the ``fn_dir`` function)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aws_testkit import OPS_NAME
from cli_testkit import assert_one_error


@pytest.fixture
def fn(fn_dir: Path, lambda_role: str) -> Path:
    """The deployed function's folder, its definition matching what is deployed."""
    _definition(fn_dir, Role=lambda_role)
    return fn_dir


def _definition(fn_dir: Path, **changes: Any) -> None:
    path = fn_dir / "function.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_diff_ignore_takes_lambrolls_jq_paths(fn: Path, lh: Any) -> None:
    _definition(fn, MemorySize=1024, Timeout=30)
    assert lh("-C", fn, "diff", "--exit-code").code == 2
    both = lh("-C", fn, "diff", "--ignore", ".MemorySize, .Timeout", "--exit-code")
    assert both.code == 0, both.out
    one = lh("-C", fn, "diff", "--ignore", ".MemorySize", "--exit-code")
    assert one.code == 2 and '"Timeout": 30' in one.out and "MemorySize" not in one.out
    dotted = lh("-C", fn, "diff", "--ignore", "MemorySize", "--ignore", "Timeout")
    assert dotted.out == ""  # lambherd's dotted paths still work, repeated
    assert_one_error(lh("-C", fn, "diff", "--ignore", "del(.Timeout)"), "--ignore", "paths")


def test_diff_unified_is_the_default_and_no_unified_shows_everything(fn: Path, lh: Any) -> None:
    _definition(fn, Description="changed")
    default = lh("-C", fn, "diff")
    assert lh("-C", fn, "diff", "-u").out == default.out
    assert lh("-C", fn, "diff", "--unified").out == default.out
    assert any(line.startswith("@@") for line in default.out.splitlines())
    full = lh("-C", fn, "diff", "--no-unified").out.splitlines()
    assert not any(line.startswith("@@") for line in full)
    assert any('"FunctionName"' in line for line in full)  # every line, not just the context
    assert '+  "Description": "changed",' in full


def test_diff_external_runs_the_program_on_two_files(
    fn: Path, lh: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _definition(fn, Description="changed")
    shown = lh("-C", fn, "diff", "--external", "cat", "--exit-code")
    assert shown.code == 2
    remote, _, local = shown.out.partition("}\n{")
    assert '"Description": "changed"' not in remote and '"Description": "changed"' in local
    # LAMBROLL_DIFF_COMMAND, with lambherd's prefix; and a diff program that exits 1 is an error
    monkeypatch.setenv("LAMBHERD_DIFF_COMMAND", "diff -u")
    failed = lh("-C", fn, "diff")
    assert_one_error(failed, "--external 'diff -u': exited 1")
    wrapped = lh("-C", fn, "diff", "--external", 'sh -c "diff -u $0 $1 || true"')
    assert wrapped.code == 0 and '+  "Description": "changed",' in wrapped.out
    # nothing differs: the program is not run
    _definition(fn, Description="")
    assert lh("-C", fn, "diff", "--external", "false", "--exit-code").code == 0


def test_diff_skip_function_compares_the_url_only(fn: Path, lh: Any) -> None:
    _definition(fn, MemorySize=2048)
    (fn / "function_url.json").write_text(json.dumps({"Config": {"AuthType": "NONE"}}))
    r = lh("-C", fn, "diff", "--skip-function")
    assert r.code == 0 and "FunctionUrl" in r.out and "MemorySize" not in r.out


def test_render_jsonnet_evaluates_to_the_same_document(fn: Path, lh: Any) -> None:
    import _jsonnet

    _definition(fn, Environment={"Variables": {"QUOTE": 'it\'s "fine"\n'}}, Layers=[])
    as_json = json.loads(lh("-C", fn, "render").out)
    text = lh("-C", fn, "render", "--jsonnet").out
    assert "FunctionName: 'ops-fn'," in text
    assert json.loads(_jsonnet.evaluate_snippet("render", text)) == as_json


def test_render_function_url_as_lambroll_reads_it(fn: Path, lh: Any) -> None:
    (fn / "public.json").write_text(json.dumps({"Config": {"AuthType": "NONE"}}))
    r = lh("-C", fn, "render", "--function-url", "public.json")
    assert r.code == 0, r.err
    assert json.loads(r.out) == {
        "Config": {"AuthType": "NONE", "FunctionName": OPS_NAME},
        "Permissions": [{"Principal": "*"}],
    }


def test_versions_tsv_and_json_have_lambrolls_columns(fn: Path, lh: Any, boto: Any) -> None:
    lam = boto("lambda")
    lam.publish_version(FunctionName=OPS_NAME)
    lam.create_alias(FunctionName=OPS_NAME, Name="current", FunctionVersion="1")
    tsv = lh("-C", fn, "versions", "--output", "tsv").out.splitlines()
    assert [line.split("\t")[0] for line in tsv] == ["1", "$LATEST"]
    _, modified, aliases, runtime = tsv[0].split("\t")
    assert (aliases, runtime) == ("current", "python3.12") and "T" in modified
    rows = json.loads(lh("-C", fn, "versions", "--output", "json").out)
    assert list(rows[0]) == ["Version", "Aliases", "LastModified", "Runtime", "CodeSha256"]


def test_list_definitions_prints_each_function_as_lambroll_does(
    fn: Path, lh: Any, boto: Any
) -> None:
    lam = boto("lambda")
    arn = lam.get_function(FunctionName=OPS_NAME)["Configuration"]["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"team": "ops"})
    out = lh("list", "--definitions").out
    decoder, documents, i = json.JSONDecoder(), [], 0
    while i < len(out.strip()):
        doc, i = decoder.raw_decode(out, i)
        documents.append(doc)
        while i < len(out) and out[i].isspace():
            i += 1
    (doc,) = [d for d in documents if d["FunctionName"] == OPS_NAME]
    assert doc["Runtime"] == "python3.12" and doc["Tags"] == {"team": "ops"}
    assert "FunctionArn" not in doc and "LastModified" not in doc  # function.json's shape


def test_several_json_documents_in_payload(fn: Path, lh: Any) -> None:
    r = lh("-C", fn, "invoke", "--payload", '{"n": 1}{"n": 2}\n{"n": 3}')
    assert r.code == 0, r.err
    assert [json.loads(line) for line in r.out.splitlines()] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert_one_error(lh("-C", fn, "invoke", "--payload", '{"n": 1} nope'), "--payload")


def test_status_output_table_and_json_after_the_command(fn: Path, lh: Any) -> None:
    table = lh("-C", fn, "status", "--output", "table")  # lambroll's status --output
    assert table.code == 0 and OPS_NAME in table.out
    doc = json.loads(lh("-C", fn, "status", "--output", "json").out)
    assert OPS_NAME in json.dumps(doc)


def test_archive_src_zips_another_folder(fn: Path, lh: Any, tmp_path: Path) -> None:
    import zipfile

    other = tmp_path / "code"
    other.mkdir()
    (other / "main.py").write_text("x = 1\n")
    r = lh("-C", fn, "archive", "--src", other, "--dest", tmp_path / "o.zip")
    assert r.code == 0, r.err
    assert zipfile.ZipFile(tmp_path / "o.zip").namelist() == ["main.py"]


def test_delete_force_asks_nothing(fn: Path, lh: Any, boto: Any) -> None:
    assert lh("-C", fn, "delete", "--force").code == 0
    with pytest.raises(boto("lambda").exceptions.ResourceNotFoundException):
        boto("lambda").get_function(FunctionName=OPS_NAME)
