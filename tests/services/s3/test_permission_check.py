"""may_invoke as S3 asks it: s3.amazonaws.com, the bucket's ARN (wildcards) and the account."""

from __future__ import annotations

import pytest

from lambdactl.control.policies import may_invoke

BUCKET = "arn:aws:s3:::bkt"


@pytest.fixture
def function(plane, zip_bytes):
    plane.call("CreateFunction", {"FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler",
                                  "Code": {"ZipFile": zip_bytes}})  # fmt: skip
    return plane


def permit(plane, sid: str, **extra: str) -> None:
    plane.call("AddPermission", {"FunctionName": "f", "StatementId": sid, "Action": "lambda:InvokeFunction",
                                 "Principal": "s3.amazonaws.com", **extra})  # fmt: skip


def test_no_policy_allows_nothing(function) -> None:
    assert not may_invoke(function, "f", None, "s3.amazonaws.com", BUCKET, "123456789012")


def test_source_arn_and_account_conditions(function) -> None:
    permit(function, "s3", SourceArn="arn:aws:s3:::bkt*", SourceAccount="123456789012")
    assert may_invoke(function, "f", None, "s3.amazonaws.com", BUCKET, "123456789012")
    assert may_invoke(function, "f", None, "s3.amazonaws.com", "arn:aws:s3:::bkt-2", "123456789012")
    assert not may_invoke(function, "f", None, "s3.amazonaws.com", "arn:aws:s3:::other", "123456789012")
    assert not may_invoke(function, "f", None, "s3.amazonaws.com", BUCKET, "999999999999")
    assert not may_invoke(function, "f", None, "s3.amazonaws.com", None, None)
    assert not may_invoke(function, "f", None, "events.amazonaws.com", BUCKET, "123456789012")


def test_a_qualifier_has_its_own_policy(function) -> None:
    function.call("PublishVersion", {"FunctionName": "f"})
    permit(function, "s3")
    assert may_invoke(function, "f", None, "s3.amazonaws.com", BUCKET)
    assert not may_invoke(function, "f", "1", "s3.amazonaws.com", BUCKET)
    function.call("AddPermission", {"FunctionName": "f", "Qualifier": "1", "StatementId": "any",
                                    "Action": "lambda:*", "Principal": "*"})  # fmt: skip
    assert may_invoke(function, "f", "1", "apigateway.amazonaws.com")

