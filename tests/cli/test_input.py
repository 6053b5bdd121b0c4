"""--generate-cli-skeleton, --cli-input-json / --cli-input-yaml (explicit flags win), through the entry point."""

from __future__ import annotations

import base64
import json

import yaml


def test_skeleton_input_needs_no_required_flags(cli):
    result = cli("create-function", "--generate-cli-skeleton")
    doc = json.loads(result.stdout)
    assert doc["FunctionName"] == "" and doc["Timeout"] == 0
    assert doc["Code"]["ZipFile"] is None and doc["Environment"] == {"Variables": {"KeyName": ""}}
    assert doc["Publish"] is True
    assert result.stdout.startswith('{\n    "FunctionName": ""')
    assert not cli.state_dir.exists()  # calls nothing


def test_skeleton_explicit_input(cli):
    assert json.loads(cli("get-function", "--generate-cli-skeleton", "input").stdout) == {
        "FunctionName": "", "Qualifier": ""}  # fmt: skip


def test_skeleton_output(cli):
    doc = json.loads(cli("get-function-configuration", "--generate-cli-skeleton", "output").stdout)
    assert doc["FunctionName"] == "FunctionName" and doc["Timeout"] == 0
    assert "Architectures" in doc


def test_skeleton_yaml_input(cli):
    doc = yaml.safe_load(cli("update-function-configuration", "--generate-cli-skeleton", "yaml-input").stdout)
    assert doc["FunctionName"] == "" and "Timeout" in doc


def test_skeleton_bad_choice(cli):
    result = cli("get-function", "--generate-cli-skeleton", "xml", rc=252)
    assert "lambdactl: error: " in result.stderr and "xml" in result.stderr


def test_cli_input_json_creates(cli, hello_zip):
    doc = {
        "FunctionName": "from-json", "Runtime": "python3.12", "Handler": "app.handler", "Timeout": 9,
        "Code": {"ZipFile": base64.b64encode(hello_zip.read_bytes()).decode()},
        "Environment": {"Variables": {"KEY": "v"}},
    }  # fmt: skip
    out = cli("create-function", "--cli-input-json", json.dumps(doc)).json
    assert (out["FunctionName"], out["Timeout"], out["Environment"]) == ("from-json", 9, {"Variables": {"KEY": "v"}})


def test_cli_input_json_file_and_flags_win(cli, hello_zip, tmp_path):
    doc = {"FunctionName": "ignored", "Runtime": "python3.11", "Handler": "app.handler", "Timeout": 9, "MemorySize": 256}
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc))
    out = cli("create-function", "--cli-input-json", f"file://{path}", "--function-name", "flag-wins",
              "--timeout", "11", "--zip-file", f"fileb://{hello_zip}").json  # fmt: skip
    assert out["FunctionName"] == "flag-wins"
    assert (out["Timeout"], out["MemorySize"], out["Runtime"]) == (11, 256, "python3.11")


def test_cli_input_yaml_and_file(cli, hello_zip, tmp_path):
    cli.create("y", hello_zip)
    out = cli("update-function-configuration", "--cli-input-yaml", "FunctionName: y\nTimeout: 42\n").json
    assert out["Timeout"] == 42
    path = tmp_path / "in.yaml"
    path.write_text("FunctionName: y\nMemorySize: 512\nDescription: from yaml\n")
    out = cli("update-function-configuration", "--cli-input-yaml", f"file://{path}", "--description", "flag").json
    assert (out["MemorySize"], out["Description"], out["Timeout"]) == (512, "flag", 42)


def test_cli_input_json_unknown_member(cli):
    result = cli("get-function", "--cli-input-json", '{"FunctionName": "f", "Bogus": 1}', rc=252)
    assert result.stderr == (
        '\nParameter validation failed:\nUnknown parameter in input: "Bogus", must be one of: FunctionName, Qualifier\n'
    )


def test_cli_input_json_invalid(cli):
    result = cli("get-function", "--cli-input-json", "{not json", rc=252)
    assert result.stderr.startswith("Error parsing parameter '--cli-input-json': Invalid JSON")


def test_cli_input_json_wrong_type(cli):
    result = cli("update-function-configuration", "--cli-input-json", '{"FunctionName": "f", "Timeout": "x"}', rc=252)
    assert "Invalid type for parameter Timeout, value: x" in result.stderr


def test_boolean_pairs(cli, hello_zip):
    out = cli.create("pub", hello_zip, "--publish").json
    assert out["Version"] == "1"
    assert out["FunctionArn"].endswith(":function:pub")  # unqualified even when published
    out = cli.create("nopub", hello_zip, "--no-publish").json
    assert out["Version"] == "$LATEST"
