// Every native function lambherd gives Jsonnet, plus ext vars and a template action.
local env = std.native('env');
local must_env = std.native('must_env');
local ssm = std.native('ssm');
local ssm_list = std.native('ssm_list');
local tfstate = std.native('tfstate');
local net_tfstate = std.native('net_tfstate');
local json_escape = std.native('json_escape');
local caller = std.native('caller_identity')();

{
  FunctionName: 'jsonnet-' + must_env('STAGE'),
  MemorySize: std.extVar('memory'),
  Role: tfstate('aws_iam_role.lambda.arn'),
  Environment: {
    Variables: {
      REGION: std.extVar('region'),
      DEFAULTED: env('NOT_SET_FOR_JSONNET', 'fallback'),
      SECRET: ssm('/j/secret'),
      LISTED: ssm_list('/j/list', 1),
      ACCOUNT: caller.Account,
      VPC: net_tfstate('output.vpc_id'),
      TEMPLATED: '{{ must_env `TEMPLATED` }}',
      ESCAPED: json_escape('a "b"'),
    },
  },
  VpcConfig: {
    SubnetIds: [
      tfstate('aws_subnet.s[0].id'),
      net_tfstate('aws_subnet.private["az-b"].id'),
    ],
  },
  Tags: tfstate('aws_iam_role.lambda.tags'),
}
