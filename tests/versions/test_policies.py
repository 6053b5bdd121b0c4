"""Function resource policies: AddPermission / GetPolicy / RemovePermission round trip and errors."""

from __future__ import annotations

import json

from .conftest import FN_ARN, expect_error, returning


def test_policy_round_trip_through_cli(cli, hello_zip):
    cli.create("f", hello_zip)
    added = cli("add-permission", "--function-name", "f", "--statement-id", "s3", "--action", "lambda:InvokeFunction",
                "--principal", "s3.amazonaws.com", "--source-arn", "arn:aws:s3:::bucket",
                "--source-account", "123456789012").json
    statement = {
        "Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": f"{FN_ARN}:f",
        "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"},
                      "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}},
    }  # fmt: skip
    assert json.loads(added["Statement"]) == statement
    cli("add-permission", "--function-name", "f", "--statement-id", "acct", "--action", "lambda:GetFunction",
        "--principal", "210987654321")
    policy = cli("get-policy", "--function-name", "f").json
    assert set(policy) == {"Policy", "RevisionId"}
    assert json.loads(policy["Policy"]) == {
        "Version": "2012-10-17", "Id": "default",
        "Statement": [statement, {"Sid": "acct", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                                  "Action": "lambda:GetFunction", "Resource": f"{FN_ARN}:f"}],
    }  # fmt: skip
    assert cli("remove-permission", "--function-name", "f", "--statement-id", "s3").stdout == ""
    cli("remove-permission", "--function-name", "f", "--statement-id", "acct")
    gone = cli("get-policy", "--function-name", "f", rc=254)
    # recorded AWS: test_remove_multi_permissions get_policy_exception_removed_all (LocalStack snapshot)
    assert gone.stderr == ("\nAn error occurred (ResourceNotFoundException) when calling the GetPolicy operation: "
                           "The resource you requested does not exist.\n")


def test_qualified_policies_are_separate(plane, make_function):
    make_function("f", returning("x"), Publish=True)
    plane.call("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "1"})
    common = {"FunctionName": "f", "Action": "lambda:InvokeFunction", "Principal": "*"}
    for qualifier in ("1", "live"):
        statement = json.loads(plane.call("AddPermission", {**common, "StatementId": "a", "Qualifier": qualifier})["Statement"])
        assert statement["Resource"] == f"{FN_ARN}:f:{qualifier}"
    org = plane.call("AddPermission", {**common, "FunctionName": "f:live", "StatementId": "org",
                                       "PrincipalOrgID": "o-abcdefghij", "FunctionUrlAuthType": "NONE"})
    assert json.loads(org["Statement"])["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij", "lambda:FunctionUrlAuthType": "NONE"}}
    assert [s["Sid"] for s in json.loads(plane.call("GetPolicy", {"FunctionName": "f", "Qualifier": "live"})["Policy"])["Statement"]] == ["a", "org"]
    assert [s["Sid"] for s in json.loads(plane.call("GetPolicy", {"FunctionName": "f:1"})["Policy"])["Statement"]] == ["a"]
    # GetPolicy's 404 text, recorded: test_lambda_permission_versioning get_policy_after_publishing_new_version
    expect_error(lambda: plane.call("GetPolicy", {"FunctionName": "f"}),
                 "ResourceNotFoundException", "The resource you requested does not exist.")
    plane.call("DeleteAlias", {"FunctionName": "f", "Name": "live"})
    plane.call("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "1"})
    expect_error(lambda: plane.call("GetPolicy", {"FunctionName": "f", "Qualifier": "live"}),
                 "ResourceNotFoundException", "The resource you requested does not exist.")


def test_policy_errors(plane, make_function):
    make_function("f", returning("x"))
    add = lambda **p: plane.call("AddPermission", {"FunctionName": "f", "StatementId": "s", "Action": "lambda:InvokeFunction",
                                                    "Principal": "sns.amazonaws.com", **p})
    expect_error(lambda: add(Qualifier="$LATEST"), "InvalidParameterValueException",
                 "We currently do not support adding policies for $LATEST.")
    expect_error(lambda: add(Qualifier="7"), "ResourceNotFoundException", f"Function not found: {FN_ARN}:f:7")
    expect_error(lambda: add(FunctionName="g"), "ResourceNotFoundException", f"Function not found: {FN_ARN}:g")
    # recorded (LocalStack test_permission_exceptions): add_permission_fn_alias_doesnotexist,
    # remove_permission_fn_doesnotexist, get_policy_fn_doesnotexist, get_policy_fn_version_doesnotexist
    expect_error(lambda: add(FunctionName="f:alias-doesnotexist"), "ResourceNotFoundException",
                 f"Cannot find alias arn: {FN_ARN}:f:alias-doesnotexist")
    expect_error(lambda: plane.call("RemovePermission", {"FunctionName": "g", "StatementId": "s"}),
                 "ResourceNotFoundException", f"No policy found for: {FN_ARN}:g")
    for missing in ({"FunctionName": "g"}, {"FunctionName": "f", "Qualifier": "7"}):
        expect_error(lambda: plane.call("GetPolicy", missing), "ResourceNotFoundException",
                     "The resource you requested does not exist.")
    expect_error(lambda: add(Action="InvokeFunction"), "ValidationException",
                 "1 validation error detected: Value 'InvokeFunction' at 'action' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])")
    expect_error(lambda: plane.call("RemovePermission", {"FunctionName": "f", "StatementId": "s"}),
                 "ResourceNotFoundException", "No policy is associated with the given resource.")
    add()
    expect_error(add, "ResourceConflictException",
                 "The statement id (s) provided already exists. Please provide a new statement id, or remove the "
                 "existing statement.")
    expect_error(lambda: add(StatementId="t", RevisionId="stale"), "PreconditionFailedException",
                 "The Revision Id provided does not match the latest Revision Id. "
                 "Call the GetPolicy API to retrieve the latest Revision Id")
    expect_error(lambda: plane.call("RemovePermission", {"FunctionName": "f", "StatementId": "t"}),
                 "ResourceNotFoundException", "Statement t is not found in resource policy.")
    revision = plane.call("GetPolicy", {"FunctionName": "f"})["RevisionId"]
    plane.call("RemovePermission", {"FunctionName": "f", "StatementId": "s", "RevisionId": revision})
