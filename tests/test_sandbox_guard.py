"""No web page can touch the sandbox: a foreign Host (DNS rebinding) is refused everywhere,
browser requests are refused on the control endpoints (``/_lambherd/*``, ``/moto-api/*``) and
on the AWS APIs, the AWS APIs require a SigV4 signature (header or presigned query) as AWS does,
``AWS_IAM`` function URLs verify the signature against the sandbox's credentials, and
Code.Location is a presigned-style URL whose signature and expiry are checked. Every client
path still works: boto3, lambherd, the journal replay, Code.Location downloads, public URLs
from a browser.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox_testkit import REGION, InProcessSandbox, create, create_with

WEB = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"path": event["rawPath"],
            "auth": event["requestContext"].get("authorizer")})}
"""
EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Any:
    sb = InProcessSandbox(tmp_path_factory.mktemp("guard"))
    yield sb
    sb.close()


def send(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One raw HTTP request (as a browser or a script would send it): (status, body)."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def names(box: InProcessSandbox) -> set[str]:
    return {f["FunctionName"] for f in box.client("lambda").list_functions()["Functions"]}


# -- Host --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_foreign_host_is_refused_everywhere(box: InProcessSandbox) -> None:
    create(box.client("lambda"), "keep-me")
    rebinding = {"Host": f"evil.example:{box.port}"}
    status, body = send(
        f"{box.endpoint}/_lambherd/reset", method="POST", data=b"", headers=rebinding
    )
    assert status == 403 and b"Host" in body
    status, _ = send(f"{box.endpoint}/2015-03-31/functions/", headers=rebinding)
    assert status == 403
    status, _ = send(f"{box.endpoint}/_lambherd/health", headers={"Host": "127.0.0.1:1"})
    assert status == 403  # another port is another address
    assert "keep-me" in names(box)


@pytest.mark.slow
def test_the_sandbox_own_addresses_are_accepted(box: InProcessSandbox) -> None:
    for host in (f"127.0.0.1:{box.port}", f"localhost:{box.port}", f"LOCALHOST:{box.port}"):
        status, body = send(f"{box.endpoint}/_lambherd/health", headers={"Host": host})
        assert status == 200 and json.loads(body)["service"] == "lambherd-sandbox", host


# -- browsers on the control endpoints ---------------------------------------------------------


@pytest.mark.slow
def test_a_cross_site_form_post_cannot_reset_the_sandbox(box: InProcessSandbox) -> None:
    create(box.client("lambda"), "survivor")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for browser in (
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
        {"Sec-Fetch-Site": "same-origin"},  # a page served by a function URL on this origin
    ):
        status, body = send(
            f"{box.endpoint}/_lambherd/reset", method="POST", data=b"x=1", headers=form | browser
        )
        assert status == 403 and b"browser" in body, browser
        status, _ = send(f"{box.endpoint}/moto-api/reset", method="POST", data=b"", headers=browser)
        assert status == 403, browser
    status, _ = send(
        f"{box.endpoint}/_lambherd/clock",
        method="POST",
        data=b'{"advance_seconds": 60}',
        headers={"Origin": EVIL},
    )
    assert status == 403
    assert "survivor" in names(box)


@pytest.mark.slow
def test_typing_the_health_address_in_a_browser_still_works(box: InProcessSandbox) -> None:
    status, _ = send(
        f"{box.endpoint}/_lambherd/health",
        headers={"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"},
    )
    assert status == 200


# -- the AWS APIs --------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_unsigned_invoke_with_a_text_body_is_refused(box: InProcessSandbox) -> None:
    create(box.client("lambda"), "victim")
    status, body = send(
        f"{box.endpoint}/2015-03-31/functions/victim/invocations",
        method="POST",
        data=b'{"fail": false}',
        headers={"Content-Type": "text/plain"},
    )
    assert status == 403 and json.loads(body)["message"] == "Missing Authentication Token"
    status, _ = send(f"{box.endpoint}/2015-03-31/functions/victim", method="DELETE")
    assert status == 403
    assert "victim" in names(box)


@pytest.mark.slow
def test_a_browser_with_a_forged_signature_is_refused_on_the_apis(box: InProcessSandbox) -> None:
    create(box.client("lambda"), "forged")
    forged = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host, Signature=00",
        "Origin": EVIL,
    }
    status, _ = send(f"{box.endpoint}/2015-03-31/functions/forged", method="DELETE", headers=forged)
    assert status == 403
    preflight = {
        "Origin": EVIL,
        "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "authorization",
    }
    status, _ = send(
        f"{box.endpoint}/2015-03-31/functions/forged", method="OPTIONS", headers=preflight
    )
    assert status == 403
    assert "forged" in names(box)


