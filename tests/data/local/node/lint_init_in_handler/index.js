// A Node handler that does per invocation what belongs in init: lint's fixture for the
// JavaScript checks LH101-LH105 and LH107 (the runnable fixtures beside it trigger none).
const AWS = require("aws-sdk");
const https = require("node:https");
const { Pool } = require("pg");

exports.handler = async (event) => {
  console.log(event);
  const s3 = new AWS.S3();
  const agent = new https.Agent({ keepAlive: true });
  const pool = new Pool();
  const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
  return { s3: Boolean(s3), agent: Boolean(agent), pool: Boolean(pool), ddb: Boolean(DynamoDBClient) };
};
