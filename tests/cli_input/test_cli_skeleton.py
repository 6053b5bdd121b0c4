"""Skeletons against botocore's ArgumentGenerator (the aws CLI's generator)."""

from __future__ import annotations

import datetime
import gzip
import json
from pathlib import Path

import botocore
import botocore.session
import botocore.utils
import pytest
import yaml

from lambdactl.cli.skeleton import skeleton, skeleton_text

_MODEL = json.loads(
    gzip.decompress((Path(botocore.__file__).parent / "data/lambda/2015-03-31/service-2.json.gz").read_bytes())
)
SHAPES = _MODEL["shapes"]
_SERVICE = botocore.session.get_session().get_service_model("lambda")

OPERATIONS = ["CreateFunction", "Invoke", "UpdateFunctionConfiguration", "CreateEventSourceMapping",
              "PutFunctionEventInvokeConfig", "ListFunctions", "AddPermission"]


def _encode(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(value)


def _oracle(operation: str, use_member_names: bool, monkeypatch) -> str:
    # The aws CLI v2 documents "the first enum value"; botocore v1 picks at random.
    monkeypatch.setattr(botocore.utils.random, "choice", lambda seq: seq[0])
    model = _SERVICE.operation_model(operation)
    shape = model.output_shape if use_member_names else model.input_shape
    doc = botocore.utils.ArgumentGenerator(use_member_names=use_member_names).generate_skeleton(shape)
    return json.dumps(doc, indent=4, default=_encode) + "\n"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_input_skeleton_matches_argument_generator(operation, monkeypatch):
    shape_name = _MODEL["operations"][operation]["input"]["shape"]
    assert skeleton_text(skeleton(shape_name, SHAPES)) == _oracle(operation, False, monkeypatch)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_output_skeleton_matches_argument_generator(operation, monkeypatch):
    shape_name = _MODEL["operations"][operation]["output"]["shape"]
    doc = skeleton(shape_name, SHAPES, "output")
    assert skeleton_text(doc, "output") == _oracle(operation, True, monkeypatch)


def test_create_function_skeleton_placeholders():
    doc = skeleton("CreateFunctionRequest", SHAPES)
    assert doc["FunctionName"] == "" and doc["Timeout"] == 0 and doc["Publish"] is True
    assert doc["Code"]["ZipFile"] is None  # hoisted to --zip-file, still in the skeleton
    assert doc["Environment"] == {"Variables": {"KeyName": ""}}
    assert doc["Architectures"] == ["x86_64"]
    assert doc["PackageType"] == "Zip"
    assert list(doc)[:4] == ["FunctionName", "Runtime", "Role", "Handler"]


def test_invoke_skeleton():
    doc = skeleton("InvocationRequest", SHAPES)
    assert doc["FunctionName"] == "" and doc["InvocationType"] == "Event" and doc["Payload"] is None


def test_recursive_structure_becomes_empty():
    shapes = {"Node": {"type": "structure", "members": {"Child": {"shape": "Node"}, "N": {"shape": "S"}}},
              "S": {"type": "string"}}
    assert skeleton("Node", shapes) == {"Child": {}, "N": ""}  # as botocore: 2nd visit is {}


@pytest.mark.parametrize("shape_name", ["CreateFunctionRequest", "UpdateFunctionConfigurationRequest",
                                        "InvocationRequest", "CreateEventSourceMappingRequest"])
def test_yaml_input_skeleton_loads_back_to_the_same_document(shape_name):
    doc = skeleton(shape_name, SHAPES, "yaml-input")
    text = skeleton_text(doc, "yaml-input", shape_name=shape_name, shapes=SHAPES)
    assert yaml.safe_load(text) == doc
    assert skeleton_text(doc, "yaml-input") and yaml.safe_load(skeleton_text(doc, "yaml-input")) == doc


def test_yaml_input_comments():
    doc = skeleton("CreateFunctionRequest", SHAPES, "yaml-input")
    lines = skeleton_text(doc, "yaml-input", shape_name="CreateFunctionRequest", shapes=SHAPES).splitlines()
    assert lines[0] == "FunctionName: ''  # [REQUIRED] The name or ARN of the Lambda function."
    assert "Code:  # [REQUIRED] The code for the function." in lines
    tracing = next(line for line in lines if line.startswith("  Mode:"))
    assert tracing == "  Mode: Active  # The tracing mode. Valid values are: Active, PassThrough."
    assert "- x86_64" in lines
    env = lines.index("Environment:  # Environment variables that are accessible from function code during execution.")
    assert lines[env + 1 : env + 3] == ["  Variables:  # Environment variable key-value pairs.", "    KeyName: ''"]


def test_empty_input_skeleton():
    assert skeleton_text({}) == "{}\n"
    assert skeleton_text({}, "yaml-input") == "{}\n"
