"""lint's code checks on Python handlers: each check has a handler that triggers it and one that
does not (the same thing done the right way)."""

from __future__ import annotations

from pathlib import Path

from lint_testkit import findings, ids, run, write_function


def _lint(tmp_path: Path, source: str, **config):
    write_function(tmp_path / "fn", {"app.py": source}, **config)
    return run(tmp_path / "fn")


def test_sdk_client_in_handler_and_in_a_function_it_calls(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import boto3

        def table(name):
            return boto3.resource("dynamodb").Table(name)

        def handler(event, context):
            s3 = boto3.client("s3")
            table("orders").put_item(Item=event)
            return {}
        """,
    )
    found = findings(result, "LH101")
    assert [(f.line, f.file) for f in found] == [(4, "app.py"), (7, "app.py")]
    assert "in table(), called from handler()" in found[0].message
    assert "inside handler()" in found[1].message
    assert found[1].fix.startswith("create it once at module level")
    assert result.failed  # a warning fails at the default threshold


def test_clients_made_at_init_or_kept_are_not_reported(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import functools
        import boto3

        s3 = boto3.client("s3")
        session = boto3.Session()
        _clients = {}
        _sns = None

        @functools.lru_cache
        def ddb():
            return boto3.client("dynamodb")

        def sns():
            global _sns
            if _sns is None:
                _sns = boto3.client("sns")
            return _sns

        def handler(event, context):
            _clients["sqs"] = _clients.get("sqs") or boto3.client("sqs")
            ddb().get_item(TableName="t", Key={})
            sns().publish(TopicArn="a", Message="m")
            return s3.list_buckets()
        """,
    )
    assert findings(result, "LH101") == []
    assert not result.failed


def test_session_client_in_handler_is_a_client_per_invocation(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import boto3 as b3
        session = b3.session.Session()

        def handler(event, context):
            return session.client("sqs").list_queues()
        """,
    )
    (finding,) = findings(result, "LH101")
    assert finding.line == 5 and "session.client('sqs')" in finding.message


def test_http_session_in_handler(tmp_path: Path) -> None:
    source = """
        import requests, httpx, urllib3

        def handler(event, context):
            with requests.Session() as s:
                s.get("https://example.com")
            client = httpx.Client()
            pool = urllib3.PoolManager()
            return {}
        """
    result = _lint(tmp_path, source)
    assert [f.line for f in findings(result, "LH102")] == [4, 6, 7]


def test_http_session_at_module_level_is_fine(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import requests
        http = requests.Session()

        def handler(event, context):
            return http.get("https://example.com").status_code
        """,
    )
    assert ids(result) == set()


def test_db_connections_in_handler(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import psycopg2
        from redis import Redis
        from sqlalchemy import create_engine

        class Repo:
            def __init__(self):
                self.conn = psycopg2.connect("dbname=x")

        def handler(event, context):
            Repo()
            cache = Redis(host="r")
            engine = create_engine("postgresql://x")
            return {}
        """,
    )
    found = findings(result, "LH103")
    assert [f.line for f in found] == [7, 11, 12]
    assert "in Repo(), called from handler()" in found[0].message


def test_db_connection_at_init_is_fine(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import pymysql
        conn = pymysql.connect(host="db")

        def handler(event, context):
            with conn.cursor() as cursor:
                cursor.execute("select 1")
            return {}
        """,
    )
    assert findings(result, "LH103") == []


def test_heavy_import_in_handler_is_info_or_warning_with_provisioned_concurrency(
    tmp_path: Path,
) -> None:
    source = """
        import json

        def handler(event, context):
            import pandas as pd
            from numpy import array
            import decimal
            return json.dumps({})
        """
    result = _lint(tmp_path, source)
    found = findings(result, "LH104")
    assert [(f.line, f.severity.label) for f in found] == [(4, "info"), (5, "info")]
    assert not result.failed  # info never fails
    (tmp_path / "fn" / "concurrency.json").write_text('{"ProvisionedConcurrency": {"current": 2}}')
    again = run(tmp_path / "fn")
    assert {f.severity.label for f in findings(again, "LH104")} == {"warning"}


