"""EventBridge event patterns: one test per operator, from EventBridge's documented examples
(and the AWS-recorded TestEventPattern cases in the reference), plus the InvalidEventPatternException texts."""

from __future__ import annotations

import json

import pytest

from lambdactl.services.events.patterns import compile_pattern, matches

EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {
        "instance-id": "i-1234567890abcdef0",
        "state": "terminated",
        "c-count": 5,
        "d-count": 101.0,
        "x-limit": 3.018e2,
        "source-ip": "10.0.0.123",
        "ipv6": "2001:db8::1",
        "filename": "dir/photo.png",
        "location": None,
        "tags": ["blue", "green"],
        "empty": [],
        "Name": "Alice",
    },
}


def check(pattern: dict, event: dict = EVENT) -> bool:
    return matches(compile_pattern(json.dumps(pattern)), event)


def test_exact_values_strings_numbers_null_and_arrays():
    assert check({"source": ["aws.ec2"], "detail": {"state": ["terminated", "stopped"]}})
    assert not check({"source": ["aws.s3"]})
    assert check({"detail": {"c-count": [5]}})
    assert check({"detail": {"d-count": [101]}})  # 101.0 is 101
    assert check({"detail": {"location": [None]}})
    assert not check({"detail": {"location": ["null"]}})  # [null] matches JSON null, not "null"
    assert check({"detail": {"tags": ["green"]}})  # an event array matches when any element does
    assert not check({"detail": {"state": ["Terminated"]}})  # case-sensitive
    assert not check({"detail": {"missing": ["x"]}})
    assert check({"source": [""]}, {"source": ""})


def test_prefix_and_suffix():
    assert check({"detail": {"instance-id": [{"prefix": "i-123"}]}})
    assert not check({"detail": {"instance-id": [{"prefix": "I-123"}]}})
    assert check({"detail": {"filename": [{"suffix": ".png"}]}})
    assert not check({"detail": {"c-count": [{"prefix": "5"}]}})  # strings only
    assert check({"detail-type": [{"prefix": {"equals-ignore-case": "ec2 INSTANCE"}}]})
    assert check({"detail": {"filename": [{"suffix": {"equals-ignore-case": ".PNG"}}]}})


def test_equals_ignore_case():
    assert check({"detail": {"Name": [{"equals-ignore-case": "alice"}]}})
    assert not check({"detail": {"Name": [{"equals-ignore-case": "bob"}]}})


def test_anything_but_forms():
    assert check({"detail": {"state": [{"anything-but": "initializing"}]}})
    assert not check({"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}})
    assert not check({"detail": {"c-count": [{"anything-but": 5}]}})
    assert check({"detail": {"c-count": [{"anything-but": [1, 2, 3]}]}})
    assert not check({"detail": {"state": [{"anything-but": {"prefix": "term"}}]}})
    assert check({"detail": {"state": [{"anything-but": {"suffix": "ing"}}]}})
    assert not check({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["TERMINATED"]}}]}})
    assert not check({"detail": {"filename": [{"anything-but": {"wildcard": "dir/*.png"}}]}})
    assert not check({"detail": {"missing": [{"anything-but": "x"}]}})  # a missing field does not match
    assert check({"detail": {"location": [{"anything-but": "x"}]}})  # a present null does


def test_numeric_ranges():
    assert check({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}})
    assert not check({"detail": {"c-count": [{"numeric": ["<", 5]}]}})
    assert check({"detail": {"d-count": [{"numeric": [">", 100]}]}})
    assert check({"detail": {"x-limit": [{"numeric": ["=", 301.8]}]}})
    assert not check({"detail": {"n": [{"numeric": [">", 0]}]}}, {"detail": {"n": "300"}})  # never strings


def test_exists():
    assert check({"detail": {"state": [{"exists": True}]}})
    assert not check({"detail": {"missing": [{"exists": True}]}})
    assert check({"detail": {"missing": [{"exists": False}]}})
    assert not check({"detail": {"empty": [{"exists": True}]}})  # true does not match []


def test_cidr_ipv4_and_ipv6():
    assert check({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}})
    assert not check({"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}})
    assert check({"detail": {"ipv6": [{"cidr": "2001:db8::/32"}]}})


def test_wildcard():
    assert check({"detail": {"filename": [{"wildcard": "dir/*.png"}]}})
    assert check({"detail": {"filename": [{"wildcard": "*"}]}})
    assert not check({"detail": {"filename": [{"wildcard": "*.jpg"}]}})
    assert check({"k": [{"wildcard": "a\\*b"}]}, {"k": "a*b"})
    assert not check({"k": [{"wildcard": "a\\*b"}]}, {"k": "axb"})


def test_or_at_any_level():
    assert check({"$or": [{"source": ["aws.s3"]}, {"detail": {"c-count": [5]}}]})
    assert not check({"$or": [{"source": ["aws.s3"]}, {"detail": {"c-count": [6]}}]})
    assert check({"detail": {"$or": [{"state": ["x"]}, {"missing": [{"exists": False}]}]}})


def test_nested_objects_match_by_field_and_ignore_the_rest():
    assert check({"detail": {"state": ["terminated"], "c-count": [5]}})
    assert not check({"detail": {"state": ["terminated"], "c-count": [6]}})
    assert not check({"detail": {"state": ["terminated"]}}, {"detail": json.dumps({"state": "terminated"})})


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ('{"int": 5}', '"int" must be an object or an array'),
        ('{"a": []}', "Empty arrays are not allowed"),
        ('{"a": [{"EXISTS": true}]}', "Unrecognized match type EXISTS"),
        ('{"a": [{"numeric": 5}]}', "Value of numeric must be an array."),
        ('{"a": [{"numeric": ["<", "x"]}]}', "Value of < must be numeric"),
        ('{"a": [{"prefix": 5}]}', "prefix match pattern must be a string"),
        ('{"a": [{"equals-ignore-case": 5}]}', "equals-ignore-case match pattern must be a string"),
        ('{"a": [{"wildcard": "arn:aws:s3:::bucket/**"}]}', "Consecutive wildcard characters at pos 21"),
        ('{"a": [{"anything-but": {"x": 1}}]}', "Unsupported anything-but pattern: x"),
        ('{"a": [{"anything-but": [{"a": 1}]}]}', "Value of anything-but must be an array or single string/number value."),
        ('{"a": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"),
        ("[1]", "Filter is not an object"),
    ],
)
def test_invalid_patterns_give_eventbridges_reasons(pattern, reason):
    from lambdactl.errors import ServiceError

    with pytest.raises(ServiceError) as info:
        compile_pattern(pattern)
    assert info.value.code == "InvalidEventPatternException"
    assert info.value.message == f"Event pattern is not valid. Reason: {reason}"
