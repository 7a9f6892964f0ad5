"""lint's code checks on Node.js handlers (JavaScript and TypeScript, parsed with tree-sitter)."""

from __future__ import annotations

from pathlib import Path

from lint_testkit import findings, ids, run, write_function


def _lint(tmp_path: Path, files: dict[str, str], handler: str = "index.handler", **config):
    write_function(tmp_path / "fn", files, runtime="nodejs24.x", handler=handler, **config)
    return run(tmp_path / "fn")


def test_sdk_v3_client_made_in_the_handler_esm(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        {
            "index.mjs": """
            import { S3Client, ListBucketsCommand } from "@aws-sdk/client-s3";
            import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
            import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

            const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));

            export const handler = async (event) => {
              const s3 = new S3Client({});
              const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
              return s3.send(new ListBucketsCommand({}));
            };
            """
        },
    )
    assert [f.line for f in findings(result, "LH101")] == [8, 9, 9]
    assert findings(result)[0].file == "index.mjs"


def test_clients_at_module_level_or_kept_in_a_module_variable_are_fine(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        {
            "index.js": """
            const { S3Client } = require("@aws-sdk/client-s3");
            const made = new S3Client({});
            let lazy;

            exports.handler = async function (event) {
              lazy ??= new S3Client({});
              if (!lazy) { lazy = new S3Client({}); }
              return made.config.region;
            };
            """
        },
    )
    assert ids(result) == set()


def test_sdk_v2_clients_and_keep_alive(tmp_path: Path) -> None:
    source = {
        "index.js": """
        const AWS = require("aws-sdk");

        async function handler(event) {
          const db = new AWS.DynamoDB.DocumentClient();
          return db.get({ TableName: "t", Key: {} }).promise();
        }
        module.exports = { handler };
        """
    }
    result = _lint(tmp_path, source, Runtime="nodejs16.x")
    assert [f.line for f in findings(result, "LH101")] == [4]
    (keep_alive,) = findings(result, "LH107")
    assert keep_alive.line == 1 and "AWS_NODEJS_CONNECTION_REUSE_ENABLED" in keep_alive.message
    fixed = _lint(
        tmp_path,
        source,
        Runtime="nodejs16.x",
        Environment={"Variables": {"AWS_NODEJS_CONNECTION_REUSE_ENABLED": "1"}},
    )
    assert findings(fixed, "LH107") == []


def test_sdk_v2_shipped_in_node_modules_without_keep_alive(tmp_path: Path) -> None:
    files = {
        "index.js": "exports.handler = async () => require('./lib').run();\n",
        "lib.js": "const AWS = require('aws-sdk');\nexports.run = () => 1;\n",
        "node_modules/aws-sdk/package.json": '{"name": "aws-sdk"}\n',
    }
    (finding,) = findings(_lint(tmp_path, files), "LH107")
    assert "node_modules/aws-sdk" in finding.message and finding.file == "function.json"


def test_sdk_v3_needs_no_keep_alive_setting(tmp_path: Path) -> None:
    source = (
        "import { S3Client } from '@aws-sdk/client-s3';\nexport const handler = async () => 1;\n"
    )
    files = {"index.mjs": source}
    assert findings(_lint(tmp_path, files), "LH107") == []


def test_db_and_http_clients_in_a_typescript_handler(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        {
            "src/index.ts": """
            import type { APIGatewayProxyEvent } from "aws-lambda";
            import { Pool } from "pg";
            import https from "node:https";
            import mysql from "mysql2/promise";

            async function query(sql: string) {
              const pool = new Pool();
              return pool.query(sql);
            }

            export const handler = async (event: APIGatewayProxyEvent): Promise<number> => {
              const agent = new https.Agent({ keepAlive: true });
              const conn = await mysql.createConnection({ host: "db" });
              await query("select 1");
              return 1;
            };
            """
        },
        handler="src/index.handler",
    )
    assert [f.line for f in findings(result, "LH103")] == [7, 13]
    assert [f.line for f in findings(result, "LH102")] == [12]
    # TypeScript without its compiled JavaScript is not what Lambda runs
    (missing,) = findings(result, "LH002")
    assert "TypeScript only" in missing.message and "src/index.js" in missing.message


def test_typescript_compiled_output_is_what_ships(tmp_path: Path) -> None:
    files = {
        "index.ts": "export const handler = async (event: unknown) => 1;\n",
        "index.js": "exports.handler = async (event) => 1;\n",
    }
    assert ids(_lint(tmp_path, files)) == set()


def test_logging_the_whole_event_and_a_heavy_require(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        {
            "index.js": """
            function audit(e) {
              console.info(`got ${e}`);
            }
            exports.handler = async (event, context) => {
              console.log(JSON.stringify(event, null, 2));
              console.log("id", event.id);
              audit(event);
              const { S3Client } = require("@aws-sdk/client-s3");
              return 1;
            };
            """
        },
    )
    assert [f.line for f in findings(result, "LH105")] == [2, 5]
    (heavy,) = findings(result, "LH104")
    assert heavy.line == 8 and heavy.severity.label == "info"


def test_export_forms_and_missing_export(tmp_path: Path) -> None:
    forms = [
        "export async function handler(event) { return 1; }\n",
        "async function main(event) { return 1; }\nexport { main as handler };\n",
        "module.exports.handler = async (event) => 1;\n",
        "const handler = async (event) => 1;\nmodule.exports = { handler };\n",
    ]
    for source in forms:
        assert ids(_lint(tmp_path, {"index.mjs": source})) == set(), source
    result = _lint(tmp_path, {"index.mjs": "export const main = async () => 1;\n"})
    (finding,) = findings(result, "LH003")
    assert "no export handler" in finding.message


def test_javascript_syntax_error(tmp_path: Path) -> None:
    result = _lint(tmp_path, {"index.js": "exports.handler = async (event) => {\n  return 1;\n"})
    (finding,) = findings(result, "LH004")
    assert finding.severity.label == "error"