def test_heavy_import_at_module_level_is_fine(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import pandas as pd

        def handler(event, context):
            import json  # cheap and already imported: not reported
            return pd.__name__
        """,
    )
    assert findings(result, "LH104") == []


def test_printing_or_logging_the_whole_event(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import json, logging
        from aws_lambda_powertools import Logger
        logger = logging.getLogger(__name__)
        powertools = Logger()

        def show(e):
            print(f"received {e}")

        @powertools.inject_lambda_context(log_event=True)
        def handler(event, context):
            print(json.dumps(event, indent=2))
            logger.info("event: %s", event)
            show(event)
            return {}
        """,
    )
    assert [f.line for f in findings(result, "LH105")] == [7, 9, 11, 12]


def test_logging_parts_of_the_event_is_fine(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import logging
        logger = logging.getLogger(__name__)

        def handler(event, context):
            print("records:", len(event["Records"]))
            logger.info("request %s", event.get("requestContext", {}).get("requestId"))
            print(context)
            return {}
        """,
    )
    assert findings(result, "LH105") == []


def test_one_shot_http_calls_are_information(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import requests
        from urllib.request import urlopen

        def handler(event, context):
            requests.post("https://example.com/hook", json={})
            return urlopen("https://example.com").read()
        """,
    )
    found = findings(result, "LH106")
    assert [(f.line, f.severity.label) for f in found] == [(5, "info"), (6, "info")]


def test_calls_through_a_session_are_not_one_shot(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        """
        import requests
        http = requests.Session()

        def handler(event, context):
            http.post("https://example.com/hook", json={})
            return {}
        """,
    )
    assert findings(result, "LH106") == []


def test_handler_module_missing_including_nested_packages(tmp_path: Path) -> None:
    write_function(
        tmp_path / "fn",
        {"src/orders/app.py": "def handler(e, c):\n    return 1\n"},
        handler="src/orders/api.handler",
    )
    (finding,) = findings(run(tmp_path / "fn"), "LH002")
    assert "src/orders/api.py" in finding.message and finding.file == "function.json"
    assert finding.line == 4  # the "Handler" line of function.json


def test_handler_module_found_in_nested_packages_both_spellings(tmp_path: Path) -> None:
    files = {"src/orders/api.py": "def handler(e, c):\n    return 1\n"}
    for spelling in ("src/orders/api.handler", "src.orders.api.handler"):
        write_function(tmp_path / "fn", files, handler=spelling)
        assert ids(run(tmp_path / "fn")) == set(), spelling


def test_handler_module_left_out_by_lambdaignore(tmp_path: Path) -> None:
    write_function(tmp_path / "fn", {".lambdaignore": "app.py\n"})
    (finding,) = findings(run(tmp_path / "fn"), "LH002")
    assert "not in the package" in finding.message


def test_handler_module_missing_with_layers_is_a_warning(tmp_path: Path) -> None:
    write_function(
        tmp_path / "fn",
        {"other.py": "x = 1\n"},
        Layers=["arn:aws:lambda:us-east-1:123456789012:layer:shared:1"],
    )
    (finding,) = findings(run(tmp_path / "fn"), "LH002")
    assert finding.severity.label == "warning" and "layer" in finding.message


def test_handler_function_missing_and_found(tmp_path: Path) -> None:
    result = _lint(tmp_path, "def main(event, context):\n    return {}\n")
    (finding,) = findings(result, "LH003")
    assert "no top-level function handler" in finding.message
    assert ids(_lint(tmp_path, "def main(e, c):\n    return {}\nhandler = main\n")) == set()
    assert ids(_lint(tmp_path, "from somewhere import *\n")) == set()  # cannot tell


def test_syntax_error_in_handler_module(tmp_path: Path) -> None:
    result = _lint(tmp_path, "def handler(event, context):\n    return {\n")
    (finding,) = findings(result, "LH004")
    assert finding.line == 2 and finding.severity.label == "error"
    assert ids(result) == {"LH004"}
