"""Resource-policy grants matched by what they allow (``lambherd.plan.policy``), and the URL
concern's rules built on them (``lambherd.plan.url_planner``): on plain data, no server.

The statement shapes are Lambda's GetPolicy output (console-made grants included), moto's raw
shape, and lambroll's statement ids.
"""

from __future__ import annotations

import pytest

from lambherd.errors import DefinitionError
from lambherd.plan.policy import (
    Grant,
    grant_from_permission,
    grant_from_statement,
    match_grants,
    new_statement_id,
    permission_params,
)
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import AddPermission, PutFunctionUrl, RemovePermission
from lambherd.plan.url_planner import UrlRemote, compare_url_grants, plan_url, url_grants

NONE = "NONE"
URL_ACTION, INVOKE = "lambda:InvokeFunctionUrl", "lambda:InvokeFunction"
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders"
#: What the Lambda console writes for a public URL (AuthType NONE), both statements.
CONSOLE_PUBLIC = (
    {
        "Sid": "FunctionURLAllowPublicAccess",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "lambda:InvokeFunctionUrl",
        "Resource": ARN,
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
    },
    {
        "Sid": "FunctionURLAllowInvokeAction",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "lambda:InvokeFunction",
        "Resource": ARN,
        "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}},
    },
)
CONFIG = {"FunctionName": "orders", "FunctionArn": ARN, "Version": "$LATEST"}
URL_CONFIG = {"AuthType": "NONE", "InvokeMode": "BUFFERED", "FunctionUrl": "https://x"}


def _remote(*statements: dict) -> RemoteState:
    return RemoteState(
        configuration=CONFIG, parts=(UrlRemote(config=URL_CONFIG, policy_statements=statements),)
    )


@pytest.mark.parametrize(
    ("statement", "params"),
    [
        (CONSOLE_PUBLIC[0], {"Action": URL_ACTION, "Principal": "*", "FunctionUrlAuthType": NONE}),
        (CONSOLE_PUBLIC[1], {"Action": INVOKE, "Principal": "*", "InvokedViaFunctionUrl": True}),
        (  # an account: Lambda writes its root ARN
            {"Effect": "Allow", "Action": "lambda:InvokeFunctionUrl",
             "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
             "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}},
            {"Action": URL_ACTION, "Principal": "111122223333", "FunctionUrlAuthType": "AWS_IAM"},
        ),
        (  # a service with its source: ArnLike AWS:SourceArn, StringEquals AWS:SourceAccount
            {"Effect": "Allow", "Action": "lambda:InvokeFunction",
             "Principal": {"Service": "s3.amazonaws.com"},
             "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"},
                           "StringEquals": {"AWS:SourceAccount": "123456789012"}}},
            {"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com",
             "SourceArn": "arn:aws:s3:::bucket", "SourceAccount": "123456789012"},
        ),
        (  # an organisation
            {"Effect": "Allow", "Action": "lambda:InvokeFunctionUrl", "Principal": "*",
             "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM",
                                            "aws:PrincipalOrgID": "o-abc123"}}},
            {"Action": URL_ACTION, "Principal": "*", "FunctionUrlAuthType": "AWS_IAM",
             "PrincipalOrgID": "o-abc123"},
        ),
        (  # moto's raw shape: the AddPermission fields left as they were sent
            {"Sid": "x", "Effect": "Allow", "Action": "lambda:InvokeFunctionUrl", "Principal": "*",
             "FunctionUrlAuthType": "NONE"},
            {"Action": "lambda:InvokeFunctionUrl", "Principal": "*", "FunctionUrlAuthType": "NONE"},
        ),
        (
            {"Sid": "y", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Principal": "*",
             "InvokedViaFunctionUrl": True},
            {"Action": "lambda:InvokeFunction", "Principal": "*", "InvokedViaFunctionUrl": True},
        ),
    ],
)  # fmt: skip
def test_a_statement_and_the_add_permission_input_that_makes_it_are_one_grant(
    statement: dict, params: dict
) -> None:
    (grant,) = grant_from_statement(statement)
    assert grant == grant_from_permission(params)
    assert permission_params(grant) == params


