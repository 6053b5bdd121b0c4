"""lambdactl.cli.shorthand against awscli's shorthand/argprocess (the oracle)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import botocore
import botocore.session
import pytest
from awscli.argprocess import ParamError, ParamShorthandParser, unpack_cli_arg
from awscli.shorthand import ShorthandParseError, ShorthandParser

from lambdactl.cli.shorthand import coerce, parse_param, parse_shorthand
from lambdactl.errors import LambdactlError, UsageError

_MODEL_PATH = Path(botocore.__file__).parent / "data/lambda/2015-03-31/service-2.json.gz"
SHAPES = json.loads(gzip.decompress(_MODEL_PATH.read_bytes()))["shapes"]
_SERVICE = botocore.session.get_session().get_service_model("lambda")


class _Arg:
    """The bits of awscli's CLIArgument that argprocess reads."""

    def __init__(self, shape_name: str, cli_name: str) -> None:
        self.argument_model = _SERVICE.shape_for(shape_name)
        self.cli_name = cli_name
        self.name = cli_name[2:]
        self.py_name = self.name.replace("-", "_")


def _oracle(raw, shape_name: str, cli_name: str):
    arg = _Arg(shape_name, cli_name)
    parsed = ParamShorthandParser()(arg, raw, "process-cli-arg.lambda.create-function")
    return unpack_cli_arg(arg, raw) if parsed is None else parsed


SHORTHANDS = [
    "Variables={A=1,B=2}",
    "a=b,c",
    "a=b,c,d=e",
    "a=b , c = d",
    "k=",
    "k=,j=x",
    "a=[b,c],d={e=f,g=[h]}",
    "a=[]",
    "a={}",
    "x='a,b',y=\"c\\\"d\"",
    "x='it\\'s'",
    "a=b\\,c",
    "url=https://x.example/p?q=1&r=2",
    "a=1,,b=2",
    "Key.Name#/:-_=v",
    "a=é,b=関数",
    "a=b\nc",
    "a=[b, c ,d]",
    "=",
]

BAD_SHORTHANDS = ["Variables", "a=b,a=c", "a=[b", "a={b=c", "a=b,", "a={b}", "a='unterminated", ""]


@pytest.mark.parametrize("text", SHORTHANDS)
def test_parse_shorthand_matches_awscli(text):
    assert parse_shorthand(text, "--x") == ShorthandParser().parse(text)


@pytest.mark.parametrize("text", BAD_SHORTHANDS)
def test_parse_shorthand_errors_match_awscli(text):
    with pytest.raises(ShorthandParseError) as expected:
        ShorthandParser().parse(text)
    with pytest.raises(UsageError) as ours:
        parse_shorthand(text, "--environment")
    prefix = "Error parsing parameter '--environment': "
    assert ours.value.message.startswith(prefix)
    message = ours.value.message[len(prefix) :]
    # awscli v1 forgot the f-prefix on the location line; v2 prints the caret
    oracle = str(expected.value).replace("{self._error_location()}", "")
    assert message.startswith(oracle.split("\n")[0])
    assert ours.value.exit_code == 252


def test_syntax_error_message_shows_location():
    with pytest.raises(UsageError) as err:
        parse_shorthand("Variables", "--environment")
    assert err.value.message == (
        "Error parsing parameter '--environment': Expected: '=', received: 'EOF' for input:\n"
        "Variables\n"
        "         ^"
    )


def test_paramfile_values(tmp_path):
    text_file = tmp_path / "v.txt"
    text_file.write_text("hello, world")
    assert parse_shorthand(f"a@=file://{text_file},b=file://x") == {"a": "hello, world", "b": "file://x"}
    assert parse_shorthand(f"a@=fileb://{text_file}") == {"a": b"hello, world"}
    with pytest.raises(UsageError, match="Unable to load paramfile file:///nope"):
        parse_shorthand("a@=file:///nope")


