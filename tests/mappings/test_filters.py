"""Lambda's filter pattern language."""

from __future__ import annotations

import base64
import json

import pytest

from lambdactl.events.pollers import filters


def sqs(body: str, **attributes: str) -> dict:
    return {"body": body, "attributes": attributes, "messageAttributes": {}}


@pytest.mark.parametrize("pattern, record, expected", [
    ({"body": {"a": ["x"]}}, sqs('{"a": "x"}'), True),
    ({"body": {"a": ["x"]}}, sqs('{"a": "y"}'), False),
    ({"body": {"a": [1]}}, sqs('{"a": 1.0}'), True),
    ({"body": {"a": [{"prefix": "ab"}]}}, sqs('{"a": "abc"}'), True),
    ({"body": {"a": [{"suffix": "bc"}]}}, sqs('{"a": "abc"}'), True),
    ({"body": {"a": [{"equals-ignore-case": "ABC"}]}}, sqs('{"a": "abc"}'), True),
    ({"body": {"a": [{"anything-but": ["x", "y"]}]}}, sqs('{"a": "z"}'), True),
    ({"body": {"a": [{"anything-but": ["x", "y"]}]}}, sqs('{"a": "x"}'), False),
    ({"body": {"a": [{"anything-but": {"prefix": "x"}}]}}, sqs('{"a": "xz"}'), False),
    ({"body": {"a": [{"numeric": [">", 0, "<=", 5]}]}}, sqs('{"a": 5}'), True),
    ({"body": {"a": [{"numeric": [">", 0, "<=", 5]}]}}, sqs('{"a": 6}'), False),
    ({"body": {"a": [{"exists": True}]}}, sqs('{"a": null}'), True),
    ({"body": {"a": [{"exists": False}]}}, sqs('{"b": 1}'), True),
    ({"body": {"a": [None]}}, sqs('{"a": null}'), True),
    ({"body": {"a": [""]}}, sqs('{"a": ""}'), True),
    ({"body": {"tags": ["red"]}}, sqs('{"tags": ["blue", "red"]}'), True),
    ({"body": {"a": {"b": ["deep"]}}}, sqs('{"a": {"b": "deep"}}'), True),
    ({"body": ["plain text"]}, sqs("plain text"), True),
    ({"body": {"a": ["x"]}}, sqs("plain text"), False),
    ({"attributes": {"SenderId": [{"prefix": "AID"}]}}, sqs("x", SenderId="AIDA1"), True),
    ({"$or": [{"body": {"a": ["x"]}}, {"body": {"b": ["y"]}}]}, sqs('{"b": "y"}'), True),
    ({"body": {"$or": [{"a": ["x"]}, {"b": ["y"]}]}}, sqs('{"c": 1}'), False),
    ({"body": {"a": [True]}}, sqs('{"a": 1}'), False),
])  # fmt: skip
def test_matching(pattern, record, expected):
    assert filters.keep([filters.compile_pattern(json.dumps(pattern))], record) is expected


def test_kinesis_data_is_decoded():
    record = {"kinesis": {"partitionKey": "p", "data": base64.b64encode(b'{"t": 30}').decode()}}
    assert filters.keep([{"data": {"t": [{"numeric": [">=", 30]}]}}], record)
    assert filters.keep([{"kinesis": {"partitionKey": ["p"]}}], record)


def test_any_filter_matches_and_none_means_everything():
    assert filters.keep([], sqs("x"))
    assert filters.keep([{"body": ["no"]}, {"body": ["x"]}], sqs("x"))


@pytest.mark.parametrize("text", ["[]", "not json", '{"a": 1}', '{"a": [{"nope": 1}]}', '{"a": [{"numeric": [">"]}]}',
                                  '{"$or": [{"a": ["x"]}]}'])  # fmt: skip
def test_invalid_patterns(text):
    with pytest.raises(ValueError):
        filters.compile_pattern(text)
