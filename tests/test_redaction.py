"""Credentials never reach the log: the filter ``cli/main.py`` puts on the root handler masks
access key ids past a prefix, secrets, session tokens, Authorization signatures,
X-Amz-Security-Token and presigned URL signatures in every record — ours, botocore's (its
debug log of headers and canonical requests) and urllib3's.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import write_function

#: Distinctive values, so that any leak is found by a plain substring search.
ACCESS_KEY = "ASIAQWERTYUIOPASDFGH"
SECRET = "s3cr3t/KeyThatMustNeverBeLogged+abcdEFGH1234"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLEtokenNeverLogged//////////wEaCXVzLWVhc3QtMSJHMEUCIQ=="


def run_cli(args: list[str], env_overrides: dict[str, str], cwd: Path) -> Any:
    env = {**os.environ, **env_overrides}
    return subprocess.run(
        [sys.executable, "-m", "lambherd", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def assert_no_credentials(text: str) -> None:
    assert SECRET not in text
    assert TOKEN not in text
    assert ACCESS_KEY not in text
    # nor in the encodings they travel in (a URL query, a header's bytes repr)
    from urllib.parse import quote

    assert quote(TOKEN, safe="") not in text
    assert quote(SECRET, safe="") not in text


@pytest.mark.slow
def test_debug_log_of_a_real_command_holds_no_credential(aws, tmp_path) -> None:
    """``--log-level debug list`` against moto's server with a session token: botocore logs
    its headers and canonical requests; none of the credentials shows."""
    creds = {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
    }
    result = run_cli(["--log-level", "debug", "list"], creds, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    err = result.stderr
    # the test can fail: botocore did log the requests it signed
    assert "CanonicalRequest" in err and "x-amz-security-token" in err.lower()
    assert "ASIA" in err  # the access key id keeps its prefix, so a user can tell keys apart
    assert_no_credentials(err + result.stdout)


@pytest.mark.slow
def test_debug_log_of_a_deploy_to_the_sandbox_holds_no_credential(sandbox, tmp_path) -> None:
    """A deploy (create, code upload, publish, alias) to the sandbox through the endpoint, with
    a session token in the environment."""
    folder = write_function(tmp_path / "fn", "arn:aws:iam::123456789012:role/redaction")
    creds = {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
    }
    result = run_cli(["--log-level", "debug", "-C", str(folder), "deploy"], creds, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Authorization" in result.stderr and "Signature=" in result.stderr
    assert_no_credentials(result.stderr + result.stdout)


# -- the filter on records -----------------------------------------------------------------


@pytest.fixture
def logged(monkeypatch):
    """A logger whose handler carries the redaction filter; returns what it wrote."""
    import io

    from lambherd.redaction import install_redaction

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("lambherd.test.redaction")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    install_redaction(logger)
    yield logger, stream
    logger.removeHandler(handler)


def test_authorization_header_keeps_scope_but_not_key_or_signature(logged) -> None:
    logger, out = logged
    auth = (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20260101/eu-west-1/lambda/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-security-token, "
        "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    )
    logger.debug("Sending http request: %s", {"Authorization": auth.encode()})
    text = out.getvalue()
    assert ACCESS_KEY not in text and "0123456789abcdef" not in text
    assert "Credential=ASIA" in text and "/20260101/eu-west-1/lambda/aws4_request" in text


def test_canonical_request_token_line_and_header_dict(logged) -> None:
    logger, out = logged
    logger.debug("CanonicalRequest:\nPOST\n/\n\nhost:x\nx-amz-security-token:%s\n", TOKEN)
    logger.debug("headers=%r", {"X-Amz-Security-Token": TOKEN.encode(), "Host": "x"})
    assert TOKEN not in out.getvalue()
    assert "x-amz-security-token:" in out.getvalue()


def test_presigned_url_signature_and_token(logged) -> None:
    from urllib.parse import quote

    logger, out = logged
    url = (
        "http://127.0.0.1:4566/_lambherd/code/f/1/ab.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={ACCESS_KEY}%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
        f"&X-Amz-Security-Token={quote(TOKEN, safe='')}&X-Amz-Signature=deadbeefcafe1234"
    )
    logger.info('"GET %s HTTP/1.1" 200', url)
    text = out.getvalue()
    assert quote(TOKEN, safe="") not in text and "deadbeefcafe1234" not in text
    assert ACCESS_KEY not in text and "X-Amz-Algorithm=AWS4-HMAC-SHA256" in text


def test_sts_answers_in_xml_and_json(logged) -> None:
    logger, out = logged
    xml = (
        f"<Credentials><AccessKeyId>{ACCESS_KEY}</AccessKeyId><SecretAccessKey>other-secret-"
        f"value</SecretAccessKey><SessionToken>{TOKEN}</SessionToken></Credentials>"
    )
    doc = {"Credentials": {"SecretAccessKey": "json-secret", "SessionToken": "json-token"}}
    logger.debug("Response body:\n%s", xml.encode())
    logger.debug("Response body:\n%s", json.dumps(doc))
    text = out.getvalue()
    for leaked in (ACCESS_KEY, "other-secret-value", TOKEN, "json-secret", "json-token"):
        assert leaked not in text


def test_the_environment_credentials_are_masked_anywhere(logged) -> None:
    logger, out = logged
    logger.warning("odd place: %s and %s", SECRET, TOKEN)
    try:
        raise RuntimeError(f"failed with {SECRET}")
    except RuntimeError:
        logger.exception("boom")
    text = out.getvalue()
    assert SECRET not in text and TOKEN not in text
    assert "RuntimeError" in text  # the traceback is still there


def test_a_plain_message_is_left_alone(logged) -> None:
    logger, out = logged
    logger.info("deployed %s version %d", "orders", 3)
    assert out.getvalue() == "deployed orders version 3\n"