def test_grants_that_differ_in_any_condition_are_different() -> None:
    base = {"Action": "lambda:InvokeFunctionUrl", "Principal": "*", "FunctionUrlAuthType": "NONE"}
    variants = [
        {**base, "FunctionUrlAuthType": "AWS_IAM"},
        {**base, "Principal": "111122223333"},
        {**base, "SourceAccount": "111122223333"},
        {**base, "PrincipalOrgID": "o-1"},
        {**base, "Action": "lambda:InvokeFunction"},
    ]
    grants = {grant_from_permission(v) for v in [base, *variants]}
    assert len(grants) == 6
    # a condition AddPermission cannot express never matches a file's permission
    exotic = dict(CONSOLE_PUBLIC[0], Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    (grant,) = grant_from_statement(exotic)
    assert grant != grant_from_permission(base) and grant.other_conditions


def test_deny_and_not_principal_statements_grant_nothing() -> None:
    assert grant_from_statement(dict(CONSOLE_PUBLIC[0], Effect="Deny")) == []
    not_principal = {k: v for k, v in CONSOLE_PUBLIC[0].items() if k != "Principal"}
    assert grant_from_statement(dict(not_principal, NotPrincipal={"AWS": "x"})) == []


def test_a_statement_with_several_actions_is_one_grant_per_action() -> None:
    both = dict(CONSOLE_PUBLIC[0], Action=["lambda:InvokeFunctionUrl", "lambda:GetFunction"])
    assert [g.action for g in grant_from_statement(both)] == [
        "lambda:InvokeFunctionUrl",
        "lambda:GetFunction",
    ]


def test_match_keeps_existing_ids_and_removes_only_owned_leftovers_in_scope() -> None:
    url = grant_from_statement(CONSOLE_PUBLIC[0])[0]
    s3 = grant_from_permission({"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"})
    statements = [
        *CONSOLE_PUBLIC[:1],
        # an earlier lambherd added the same grant beside the console's (the old bug)
        dict(CONSOLE_PUBLIC[0], Sid="lambherd-aaaaaaaaaaaaaaaa"),
        # lambroll's grant for an account the file no longer lists
        dict(CONSOLE_PUBLIC[0], Sid="lambroll-0123abcd", Principal={"AWS": "111122223333"}),
        # another concern's owned statement and a stranger's: never stale here
        {"Sid": "lambherd-bbbbbbbbbbbbbbbb", "Effect": "Allow", "Action": s3.action,
         "Principal": {"Service": s3.principal}},
        dict(CONSOLE_PUBLIC[0], Sid="ops-team", Principal={"AWS": "999999999999"}),
    ]  # fmt: skip
    match = match_grants({"url": url}, statements, lambda g: g.for_function_url)
    assert match.existing == {"url": "FunctionURLAllowPublicAccess"}
    assert match.missing == ()
    assert match.stale == ("lambherd-aaaaaaaaaaaaaaaa", "lambroll-0123abcd")


def test_new_statement_ids_are_stable_per_grant() -> None:
    grant = Grant(action="lambda:InvokeFunctionUrl", principal="*", function_url_auth_type="NONE")
    assert new_statement_id(grant) == new_statement_id(Grant(**vars(grant)))
    assert new_statement_id(grant).startswith("lambherd-")
    assert new_statement_id(grant) != new_statement_id(Grant(action="x", principal="*"))


# ---------------------------------------------------------------------------------------------
# The URL concern on these grants
# ---------------------------------------------------------------------------------------------
def test_a_console_made_public_url_plans_nothing() -> None:
    assert plan_url({"Config": {"AuthType": "NONE"}}, _remote(*CONSOLE_PUBLIC)) == ()
    listed = {"Config": {"AuthType": "NONE"}, "Permissions": [{"Principal": "*"}]}
    assert plan_url(listed, _remote(*CONSOLE_PUBLIC)) == ()


def test_a_url_made_before_october_2025_gets_only_its_missing_invoke_function_statement() -> None:
    steps = plan_url({"Config": {"AuthType": "NONE"}}, _remote(CONSOLE_PUBLIC[0]))
    (add,) = steps
    assert isinstance(add, AddPermission)
    assert add.params == {
        "Action": "lambda:InvokeFunction",
        "Principal": "*",
        "InvokedViaFunctionUrl": True,
    }


def test_statements_lambroll_made_are_kept_when_they_match() -> None:
    lambroll = tuple(dict(s, Sid=f"lambroll-{i:040x}") for i, s in enumerate(CONSOLE_PUBLIC))
    assert plan_url({"Config": {"AuthType": "NONE"}}, _remote(*lambroll)) == ()
    # the URL turns private: lambroll's public statements are lambroll's, so they go
    private = {"Config": {"AuthType": "AWS_IAM"}, "Permissions": [{"Principal": "111122223333"}]}
    steps = plan_url(private, _remote(*lambroll))
    removed = [s.statement_id for s in steps if isinstance(s, RemovePermission)]
    assert removed == [s["Sid"] for s in lambroll]
    added = [s.params for s in steps if isinstance(s, AddPermission)]
    assert {p["Action"] for p in added} == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    assert all(p["Principal"] == "111122223333" for p in added)
    assert isinstance(steps[-1], PutFunctionUrl)


def test_a_console_public_grant_is_never_removed_even_when_the_url_turns_private() -> None:
    private = {"Config": {"AuthType": "AWS_IAM"}, "Permissions": []}
    steps = plan_url(private, _remote(*CONSOLE_PUBLIC))
    assert not [s for s in steps if isinstance(s, RemovePermission | AddPermission)]


def test_aws_iam_without_permissions_is_refused_as_lambroll_does() -> None:
    with pytest.raises(DefinitionError, match="Permissions is required when AuthType is AWS_IAM"):
        url_grants({"Config": {"AuthType": "AWS_IAM"}})
    assert url_grants({"Config": {"AuthType": "AWS_IAM"}, "Permissions": []}) == {}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ({"Config": {}}, "Config.AuthType: required field is missing"),
        ({"Config": {"AuthType": "none"}}, "got 'none'"),
        ({"Permissions": []}, "Config: required field is missing"),
        ({"Config": {"AuthType": "NONE"}, "Permissions": [{"Action": "x", "Principal": "*"}]},
         "Permissions[0]: Action: not a URL permission field"),
        ({"Config": {"AuthType": "NONE"}, "Permissions": [{"SourceAccount": "1"}]},
         "Permissions[0].Principal: required field is missing"),
    ],
)  # fmt: skip
def test_bad_function_url_files_are_refused_with_where(url: dict, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        url_grants(url)
    assert message in caught.value.message and caught.value.message.startswith("function_url.json")


def test_url_grants_for_diff_show_what_the_file_asks_and_what_is_there() -> None:
    url = {"Config": {"AuthType": "NONE"}}
    same = compare_url_grants(url, CONSOLE_PUBLIC)
    assert same.wanted == same.present and len(same.wanted) == 2
    half = compare_url_grants(url, CONSOLE_PUBLIC[:1])
    assert len(half.present) == 1 and half.present[0] in half.wanted
