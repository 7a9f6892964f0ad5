"""What a client reads from the sandbox's Lambda, in Lambda's shapes: LastModified in Lambda's
format in every answer, layer content downloadable, layers at /opt and the code at /var/task in
what an invocation shows, a missing function's errors naming its region."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import urllib.request
import zipfile
from typing import Any

import pytest

from sandbox_testkit import REGION, create, create_with

pytestmark = pytest.mark.slow
LAMBDA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def _fresh(lam: Any, name: str) -> None:
    try:
        lam.delete_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        pass


def test_last_modified_is_in_lambdas_format_everywhere(sandbox: Any) -> None:
    lam = sandbox("lambda")
    _fresh(lam, "dated-fn")
    stamps = [create(lam, "dated-fn")["LastModified"]]
    stamps.append(lam.publish_version(FunctionName="dated-fn")["LastModified"])
    lam.get_waiter("function_updated_v2").wait(FunctionName="dated-fn")
    updated = lam.update_function_configuration(FunctionName="dated-fn", Timeout=9)
    stamps.append(updated["LastModified"])
    stamps.append(lam.get_function(FunctionName="dated-fn")["Configuration"]["LastModified"])
    stamps.append(lam.get_function_configuration(FunctionName="dated-fn")["LastModified"])
    stamps += [
        v["LastModified"]
        for v in lam.list_versions_by_function(FunctionName="dated-fn")["Versions"]
    ]
    stamps += [
        f["LastModified"]
        for f in lam.list_functions()["Functions"]
        if f["FunctionName"] == "dated-fn"
    ]
    assert len(stamps) == 8  # $LATEST and version 1 listed
    assert [s for s in stamps if not LAMBDA_TIME.match(s)] == []


def test_layers_download_and_run_at_opt_with_the_code_at_var_task(sandbox: Any) -> None:
    lam = sandbox("lambda")
    layer_zip = _zip(
        {
            "python/shared.py": "WHO = 'layer python'\n",
            "python/lib/python3.12/site-packages/shared.py": "WHO = 'layer site-packages'\n",
        }
    )
    published = lam.publish_layer_version(LayerName="opt-lib", Content={"ZipFile": layer_zip})
    arn = published["LayerVersionArn"]
    assert f":{REGION}:" in arn
    for doc in (
        lam.get_layer_version(LayerName="opt-lib", VersionNumber=published["Version"]),
        lam.get_layer_version_by_arn(Arn=arn),
    ):
        with urllib.request.urlopen(doc["Content"]["Location"]) as resp:
            data = resp.read()
        assert data == layer_zip
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert digest == doc["Content"]["CodeSha256"]
    _fresh(lam, "opt-fn")
    source = (
        "import shared\n"
        "def handler(event, context):\n"
        "    if event.get('fail'):\n"
        "        raise RuntimeError('boom')\n"
        "    return shared.WHO\n"
    )
    create_with(lam, "opt-fn", source, Layers=[arn])
    ran = lam.invoke(FunctionName="opt-fn", Payload=b"{}")
    # Lambda's order: /opt/python/lib/python3.12/site-packages before /opt/python
    assert json.loads(ran["Payload"].read()) == "layer site-packages"
    failed = lam.invoke(FunctionName="opt-fn", Payload=b'{"fail": true}', LogType="Tail")
    error = json.loads(failed["Payload"].read())
    assert error["errorType"] == "RuntimeError"
    assert any('File "/var/task/app.py"' in line for line in error["stackTrace"]), error
    log = base64.b64decode(failed["LogResult"]).decode()
    assert "/var/task/app.py" in log and "/tmp/" not in log


def test_a_missing_function_is_not_found_in_its_region(sandbox: Any) -> None:
    lam = sandbox("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException, match=f":{REGION}:"):
        lam.list_versions_by_function(FunctionName="no-such-fn")
    with pytest.raises(lam.exceptions.ResourceNotFoundException, match=f":{REGION}:"):
        lam.invoke(FunctionName="no-such-fn", Payload=b"{}")