@pytest.mark.slow
def test_signed_clients_keep_working(box: InProcessSandbox) -> None:
    """boto3 on several services, S3 presigned URLs (query-signed, as AWS accepts them)."""
    from sandbox_testkit import make_bucket

    lam, s3 = box.client("lambda"), box.client("s3")
    create(lam, "signed-ok")
    assert lam.get_function(FunctionName="signed-ok")["Configuration"]["State"] == "Active"
    assert box.client("sts").get_caller_identity()["Account"]
    make_bucket(s3, "guard-bucket")
    s3.put_object(Bucket="guard-bucket", Key="k", Body=b"hello")
    presigned = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "guard-bucket", "Key": "k"}
    )
    assert send(presigned) == (200, b"hello")
    unsigned = presigned.split("?", 1)[0]
    assert send(unsigned)[0] == 403


# -- Code.Location -------------------------------------------------------------------------------


@pytest.mark.slow
def test_code_location_is_presigned_and_checked(box: InProcessSandbox) -> None:
    from sandbox_testkit import code_zip

    lam = box.client("lambda")
    create(lam, "download-me", tag="zipped")
    location = lam.get_function(FunctionName="download-me")["Code"]["Location"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert {"X-Amz-Signature", "X-Amz-Expires", "X-Amz-Date"} <= set(query)
    assert send(location) == (200, code_zip("zipped"))
    base = location.split("?", 1)[0]
    assert send(base)[0] == 403  # no signature
    signature = query["X-Amz-Signature"][0]
    assert send(location.replace(signature, "0" * len(signature)))[0] == 403
    other = base.replace("download-me", "someone-else") + "?" + location.split("?", 1)[1]
    assert send(other)[0] == 403  # the signature is for that path only
    old = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    assert send(location.replace(query["X-Amz-Date"][0], old))[0] == 403


# -- function URLs -------------------------------------------------------------------------------


def _url(box: InProcessSandbox, name: str, auth: str) -> str:
    lam = box.client("lambda")
    create_with(lam, name, WEB)
    return lam.create_function_url_config(FunctionName=name, AuthType=auth)["FunctionUrl"]


def _signed(
    url: str,
    *,
    key: str = "sandbox",
    secret: str = "sandbox",
    region: str = REGION,
    data: bytes | None = None,
    method: str = "GET",
) -> tuple[str, dict[str, str], bytes | None]:
    """What a user's script sends to an IAM URL: a request signed with botocore's SigV4."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "text/plain"})
    SigV4Auth(Credentials(key, secret), "lambda", region).add_auth(request)
    return url, dict(request.headers.items()), data


@pytest.mark.slow
def test_an_iam_url_verifies_the_signature(box: InProcessSandbox) -> None:
    url = _url(box, "iam-web", "AWS_IAM")
    status, body = send(url + "page")
    assert status == 403  # unsigned
    target, headers, _ = _signed(url + "page?x=1")
    status, body = send(target, headers=headers)
    assert status == 200, body
    doc = json.loads(body)
    assert doc["path"] == "/page" and doc["auth"]["iam"]["accessKey"] == "sandbox"

    target, headers, _ = _signed(url + "page", secret="wrong-secret")
    status, body = send(target, headers=headers)
    assert status == 403 and b"signature" in body.lower()
    target, headers, _ = _signed(url + "page", key="AKIDUNKNOWN", secret="sandbox")
    assert send(target, headers=headers)[0] == 403
    # tampered after signing: another path, another body, another region's scope
    target, headers, _ = _signed(url + "page")
    assert send(url + "admin", headers=headers)[0] == 403
    target, headers, data = _signed(url + "post", data=b"amount=1", method="POST")
    assert send(target, method="POST", data=data, headers=headers)[0] == 200
    assert send(target, method="POST", data=b"amount=9", headers=headers)[0] == 403
    target, headers, _ = _signed(
        url + "page", region="eu-west-1" if REGION != "eu-west-1" else "us-west-2"
    )
    assert send(target, headers=headers)[0] == 403


@pytest.mark.slow
def test_an_old_signature_is_refused(
    box: InProcessSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.auth

    url = _url(box, "iam-old", "AWS_IAM")
    past = datetime.now(UTC) - timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: past.replace(tzinfo=None))
    target, headers, _ = _signed(url)
    monkeypatch.undo()
    status, body = send(target, headers=headers)
    assert status == 403 and b"expired" in body.lower()


@pytest.mark.slow
def test_a_public_url_stays_callable_from_a_browser(box: InProcessSandbox) -> None:
    url = _url(box, "public-web", "NONE")
    status, body = send(url + "x", headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
    assert status == 200 and json.loads(body)["path"] == "/x"


# -- the journal: replays are not requests from the network -----------------------------------


@pytest.mark.slow
def test_a_journal_recorded_on_another_port_replays(tmp_path) -> None:
    """Journaled requests carry the Host of the port they came in on; a restart on another
    port replays them all the same (the guard judges requests from the network only)."""
    from sandbox_testkit import in_process

    state = tmp_path / "state"
    with in_process(state) as sb:
        create(sb.client("lambda"), "replayed")
        first_port = sb.port
    with in_process(state) as sb:
        assert sb.port != first_port
        listed = sb.client("lambda").list_functions()["Functions"]
        assert "replayed" in {f["FunctionName"] for f in listed}
