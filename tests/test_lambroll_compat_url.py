"""lambroll compatibility: function URL permissions, the cases of lambroll's
``functionurl_test.go`` (TestParseStatement, TestFunctionURLPermission_Equals,
TestFunctionURLPermission_AddPermissionInputs[_WithActualSids]) as facts about lambherd's grants
(``plan.policy``, ``plan.url_planner``)."""

from __future__ import annotations

import pytest

from lambherd.plan.policy import grant_from_statement, match_grants
from lambherd.plan.url_planner import url_grants

HELLO = "arn:aws:lambda:ap-northeast-1:123456789012:function:hello"


# functionurl_test.go permissionsTestCases: principal, org id and source ARN read from GetPolicy
@pytest.mark.parametrize(
    ("statement", "principal", "org", "source_arn"),
    [
        (  # AuthType NONE
            {"Action": "lambda:InvokeFunctionUrl", "Effect": "Allow", "Principal": "*",
             "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
             "Resource": HELLO, "Sid": "lambroll-8f4ec83e623a309d9ca15db9276da30b2129be9c"},
            "*", None, None,
        ),
        (  # AuthType AWS_IAM with Principal OrgID
            {"Sid": "lambroll-622ed5c2bb0714ef0af1929fcea568e4ba0c4dbe", "Effect": "Allow",
             "Principal": "*", "Action": "lambda:InvokeFunctionUrl", "Resource": HELLO,
             "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM",
                                            "aws:PrincipalOrgID": "o-xxxxxxxxxx"}}},
            "*", "o-xxxxxxxxxx", None,
        ),
        (  # AuthType AWS_IAM with Principal
            {"Action": "lambda:InvokeFunctionUrl", "Effect": "Allow",
             "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Resource": HELLO,
             "Sid": "lambroll-3b135eca4b14335775cda9f947966093a57d270f"},
            "123456789012", None, None,
        ),
        (  # AuthType AWS_IAM with Principal CF OAC (lowercase aws:SourceArn key)
            {"Action": "lambda:InvokeFunctionUrl", "Effect": "Allow",
             "Condition": {"ArnLike": {"aws:SourceArn":
                 "arn:aws:cloudfront::123456789012:distribution/ABCDEFG12345678"}},
             "Principal": {"Service": "cloudfront.amazonaws.com"}, "Resource": HELLO,
             "Sid": "lambroll-3b135eca4b14335775cda9f947966093a57d270f"},
            "cloudfront.amazonaws.com", None,
            "arn:aws:cloudfront::123456789012:distribution/ABCDEFG12345678",
        ),
    ],
)  # fmt: skip
def test_parse_statement(
    statement: dict, principal: str, org: str | None, source_arn: str | None
) -> None:
    (grant,) = grant_from_statement(statement)
    assert (grant.principal, grant.principal_org_id, grant.source_arn) == (
        principal,
        org,
        source_arn,
    )


def _grants(**permission: str) -> set:
    url = {"Config": {"AuthType": "AWS_IAM"}, "Permissions": [permission]}
    return set(url_grants(url).values())


# TestFunctionURLPermission_Equals: permissions are the same when every field is
def test_permissions_equal_when_every_field_is() -> None:
    full = {
        "Principal": "*",
        "PrincipalOrgID": "o-xxxxxxxxxx",
        "SourceArn": "arn:aws:cloudfront::123456789012:distribution/ABCDEFG12345678",
        "SourceAccount": "123456789012",
    }
    assert _grants(**full) == _grants(**dict(full))
    assert _grants(Principal="*") != _grants(Principal="123456789012")
    assert _grants(Principal="*", PrincipalOrgID="o-aaaaaaaaaa") != _grants(
        Principal="*", PrincipalOrgID="o-bbbbbbbbbb"
    )
    assert _grants(Principal="*", SourceArn="arn:aws:cloudfront::1:distribution/AAA") != (
        _grants(Principal="*", SourceArn="arn:aws:cloudfront::1:distribution/BBB")
    )
    # "nil vs empty string": an empty optional field is no field
    assert _grants(Principal="*", SourceAccount="") == _grants(Principal="*")


# TestFunctionURLPermission_AddPermissionInputs: each permission is two statements
def test_each_permission_is_invoke_function_url_and_invoke_function() -> None:
    url = {
        "Config": {"AuthType": "AWS_IAM", "Qualifier": "1"},
        "Permissions": [{"Principal": "*", "PrincipalOrgID": "o-xxxxxxxxxx"}],
    }
    grants = url_grants(url)
    assert len(grants) == 2
    by_action = {g.action: (sid, g) for sid, g in grants.items()}
    sid1, first = by_action["lambda:InvokeFunctionUrl"]
    sid2, second = by_action["lambda:InvokeFunction"]
    assert (first.principal, first.principal_org_id, first.function_url_auth_type) == (
        "*",
        "o-xxxxxxxxxx",
        "AWS_IAM",
    )
    assert second.principal == "*" and second.invoked_via_function_url
    assert second.function_url_auth_type is None
    assert sid1 != sid2  # the statement ids differ


def test_source_arn_and_account_go_on_both_statements() -> None:
    source = "arn:aws:cloudfront::123456789012:distribution/ABCDEFG"
    grants = _grants(
        Principal="cloudfront.amazonaws.com", SourceArn=source, SourceAccount="123456789012"
    )
    assert len(grants) == 2
    assert all(g.source_arn == source and g.source_account == "123456789012" for g in grants)


# TestFunctionURLPermission_AddPermissionInputs_WithActualSids
def test_statement_ids_are_deterministic_and_existing_ones_are_kept() -> None:
    url = {"Config": {"AuthType": "AWS_IAM"}, "Permissions": [{"Principal": "*"}]}
    assert list(url_grants(url)) == list(url_grants(url))
    # lambroll's "actualSids": a statement already granting it keeps its id
    grants = url_grants(url)
    statements = [
        {
            "Sid": f"lambroll-{i:040x}",
            "Effect": "Allow",
            "Principal": "*",
            "Action": grant.action,
            "Condition": (
                {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}
                if grant.function_url_auth_type
                else {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
            ),
        }
        for i, grant in enumerate(grants.values())
    ]
    match = match_grants(grants, statements)
    assert sorted(match.existing.values()) == sorted(s["Sid"] for s in statements)
    assert match.missing == () and match.stale == ()