PARAMS = [
    ("Variables={A=1,B=2}", "Environment", "--environment"),
    ('{"Variables": {"A": "1"}}', "Environment", "--environment"),
    ("  {\"Variables\": {}}", "Environment", "--environment"),
    ("Size=1024", "EphemeralStorage", "--ephemeral-storage"),
    ('{"Size": "1024"}', "EphemeralStorage", "--ephemeral-storage"),
    ("Mode=Active", "TracingConfig", "--tracing-config"),
    ("SubnetIds=a,b,SecurityGroupIds=sg-1,Ipv6AllowedForDualStack=true", "VpcConfig", "--vpc-config"),
    ("SubnetIds=[a],Ipv6AllowedForDualStack=False", "VpcConfig", "--vpc-config"),
    ("Ipv6AllowedForDualStack=maybe", "VpcConfig", "--vpc-config"),
    ("Team=x,Env=dev", "Tags", "--tags"),
    ("ZipFile=abc,S3Bucket=b", "FunctionCode", "--code"),
    (["arm64"], "ArchitecturesList", "--architectures"),
    (["arm64", "x86_64"], "ArchitecturesList", "--architectures"),
    (['["arm64"]'], "ArchitecturesList", "--architectures"),
    (["a,b"], "LayerList", "--layers"),
    (["arn:1", "arn:2"], "LayerList", "--layers"),
    (["Type=VPC_SUBNET,URI=subnet-1", "Type=VPC_SECURITY_GROUP,URI=sg-1"],
     "SourceAccessConfigurations", "--source-access-configurations"),
    (['{"Type": "VPC_SUBNET", "URI": "s"}', '{"Type": "BASIC_AUTH", "URI": "u"}'],
     "SourceAccessConfigurations", "--source-access-configurations"),
    (['[{"Type": "VPC_SUBNET", "URI": "s"}]'], "SourceAccessConfigurations", "--source-access-configurations"),
    ("Filters=[{Pattern=abc}]", "FilterCriteria", "--filter-criteria"),
    ("Filters={Pattern=abc}", "FilterCriteria", "--filter-criteria"),
    ("OnSuccess={Destination=arn:x},OnFailure={Destination=arn:y}", "DestinationConfig", "--destination-config"),
    ("MaximumConcurrency=5", "ScalingConfig", "--scaling-config"),
    ("EntryPoint=a,b,Command=c,WorkingDirectory=/w", "ImageConfig", "--image-config"),
    ("ApplyOn=PublishedVersions", "SnapStart", "--snap-start"),
    ("LogFormat=JSON,ApplicationLogLevel=DEBUG", "LoggingConfig", "--logging-config"),
]


@pytest.mark.parametrize("raw,shape,cli_name", PARAMS)
def test_parse_param_matches_awscli(raw, shape, cli_name):
    assert parse_param(raw, shape, SHAPES, cli_name) == _oracle(raw, shape, cli_name)


BAD_PARAMS = [
    ('{"Variables": ', "Environment", "--environment"),
    ("[1]", "Environment", "--environment"),
    (['{"Type": "VPC_SUBNET"}', "Type=x"], "SourceAccessConfigurations", "--source-access-configurations"),
    (['[{"Type": '], "SourceAccessConfigurations", "--source-access-configurations"),
    ("a=b,a=c", "Tags", "--tags"),
]


@pytest.mark.parametrize("raw,shape,cli_name", BAD_PARAMS)
def test_parse_param_errors_match_awscli(raw, shape, cli_name):
    with pytest.raises(ParamError) as expected:
        _oracle(raw, shape, cli_name)
    with pytest.raises(UsageError) as ours:
        parse_param(raw, shape, SHAPES, cli_name)
    assert ours.value.message == str(expected.value)


def test_shorthand_syntax_error_names_the_parameter():
    with pytest.raises(UsageError, match=r"^Error parsing parameter '--environment': Expected: '=', received: '}'"):
        parse_param("Variables={A}", "Environment", SHAPES, "--environment")


def test_bad_integer_is_a_general_error_like_awscli():
    with pytest.raises(ValueError) as expected:
        _oracle("Size=big", "EphemeralStorage", "--ephemeral-storage")
    with pytest.raises(LambdactlError) as ours:
        parse_param("Size=big", "EphemeralStorage", SHAPES, "--ephemeral-storage")
    assert not isinstance(ours.value, UsageError)
    assert ours.value.message == str(expected.value) == "invalid literal for int() with base 10: 'big'"


def test_coerce_lambda_shapes():
    assert coerce({"Size": "2048"}, "EphemeralStorage", SHAPES, "--x") == {"Size": 2048}
    assert coerce({"Mode": "Active"}, "TracingConfig", SHAPES, "--x") == {"Mode": "Active"}
    assert coerce({"SubnetIds": "a"}, "VpcConfig", SHAPES, "--x") == {"SubnetIds": ["a"]}
    assert coerce({"Ipv6AllowedForDualStack": "TRUE"}, "VpcConfig", SHAPES, "--x") == {
        "Ipv6AllowedForDualStack": True
    }
    assert coerce({"Unknown": "1"}, "EphemeralStorage", SHAPES, "--x") == {"Unknown": "1"}
    assert coerce("arm64", "ArchitecturesList", SHAPES, "--x") == ["arm64"]
    assert coerce({"A": "1"}, "EnvironmentVariables", SHAPES, "--x") == {"A": "1"}
    assert coerce({"Size": None}, "EphemeralStorage", SHAPES, "--x") == {"Size": None}
