"""lambdactl.render against awscli's own formatters (the oracle)."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from argparse import Namespace

import jmespath
import pytest
import yaml
from awscli.formatter import JSONFormatter, TableFormatter, TextFormatter

from lambdactl.errors import LambdactlError, UsageError
from lambdactl.render import render

FUNCTION_CONFIG = {
    "FunctionName": "f0",
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f0",
    "Runtime": "python3.12",
    "Role": "arn:aws:iam::123456789012:role/r",
    "Handler": "app.handler",
    "CodeSize": 301,
    "Description": "déjà vu — 関数",
    "Timeout": 3,
    "MemorySize": 128,
    "LastModified": "2024-01-01T00:00:00.000+0000",
    "CodeSha256": "abc=",
    "Version": "$LATEST",
    "Environment": {"Variables": {"B": "2", "A": "1"}},
    "TracingConfig": {"Mode": "PassThrough"},
    "Layers": [{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:l:1", "CodeSize": 10}],
    "State": "Active",
    "PackageType": "Zip",
    "Architectures": ["x86_64"],
    "EphemeralStorage": {"Size": 512},
    "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
    "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/f0"},
}

LIST_FUNCTIONS = {
    "Functions": [
        FUNCTION_CONFIG,
        {
            "FunctionName": "f1",
            "Runtime": "nodejs20.x",
            "Version": "$LATEST",
            "MemorySize": 256,
            "Architectures": ["arm64"],
            "Environment": {"Variables": {"X": "y"}},
        },
        {"FunctionName": "f2", "Version": "$LATEST", "Timeout": 900},
    ]
}

RESPONSES = {
    "GetFunctionConfiguration": FUNCTION_CONFIG,
    "ListFunctions": LIST_FUNCTIONS,
    "Invoke": {"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST"},
    "GetAccountSettings": {
        "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                         "ConcurrentExecutions": 1000},
        "AccountUsage": {"TotalCodeSize": 301, "FunctionCount": 1},
    },
    "ListTags": {"Tags": {"Team": "x", "Env": "dev"}},
    "GetPolicy": {"Policy": '{"Version":"2012-10-17"}', "RevisionId": "r-1"},
    "PutFunctionConcurrency": {"ReservedConcurrentExecutions": 5},
    "PublishVersion": {"FunctionName": "f0", "Version": "1", "Enabled": True, "Ratio": 0.5},
}

QUERIES = [
    None,
    "Functions[].FunctionName",
    "Functions[].[FunctionName, MemorySize]",
    "Functions[0]",
    "Functions[?MemorySize > `200`]",
    "length(Functions)",
    "Functions[].Environment.Variables",
    "Functions[].Architectures",
    "Functions[0].Description",
    "Nope",
]


def _oracle(formatter_cls, operation: str, data, query: str | None = None) -> str:
    args = Namespace(query=jmespath.compile(query) if query else None, color="off")
    out = io.StringIO()
    formatter_cls(args)(operation, copy.deepcopy(data), out)
    return out.getvalue()


def _ours(data, output: str, query: str | None = None, operation: str = "Op", **kw) -> str:
    out = io.StringIO()
    render(copy.deepcopy(data), output=output, query=query, operation=operation, stream=out, **kw)
    return out.getvalue()


CASES = [(op, data, None) for op, data in RESPONSES.items()] + [
    ("ListFunctions", LIST_FUNCTIONS, q) for q in QUERIES
]


@pytest.mark.parametrize("op,data,query", CASES)
@pytest.mark.parametrize(
    "output,formatter", [("json", JSONFormatter), ("text", TextFormatter), ("table", TableFormatter)]
)
def test_matches_awscli(op, data, query, output, formatter):
    assert _ours(data, output, query, op) == _oracle(formatter, op, data, query)


@pytest.mark.parametrize(
    "data",
    [["a", "b"], [["a", 1], ["b", 2]], [[1, [2]]], "scalar", 5, True, None,
     [{"A": 1}, {"B": [1, 2]}], {"K": [[1, 2], [3, 4]]}, {"Only": "one"}, {"Nested": {"L": [{"A": 1}]}}],
)
@pytest.mark.parametrize(
    "output,formatter", [("json", JSONFormatter), ("text", TextFormatter), ("table", TableFormatter)]
)
def test_matches_awscli_odd_shapes(data, output, formatter):
    # odd shapes only reach a formatter through --query
    wrapped = {"V": data}
    assert _ours(wrapped, output, "V", "T") == _oracle(formatter, "T", wrapped, "V")


@pytest.mark.parametrize("data", [[[1, [2, 3]], "x"], {"K": [[1, 2], [3]]}])
def test_ragged_table_fails_like_awscli(data):
    with pytest.raises(ValueError) as expected:
        _oracle(TableFormatter, "T", data)
    with pytest.raises(LambdactlError) as ours:
        _ours(data, "table", operation="T")
    assert ours.value.message == str(expected.value)


def test_json_layout():
    out = _ours({"StatusCode": 200, "Description": "é"}, "json")
    assert out == '{\n    "StatusCode": 200,\n    "Description": "é"\n}\n'


@pytest.mark.parametrize("output", ["json", "yaml", "yaml-stream", "text", "table"])
def test_empty_response_prints_nothing(output):
    assert _ours({}, output) == ""


def test_query_none_prints_null_in_json():
    assert _ours({"A": 1}, "json", query="B") == "null\n"


def test_yaml_keeps_order_and_unicode_and_no_aliases():
    shared = {"A": "1"}
    out = _ours({"Z": 1, "Desc": "é", "X": [shared, shared], "Version": "$LATEST"}, "yaml")
    assert out == 'Z: 1\nDesc: é\nX:\n- A: \'1\'\n- A: \'1\'\nVersion: $LATEST\n'
    assert "&" not in out and "*" not in out


def test_yaml_roundtrips_function_config():
    assert yaml.safe_load(_ours(FUNCTION_CONFIG, "yaml")) == FUNCTION_CONFIG


def test_yaml_stream_is_a_list_of_pages():
    out = _ours(LIST_FUNCTIONS, "yaml-stream")
    assert out.startswith("- Functions:\n")
    assert yaml.safe_load(out) == [LIST_FUNCTIONS]


def test_off_prints_nothing():
    assert _ours(FUNCTION_CONFIG, "off") == ""


def test_bad_query_is_usage_error():
    with pytest.raises(UsageError, match=r"Bad value for --query Functions\[: .*Incomplete"):
        _ours(LIST_FUNCTIONS, "json", query="Functions[")


def test_unknown_output_is_usage_error():
    with pytest.raises(UsageError):
        _ours({}, "xml")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("output", ["json", "yaml", "text", "table"])
def test_no_ansi_when_not_a_tty(output):
    assert "\x1b" not in _ours(LIST_FUNCTIONS, output)
    assert "\x1b" not in _ours(LIST_FUNCTIONS, output, color="auto")


def test_table_colour_on_tty_matches_awscli_colorized():
    out = _Tty()
    render(copy.deepcopy(FUNCTION_CONFIG), output="table", operation="GetFunction", stream=out)
    args = Namespace(query=None, color="on")
    expected = io.StringIO()
    TableFormatter(args)("GetFunction", copy.deepcopy(FUNCTION_CONFIG), expected)
    assert out.getvalue() == expected.getvalue()
    assert "\x1b[" in out.getvalue()


def test_table_colour_off_on_tty():
    out = _Tty()
    render(FUNCTION_CONFIG, output="table", operation="X", stream=out, color="off")
    assert "\x1b" not in out.getvalue()


def test_import_is_cheap():
    code = "import sys, lambdactl.render; print(sorted({'yaml','jmespath','rich','tabulate'} & set(sys.modules)))"
    mods = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(mods.stdout.replace("'", '"')) == []
