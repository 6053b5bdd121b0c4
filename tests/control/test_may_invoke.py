"""may_invoke: the resource-policy check services make before invoking a function for a principal."""

from __future__ import annotations

from typing import Any

import pytest

from lambdactl.control.policies import may_invoke

SERVICE = "apigateway.amazonaws.com"
API = "arn:aws:execute-api:us-east-1:123456789012:abc123"


@pytest.fixture
def function(plane: Any, zip_bytes: bytes) -> str:
    plane.call("CreateFunction", {"FunctionName": "fn", "Runtime": "python3.12", "Handler": "app.handler",
                                  "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": zip_bytes}})  # fmt: skip
    return "fn"


def permit(plane: Any, **params: Any) -> None:
    plane.call("AddPermission", {"FunctionName": "fn", "Action": "lambda:InvokeFunction", **params})


def test_no_policy_means_no_permission(plane: Any, function: str) -> None:
    assert not may_invoke(plane, function, None, SERVICE, f"{API}/dev/GET/x")


def test_a_service_principal_with_a_source_arn_pattern(plane: Any, function: str) -> None:
    permit(plane, StatementId="s1", Principal=SERVICE, SourceArn=f"{API}/*/GET/items/*")
    assert may_invoke(plane, function, None, SERVICE, f"{API}/dev/GET/items/42")
    assert may_invoke(plane, function, None, SERVICE, f"{API}/dev/GET/items/a/b")  # * spans slashes
    assert not may_invoke(plane, function, None, SERVICE, f"{API}/dev/POST/items/42")
    assert not may_invoke(plane, function, None, SERVICE, None)
    assert not may_invoke(plane, function, None, "s3.amazonaws.com", f"{API}/dev/GET/items/42")


def test_source_account_and_qualifier_are_checked(plane: Any, function: str) -> None:
    plane.call("PublishVersion", {"FunctionName": "fn"})
    plane.call("CreateAlias", {"FunctionName": "fn", "Name": "live", "FunctionVersion": "1"})
    permit(plane, StatementId="s1", Principal=SERVICE, SourceAccount="123456789012", Qualifier="live")
    assert may_invoke(plane, function, "live", SERVICE, source_account="123456789012")
    assert not may_invoke(plane, function, "live", SERVICE, source_account="999999999999")
    assert not may_invoke(plane, function, None, SERVICE, source_account="123456789012")


def test_removing_the_statement_takes_the_permission_away(plane: Any, function: str) -> None:
    permit(plane, StatementId="s1", Principal=SERVICE)
    assert may_invoke(plane, function, None, SERVICE, f"{API}/dev/GET/x")
    plane.call("RemovePermission", {"FunctionName": "fn", "StatementId": "s1"})
    assert not may_invoke(plane, function, None, SERVICE, f"{API}/dev/GET/x")

