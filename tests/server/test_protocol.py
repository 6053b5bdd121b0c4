"""Routing and rest-json round trips, in-process: every operation in the model routes back to itself."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from lambdactl import errors, model
from lambdactl.protocols import rest_json as protocol

OPERATIONS = sorted(model.service()["operations"])
ROUTER = protocol.Router(OPERATIONS)


def sample_params(op_name: str) -> dict:
    bound = protocol.binding(op_name)
    params: dict = {}
    for member, kind in bound.uri.values():
        params[member] = 7 if kind in ("integer", "long") else "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"
    return params


@pytest.mark.parametrize("op_name", OPERATIONS)
def test_every_operation_routes_to_itself(op_name: str) -> None:
    method, target, _, _ = protocol.build_request(op_name, sample_params(op_name))
    path, _, query = target.partition("?")
    bound, labels = ROUTER.match(method, path, parse_qs(query))
    assert bound.op_name == op_name
    params = protocol.parse_request(bound, labels, parse_qs(query), {}, b"")
    assert params == sample_params(op_name)


@pytest.mark.parametrize("op_name", OPERATIONS)
def test_a_remembered_match_is_the_same_match(op_name: str) -> None:
    """The router remembers query-less matches (the warm path's): asked again, it answers the same,
    with labels of the caller's own, and still sends a query to the routes that want one."""
    router = protocol.Router(OPERATIONS)
    method, target, _, _ = protocol.build_request(op_name, sample_params(op_name))
    path, _, query = target.partition("?")
    first = router.match(method, path, parse_qs(query))
    first[1]["mutated"] = "by the caller"
    again = router.match(method, path, parse_qs(query))
    assert again[0] is first[0] and "mutated" not in again[1]
    assert again == ROUTER._match(method, path, parse_qs(query))


def test_request_round_trip_with_blob_query_list_and_headers() -> None:
    params = {"FunctionName": "f", "Code": {"ZipFile": b"PK\x03\x04"}, "Runtime": "python3.12", "Role": "r"}
    method, target, headers, body = protocol.build_request("CreateFunction", params)
    bound, labels = ROUTER.match(method, target, {})
    assert protocol.parse_request(bound, labels, {}, headers, body) == params

    untag = {"Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "TagKeys": ["a", "b"]}
    method, target, headers, body = protocol.build_request("UntagResource", untag)
    path, _, query = target.partition("?")
    bound, labels = ROUTER.match(method, path, parse_qs(query))
    assert protocol.parse_request(bound, labels, parse_qs(query), headers, body) == untag

    invoke = {"FunctionName": "f", "Payload": b'{"a":1}', "InvocationType": "Event", "Qualifier": "3"}
    method, target, headers, body = protocol.build_request("Invoke", invoke)
    path, _, query = target.partition("?")
    bound, labels = ROUTER.match(method, path, parse_qs(query))
    lower = {k.lower(): v for k, v in headers.items()}
    assert protocol.parse_request(bound, labels, parse_qs(query), lower, body) == invoke


def test_invoke_result_round_trip() -> None:
    result = {"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST", "Payload": b'{"x":1}'}
    status, headers, body = protocol.serialize_result(protocol.binding("Invoke"), result)
    assert (status, body) == (200, b'{"x":1}')
    assert headers["X-Amz-Function-Error"] == "Unhandled"
    assert protocol.parse_response("Invoke", status, headers, body) == {
        "StatusCode": 200, "FunctionError": "Unhandled", "Payload": b'{"x":1}', "ExecutedVersion": "$LATEST"
    }


def test_delete_function_is_204_and_errors_round_trip() -> None:
    assert protocol.serialize_result(protocol.binding("DeleteFunction"), {}) == (204, {}, b"")
    exc = errors.TooManyRequestsException("Rate Exceeded.", Reason="ReservedFunctionConcurrentInvocationLimitExceeded")
    status, headers, body = protocol.serialize_error(exc)
    back = protocol.parse_error(status, headers, body)
    assert type(back) is errors.TooManyRequestsException
    assert (back.message, back.extra) == ("Rate Exceeded.", {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"})
