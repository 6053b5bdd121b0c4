"""Output formats, --query, AWS_DEFAULT_OUTPUT and global options anywhere on the line (real entry point)."""

from __future__ import annotations

import json

import pytest
import yaml


@pytest.fixture
def two(cli, make_zip):
    zip_path = make_zip()
    cli.create("alpha", zip_path, "--timeout", "7")
    cli.create("beta", zip_path)
    return cli


def test_json_is_four_space_indented_in_shape_order(two):
    out = two("get-function-configuration", "--function-name", "alpha").stdout
    assert out.startswith('{\n    "FunctionName": "alpha",\n    "FunctionArn": ')
    assert out.endswith("}\n")


def test_yaml(two):
    out = two("get-function-configuration", "--function-name", "alpha", "--output", "yaml").stdout
    data = yaml.safe_load(out)
    assert data["FunctionName"] == "alpha" and data["Timeout"] == 7
    assert out.startswith("FunctionName: alpha\nFunctionArn: ")
    assert "Version: $LATEST" in out


def test_yaml_stream(two):
    out = two("list-functions", "--output", "yaml-stream").stdout
    docs = yaml.safe_load(out)
    assert isinstance(docs, list) and len(docs) == 1  # one list item per page
    assert [f["FunctionName"] for f in docs[0]["Functions"]] == ["alpha", "beta"]


def test_text(two):
    out = two("list-functions", "--output", "text").stdout.splitlines()
    rows = [line for line in out if line.startswith("FUNCTIONS\t")]
    assert len(rows) == 2
    assert "ARCHITECTURES\tx86_64" in out
    assert "TRACINGCONFIG\tPassThrough" in out
    # keys sorted: CodeSha256, CodeSize, Description, FunctionArn, FunctionName, ...
    fields = rows[0].split("\t")
    assert fields[5] == "alpha" and fields[4].endswith(":function:alpha")


def test_text_with_query(two):
    out = two("list-functions", "--output", "text", "--query", "Functions[].[FunctionName,Timeout]").stdout
    assert out == "alpha\t7\nbeta\t3\n"
    single = two("get-function-configuration", "--function-name", "beta", "--output", "text",
                 "--query", "Version").stdout  # fmt: skip
    assert single == "$LATEST\n"


def test_table(two):
    out = two("get-function-configuration", "--function-name", "alpha", "--output", "table").stdout
    lines = out.splitlines()
    assert lines[0] == "-" * len(lines[0])
    assert lines[1].strip("|").strip() == "GetFunctionConfiguration"
    assert any("FunctionName" in line and "alpha" in line for line in lines)
    assert all(line[0] in "|+-" for line in lines if line)


def test_table_list_is_titled_by_operation(two):
    out = two("list-functions", "--output", "table", "--query", "Functions[].{Name:FunctionName}").stdout
    assert "ListFunctions" in out.splitlines()[1]
    assert "alpha" in out and "beta" in out


@pytest.mark.parametrize("query, expected", [
    ("Functions[].FunctionName", ["alpha", "beta"]),
    ("length(Functions)", 2),
    ("Functions[?Timeout==`7`].FunctionName | [0]", "alpha"),
])  # fmt: skip
def test_query(two, query, expected):
    assert two("list-functions", "--query", query).json == expected


def test_bad_query_is_a_usage_error(two):
    result = two("list-functions", "--query", "Functions[", rc=252)
    assert result.stderr.startswith("Bad value for --query Functions[")


def test_aws_default_output(two):
    out = two("get-function-configuration", "--function-name", "alpha", "--query", "Timeout",
              env={"AWS_DEFAULT_OUTPUT": "text"}).stdout  # fmt: skip
    assert out == "7\n"
    flag_wins = two("get-function-configuration", "--function-name", "alpha", "--query", "Timeout",
                    "--output", "json", env={"AWS_DEFAULT_OUTPUT": "text"}).stdout  # fmt: skip
    assert json.loads(flag_wins) == 7


def test_bad_output_choice(two):
    result = two("list-functions", "--output", "xml", rc=252)
    assert "argument --output: Invalid choice, valid choices are:" in result.stderr


@pytest.mark.parametrize("args", [
    ["--output", "text", "--query", "FunctionName", "get-function-configuration", "--function-name", "beta"],
    ["get-function-configuration", "--output", "text", "--function-name", "beta", "--query", "FunctionName"],
    ["get-function-configuration", "--function-name", "beta", "--output=text", "--query=FunctionName"],
    ["--region", "us-east-1", "get-function-configuration", "--function-name", "beta", "--query", "FunctionName",
     "--output", "text", "--no-cli-pager", "--color", "off"],
])  # fmt: skip
def test_global_options_anywhere(two, args):
    assert two(*args).stdout == "beta\n"


def test_state_dir_flag(cli, make_zip, tmp_path):
    other = tmp_path / "elsewhere"
    cli.create("here", make_zip(), "--state-dir", str(other))
    assert cli("--state-dir", str(other), "list-functions", "--query", "Functions[].FunctionName").json == ["here"]
    assert cli("list-functions").json == {"Functions": []}
    assert (other / "lambdactl.db").is_file()


def test_version_and_help(cli):
    assert cli("--version").stdout.startswith("lambdactl ")
    help_text = cli("--help").stdout
    for command in ("create-function", "get-function", "list-functions", "update-function-code",
                    "update-function-configuration", "delete-function", "tag-resource", "untag-resource",
                    "list-tags", "get-account-settings", "wait"):  # fmt: skip
        assert command in help_text
    assert "--zip-file" in cli("create-function", "--help").stdout
