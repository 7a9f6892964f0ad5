"""The import record (lambherd-import.json): which alias deploys move, its deploy settings as
a layer under lambherd.toml's, and ``import --all`` asking before it tags live functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aws_testkit import create_function, make_zip
from lambherd.importing.record import RECORD_FILE, choose_alias, settings_layer
from lambherd.importing.remote import RemoteFunction
from lambherd.project.config import OWNER_TAG, load_project

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:f"


def remote_with(*aliases: tuple[str, str]) -> RemoteFunction:
    return RemoteFunction(
        configuration={"FunctionName": "f", "FunctionArn": ARN},
        tags={},
        code={},
        aliases=tuple({"Name": n, "FunctionVersion": v} for n, v in aliases),
    )


def test_the_alias_deploys_move() -> None:
    assert choose_alias(remote_with()) == (None, [])
    alias, others = choose_alias(remote_with(("prod", "3")))
    assert alias is not None and alias["Name"] == "prod" and others == []
    # current (lambherd's and lambroll's) wins; else the alias serving the newest version
    alias, others = choose_alias(remote_with(("prod", "3"), ("current", "2")))
    assert alias is not None and alias["Name"] == "current" and others == ["prod"]
    alias, others = choose_alias(remote_with(("staging", "4"), ("prod", "3"), ("old", "$LATEST")))
    assert alias is not None and alias["Name"] == "staging" and others == ["old", "prod"]


def test_the_record_is_a_settings_layer_under_lambherd_toml(tmp_path: Path) -> None:
    folder = tmp_path / "functions" / "api"
    folder.mkdir(parents=True)
    (folder / RECORD_FILE).write_text(json.dumps({"deploy": {"alias": "prod"}}))
    (tmp_path / "lambherd.toml").write_text('[project]\nname = "p"\n')
    assert load_project(tmp_path / "lambherd.toml").settings_for("functions/api").alias == "prod"
    (tmp_path / "lambherd.toml").write_text(
        '[project]\nname = "p"\n[functions."functions/api"]\nalias = "live"\n'
    )
    assert load_project(tmp_path / "lambherd.toml").settings_for("functions/api").alias == "live"
    (folder / RECORD_FILE).write_text(json.dumps({"deploy": {"publish": False}}))
    layer = settings_layer(folder)
    assert layer is not None and dict(layer.values) == {"publish": False}
    (folder / RECORD_FILE).write_text(json.dumps({"deploy": {"keep_versions": 0}}))
    with pytest.raises(Exception, match="keep_versions: must be at least 1"):
        settings_layer(folder)


@pytest.mark.slow
def test_import_all_asks_before_tagging(lh, boto, code_proxy, lambda_role, tmp_path) -> None:
    package = make_zip({"app.py": b"def handler(e, c):\n    return 1\n"})
    create_function(boto, lambda_role, "live-fn", package, Tags={"team": "a"})
    code_proxy.code["live-fn"] = package
    lam = boto("lambda")
    arn = lam.get_function(FunctionName="live-fn")["Configuration"]["FunctionArn"]
    declined = lh("-C", tmp_path, "import", "--all")  # no terminal, no --yes: the answer is no
    assert declined.code == 0, declined.err
    assert "not adopted live-fn" in declined.err and "plan shows that tag" in declined.err
    assert OWNER_TAG not in lam.list_tags(Resource=arn)["Tags"]
    plan = lh("-C", tmp_path, "--output", "json", "plan")
    row = json.loads(plan.out)["functions"][0]
    assert row["function"] == "live-fn" and row["changes"] == ["tags"], row
    agreed = lh("-C", tmp_path, "--yes", "import", "--all", "--force")
    assert agreed.code == 0 and "adopted live-fn" in agreed.err
    assert lam.list_tags(Resource=arn)["Tags"][OWNER_TAG] == tmp_path.name
    assert lh("-C", tmp_path, "plan", "--exit-code").code == 0
