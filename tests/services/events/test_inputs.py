"""What a target receives: Input verbatim, InputPath's selection as JSON, InputTransformer's template."""

from __future__ import annotations

import json

from lambdactl.services.events.inputs import payload

RULE = "arn:aws:events:us-east-1:123456789012:rule/r"
EVENT = {"id": "e1", "time": "2024-05-01T12:00:00Z", "detail": {"foo": "baz", "n": 2, "acc": {"a": 1}, "l": [1, "x"]}}


def test_input_is_sent_exactly_as_written():
    assert payload({"Input": '{"custom-value":  "somecustominput"}'}, EVENT, RULE) == '{"custom-value":  "somecustominput"}'


def test_no_input_sends_the_event_as_compact_json():
    assert payload({}, EVENT, RULE) == json.dumps(EVENT, separators=(",", ":"))


def test_input_path_sends_the_selected_value_as_json():
    assert payload({"InputPath": "$.detail.foo"}, EVENT, RULE) == '"baz"'
    assert payload({"InputPath": "$.detail.l[1]"}, EVENT, RULE) == '"x"'
    assert json.loads(payload({"InputPath": "$.detail"}, EVENT, RULE)) == EVENT["detail"]
    assert payload({"InputPath": "$.detail.missing"}, EVENT, RULE) == "null"


def test_transformer_values_are_json_outside_strings_and_flattened_inside():
    transformer = {"InputPathsMap": {"foo": "$.detail.foo", "acc": "$.detail.acc", "l": "$.detail.l", "n": "$.detail.n"},
                   "InputTemplate": '{"foo": <foo>, "acc": <acc>, "text": "<foo>/<acc>/<l>/<n>", "n": <n>}'}  # fmt: skip
    assert json.loads(payload({"InputTransformer": transformer}, EVENT, RULE)) == {
        "foo": "baz", "acc": {"a": 1}, "text": "baz/{a:1}/[1,x]/2", "n": 2}  # fmt: skip


def test_a_quoted_template_is_a_json_string_and_predefined_placeholders_fill_in():
    transformer = {"InputPathsMap": {}, "InputTemplate": '"rule <aws.events.rule-name> at <aws.events.event.ingestion-time>"'}
    assert json.loads(payload({"InputTransformer": transformer}, EVENT, RULE)) == "rule r at 2024-05-01T12:00:00Z"
    whole = {"InputPathsMap": {}, "InputTemplate": '{"event": <aws.events.event.json>, "arn": <aws.events.rule-arn>}'}
    assert json.loads(payload({"InputTransformer": whole}, EVENT, RULE)) == {"event": EVENT, "arn": RULE}
