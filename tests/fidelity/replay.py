"""Replay recorded AWS Lambda error responses against a real ``lambdactl serve`` and count matches.

Each case is a request rebuilt from LocalStack's ``tests/aws/services/lambda_/test_lambda_api.py`` /
``test_lambda.py`` and the response recorded from real AWS in the ``.snapshot.json`` beside it (snapshot key
in the case's first field). ``{fn}`` is the unqualified ARN prefix ``arn:aws:lambda:<region>:<account>:function``,
``{F}`` the name of the function the script creates first (it also publishes version 1), ``F2`` a second
one with versions 1 (2 provisioned) and 2, and ``{layer}`` the ARN of a layer it publishes twice.

    .venv/bin/python tests/fidelity/replay.py        # prints one line per mismatch and "N/M match"
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.serving import ROLE, start_server, zip_bytes  # noqa: E402

F = "replayfn"
F2 = "replayfn2"
SQS_ARN = "arn:aws:sqs:{region}:111111111111:somequeue"
ESM_ARN = "{esm}:0b7c5b3c-1e1a-4a34-9d1a-52a3c2b4ae11"  # no such mapping
CP_ARN = "{esm_prefix}capacity-provider:nothing"
# Lambda's TaggableResource pattern as it answers it ({{ }}: str.format's braces)
TAGGABLE = (
    r"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{{1}}:\d{{12}}:"
    r"(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{{17}}"
    r"|event-source-mapping:[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}"
    r"|capacity-provider:[a-zA-Z0-9-_]+)"
)
WRONG_REGION_ARN = "arn:aws:lambda:eu-central-1:{account}:function:" + F
# (recording, operation, params, HTTP status, error code or None for success, message)
CASES: list[tuple[str, str, dict, int, str | None, str]] = [
    ("test_permission_exceptions/get_policy_fn_doesnotexist", "get_policy", {"FunctionName": "doesnotexist"},
     404, "ResourceNotFoundException", "The resource you requested does not exist."),
    ("test_remove_multi_permissions/get_policy_exception_removed_all", "get_policy", {"FunctionName": F},
     404, "ResourceNotFoundException", "The resource you requested does not exist."),
    ("test_permission_exceptions/add_permission_fn_qualifier_latest", "add_permission",
     {"FunctionName": F, "Action": "lambda:InvokeFunction", "StatementId": "s3", "Principal": "s3.amazonaws.com",
      "Qualifier": "$LATEST"},
     400, "InvalidParameterValueException", "We currently do not support adding policies for $LATEST."),
    ("test_permission_exceptions/add_permission_fn_alias_doesnotexist", "add_permission",
     {"FunctionName": F + ":alias-doesnotexist", "Action": "lambda:InvokeFunction", "StatementId": "s3",
      "Principal": "s3.amazonaws.com"},
     404, "ResourceNotFoundException", "Cannot find alias arn: {fn}:" + F + ":alias-doesnotexist"),
    ("test_permission_exceptions/add_permission_fn_version_doesnotexist", "add_permission",
     {"FunctionName": F, "Action": "lambda:InvokeFunction", "StatementId": "s3", "Principal": "s3.amazonaws.com",
      "Qualifier": "42"},
     404, "ResourceNotFoundException", "Function not found: {fn}:" + F + ":42"),
    ("test_permission_exceptions/remove_permission_policy_doesnotexist", "remove_permission",
     {"FunctionName": F, "StatementId": "s3"},
     404, "ResourceNotFoundException", "No policy is associated with the given resource."),
    ("test_permission_exceptions/remove_permission_fn_doesnotexist", "remove_permission",
     {"FunctionName": "doesnotexist", "StatementId": "s3"},
     404, "ResourceNotFoundException", "No policy found for: {fn}:doesnotexist"),
    ("test_layer_exceptions/get_layer_version_exc_layer_version_doesnotexist_negative", "get_layer_version",
     {"LayerName": "somelayer", "VersionNumber": -1},
     400, "InvalidParameterValueException", "Layer Version Cannot be less than 1"),
    ("test_lambda_eventinvokeconfig_exceptions/put_functionname_name_notfound", "put_function_event_invoke_config",
     {"FunctionName": "doesnotexist", "MaximumRetryAttempts": 1},
     404, "ResourceNotFoundException", "The function doesn't exist."),
    ("test_lambda_eventinvokeconfig_exceptions/put_functionname_nootherargs", "put_function_event_invoke_config",
     {"FunctionName": "doesnotexist"},
     400, "InvalidParameterValueException", "You must specify at least one of error handling or destination setting."),
    ("test_lambda_eventinvokeconfig_exceptions/delete_function_not_found", "delete_function_event_invoke_config",
     {"FunctionName": F},
     404, "ResourceNotFoundException", "The function {fn}:" + F + ":$LATEST doesn't have an EventInvokeConfig"),
    ("test_lambda_eventinvokeconfig_exceptions/delete_function_doesnotexist", "delete_function_event_invoke_config",
     {"FunctionName": "doesnotexist"},
     404, "ResourceNotFoundException", "The function {fn}:doesnotexist:$LATEST doesn't have an EventInvokeConfig"),
    ("test_lambda_eventinvokeconfig_exceptions/get_qualifier_doesnotexist", "get_function_event_invoke_config",
     {"FunctionName": F, "Qualifier": "doesnotexist"},
     404, "ResourceNotFoundException", "The function {fn}:" + F + ":doesnotexist doesn't have an EventInvokeConfig"),
    ("test_ops_on_nonexisting_fn[get_function_event_invoke_config]", "get_function_event_invoke_config",
     {"FunctionName": "doesnotexist"},
     404, "ResourceNotFoundException", "The function {fn}:doesnotexist:$LATEST doesn't have an EventInvokeConfig"),
    ("test_event_source_mapping_exceptions/create_no_event_source_arn", "create_event_source_mapping",
     {"FunctionName": "doesnotexist"}, 400, "InvalidParameterValueException", "Unrecognized event source."),
    ("test_event_source_mapping_exceptions/create_unknown_params", "create_event_source_mapping",
     {"FunctionName": "doesnotexist", "EventSourceArn": SQS_ARN},
     400, "InvalidParameterValueException", "Function does not exist"),
    ("test_function_name_and_qualifier_validation[function_name_too_long-get_function]", "get_function",
     {"FunctionName": "a" * 65}, 404, "ResourceNotFoundException", "Function not found: {fn}:" + "a" * 65),
    ("test_function_name_and_qualifier_validation[function_name_too_long-delete_function]", "delete_function",
     {"FunctionName": "a" * 65}, 404, "ResourceNotFoundException", "Function not found: {fn}:" + "a" * 65),
    ("test_function_name_and_qualifier_validation[function_name_too_long-invoke]", "invoke",
     {"FunctionName": "a" * 65}, 404, "ResourceNotFoundException", "Function not found: {fn}:" + "a" * 65 + ":$LATEST"),
    ("test_delete_on_nonexisting_version (delete with Qualifier 1233 succeeds)", "delete_function",
     {"FunctionName": F, "Qualifier": "1233"}, 204, None, ""),
    ("test_ops_with_arn_qualifier_mismatch[delete_function]/match_exception", "delete_function",
     {"FunctionName": F, "Qualifier": "$LATEST"},
     400, "InvalidParameterValueException", "$LATEST version cannot be deleted without deleting the function."),
    ("test_ops_on_nonexisting_fn[delete_function]", "delete_function", {"FunctionName": "doesnotexist"},
     404, "ResourceNotFoundException", "Function not found: {fn}:doesnotexist"),
    ("test_ops_on_nonexisting_version[get_function]", "get_function", {"FunctionName": F, "Qualifier": "1221"},
     404, "ResourceNotFoundException", "Function not found: {fn}:" + F + ":1221"),
    ("test_invoke_exceptions/invoke_function_doesnotexist (test_lambda.snapshot)", "invoke",
     {"FunctionName": "doesnotexist"},
     404, "ResourceNotFoundException", "Function not found: {fn}:doesnotexist:$LATEST"),
    ("test_alias_lifecycle/get_function_alias_notfound_exc", "get_function",
     {"FunctionName": F, "Qualifier": "aliasdoesnotexist"},
     404, "ResourceNotFoundException", "Function not found: {fn}:" + F + ":aliasdoesnotexist"),
    ("test_notfound_and_invalid_routingconfigs/alias_does_not_exist_esc", "get_alias",
     {"FunctionName": F, "Name": "non-existent"},
     404, "ResourceNotFoundException", "Cannot find alias arn: {fn}:" + F + ":non-existent"),
    ("test_provisioned_concurrency_exceptions/get_provisioned_qualifier_doesnotexist",
     "get_provisioned_concurrency_config", {"FunctionName": F, "Qualifier": "noalias"},
     404, "ResourceNotFoundException", "Cannot find alias arn: {fn}:" + F + ":noalias"),
    ("test_provisioned_concurrency_exceptions/get_provisioned_functionname_doesnotexist",
     "get_provisioned_concurrency_config", {"FunctionName": "doesnotexist", "Qualifier": "noalias"},
     404, "ResourceNotFoundException", "Cannot find alias arn: {fn}:doesnotexist:noalias"),
    ("test_provisioned_concurrency_exceptions/get_provisioned_latest", "get_provisioned_concurrency_config",
     {"FunctionName": F, "Qualifier": "$LATEST"},
     400, "InvalidParameterValueException", "The function resource provided must be an alias or a published version."),
    ("test_provisioned_concurrency_exceptions/get_provisioned_config_doesnotexist",
     "get_provisioned_concurrency_config", {"FunctionName": F, "Qualifier": "1"},
     404, "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function"),
    ("test_provisioned_concurrency_exceptions/put_provisioned_latest", "put_provisioned_concurrency_config",
     {"FunctionName": F, "Qualifier": "$LATEST", "ProvisionedConcurrentExecutions": 1},
     400, "InvalidParameterValueException",
     "Provisioned Concurrency Configs cannot be applied to unpublished function versions."),
    ("test_provisioned_concurrency_exceptions/put_provisioned_qualifier_doesnotexist",
     "put_provisioned_concurrency_config",
     {"FunctionName": F, "Qualifier": "doesnotexist", "ProvisionedConcurrentExecutions": 1},
     404, "ResourceNotFoundException", "Cannot find alias arn: {fn}:" + F + ":doesnotexist"),
    ("test_provisioned_concurrency_exceptions/delete_provisioned_functionname_doesnotexist",
     "delete_provisioned_concurrency_config", {"FunctionName": "doesnotexist", "Qualifier": "1"},
     404, "ResourceNotFoundException", "Function not found: {fn}:doesnotexist:1"),
    ("test_function_concurrency_exceptions/put_function_concurrency_with_function_name_doesnotexist",
     "put_function_concurrency", {"FunctionName": "doesnotexist", "ReservedConcurrentExecutions": 1},
     404, "ResourceNotFoundException", "Function not found: {fn}:doesnotexist:$LATEST"),
    ("test_function_concurrency_exceptions/put_function_concurrency_with_qualified_arn",
     "put_function_concurrency", {"FunctionName": "{fn}:" + F + ":1", "ReservedConcurrentExecutions": 1},
     400, "InvalidParameterValueException",
     "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. "
     "Please specify either a function name or an unqualified function ARN."),
    ("test_ops_on_nonexisting_fn[get_function_url_config]", "get_function_url_config",
     {"FunctionName": "doesnotexist"}, 404, "ResourceNotFoundException", "The resource you requested does not exist."),
    ("test_url_config_list_paging/list_function_notfound", "list_function_url_configs",
     {"FunctionName": "doesnotexist"}, 404, "ResourceNotFoundException", "Function does not exist"),
    ("test_tag_exceptions/tag_lambda_qualifier_doesnotexist", "tag_resource",
     {"Resource": "{fn}:" + F + ":1", "Tags": {"a": "b"}},
     400, "InvalidParameterValueException",
     "Tags on function aliases and versions are not supported. Please specify a function ARN."),
    ("test_tag_exceptions/tag_lambda_doesnotexist", "tag_resource",
     {"Resource": "{fn}:doesnotexist", "Tags": {"a": "b"}},
     404, "ResourceNotFoundException", "Function not found: {fn}:doesnotexist"),
    ("TestLambdaTags::test_tag_exceptions/tag_empty_tags", "tag_resource", {"Resource": "{fn}:" + F, "Tags": {}},
     400, "InvalidParameterValueException", "An error occurred and the request cannot be processed."),
    ("TestLambdaTags::test_tag_exceptions/tag_lambda_invalidarn", "tag_resource",
     {"Resource": "arn:aws:something", "Tags": {"a": "b"}},
     400, "ValidationException", "1 validation error detected: Value 'arn:aws:something' at 'resource' failed to "
     "satisfy constraint: Member must satisfy regular expression pattern: " + TAGGABLE),
    ("TestLambdaTag::test_tag_exceptions[event_source_mapping]/not_found_exception_tag", "tag_resource",
     {"Resource": ESM_ARN, "Tags": {"A": "B"}}, 404, "ResourceNotFoundException", "Event source mapping not found: " + ESM_ARN),
    ("TestLambdaTag::test_tag_exceptions[event_source_mapping]/not_found_exception_untag", "untag_resource",
     {"Resource": ESM_ARN, "TagKeys": ["A"]}, 404, "ResourceNotFoundException", "Event source mapping not found: " + ESM_ARN),
    ("TestLambdaTag::test_tag_exceptions[event_source_mapping]/not_found_exception_list", "list_tags",
     {"Resource": ESM_ARN}, 404, "ResourceNotFoundException", "Event source mapping not found: " + ESM_ARN),
    ("TestLambdaTag::test_tag_exceptions[event_source_mapping]/aliased_arn_exception", "list_tags",
     {"Resource": ESM_ARN + ":alias"}, 400, "ValidationException", "1 validation error detected: Value '" + ESM_ARN
     + ":alias' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: " + TAGGABLE),
    ("TestLambdaTag::test_tag_exceptions[capacity_provider]/not_found_exception_list", "list_tags",
     {"Resource": CP_ARN}, 404, "ResourceNotFoundException", "Capacity provider not found: " + CP_ARN),
    # F2: version 1 with 2 provisioned, version 2 without (test_lambda.snapshot.json, in the recorded order)
    ("test_reserved_provisioned_overlap/reserved_lower_than_provisioned_exc", "put_function_concurrency",
     {"FunctionName": F2, "ReservedConcurrentExecutions": 1}, 400, "InvalidParameterValueException",
     " ReservedConcurrentExecutions  1 should not be lower than function's total provisioned concurrency [2]."),
    ("test_reserved_provisioned_overlap (put_function_concurrency 2 succeeds)", "put_function_concurrency",
     {"FunctionName": F2, "ReservedConcurrentExecutions": 2}, 200, None, ""),
    ("test_reserved_provisioned_overlap/reserved_equals_provisioned_latest_invoke_exc", "invoke",
     {"FunctionName": F2}, 429, "TooManyRequestsException", "Rate Exceeded."),
    ("test_reserved_provisioned_overlap/reserved_equals_provisioned_another_provisioned_exc",
     "put_provisioned_concurrency_config", {"FunctionName": F2, "Qualifier": "2", "ProvisionedConcurrentExecutions": 1},
     400, "InvalidParameterValueException",
     "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"),
    ("test_reserved_provisioned_overlap/reserved_equals_provisioned_increase_provisioned_exc",
     "put_provisioned_concurrency_config", {"FunctionName": F2, "Qualifier": "1", "ProvisionedConcurrentExecutions": 3},
     400, "InvalidParameterValueException",
     "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"),
    ("test_non_existent_alias_update/update_alias_response", "update_alias",
     {"FunctionName": F, "Name": "non-existent"},
     404, "ResourceNotFoundException", "Alias not found: {fn}:" + F + ":non-existent"),
    ("test_lambda_eventinvokeconfig_exceptions/update_eventinvokeconfig_function_doesnotexist",
     "update_function_event_invoke_config", {"FunctionName": "doesnotexist", "MaximumRetryAttempts": 0},
     404, "ResourceNotFoundException", "The function doesn't exist."),
    ("test_lambda_eventinvokeconfig_exceptions/update_eventinvokeconfig_config_doesnotexist_without_qualifier",
     "update_function_event_invoke_config", {"FunctionName": "{fn}:" + F, "MaximumRetryAttempts": 0},
     404, "ResourceNotFoundException", "The function {fn}:" + F + ":$LATEST doesn't have an EventInvokeConfig"),
    ("test_lambda_eventinvokeconfig_exceptions/put_destination_lambda_doesntexist",
     "put_function_event_invoke_config",
     {"FunctionName": F, "DestinationConfig": {"OnSuccess": {"Destination": "{fn}:doesnotexist"}}},
     400, "InvalidParameterValueException", "The destination ARN {fn}:doesnotexist is invalid."),
    ("test_layer_function_exceptions/two_layer_versions_single_function_exc", "update_function_configuration",
     {"FunctionName": F, "Layers": ["{layer}:1", "{layer}:2"]},
     400, "InvalidParameterValueException",
     "Two different versions of the same layer are not allowed to be referenced in the same function. "
     "{layer}:1 and {layer}:2 are versions of the same layer."),
    ("test_notfound_and_invalid_routingconfigs/routing_config_exc_toomany", "create_alias",
     {"FunctionName": F, "Name": "custom", "FunctionVersion": "1",
      "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.8, "2": 0.2}}},
     400, "InvalidParameterValueException", 'Number of items in AdditionalVersionWeights cannot be greater than 1'),
    ("test_notfound_and_invalid_routingconfigs/routing_config_exc_toohigh", "create_alias",
     {"FunctionName": F, "Name": "custom", "FunctionVersion": "1",
      "RoutingConfig": {"AdditionalVersionWeights": {"2": 2}}},
     400, "ValidationException", "1 validation error detected: Value '{{2=2.0}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"),
    ("test_notfound_and_invalid_routingconfigs/routing_config_exc_subzero", "create_alias",
     {"FunctionName": F, "Name": "custom", "FunctionVersion": "1",
      "RoutingConfig": {"AdditionalVersionWeights": {"2": -1}}},
     400, "ValidationException", "1 validation error detected: Value '{{2=-1.0}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"),
    ("test_notfound_and_invalid_routingconfigs/routing_config_exc_sameversion", "create_alias",
     {"FunctionName": F, "Name": "custom", "FunctionVersion": "1",
      "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.5}}},
     400, "InvalidParameterValueException", 'Invalid function version 1. Function version 1 is already included in routing configuration.'),
    ("test_notfound_and_invalid_routingconfigs/routing_config_exc_version_doesnotexist", "create_alias",
     {"FunctionName": F, "Name": "custom", "FunctionVersion": "1",
      "RoutingConfig": {"AdditionalVersionWeights": {"10": 0.5}}},
     404, "ResourceNotFoundException", 'Function not found: {fn}:replayfn:10'),
    ("test_notfound_and_invalid_routingconfigs/target_version_exc_version_latest", "create_alias",
     {"FunctionName": F, "Name": "custom", "FunctionVersion": "$LATEST",
      "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.5}}},
     400, "InvalidParameterValueException", '$LATEST is not supported for an alias pointing to more than 1 version'),
    ("test_notfound_and_invalid_routingconfigs/routing_config_exc_version_latest", "create_alias",
     {"FunctionName": F, "Name": "custom", "FunctionVersion": "1",
      "RoutingConfig": {"AdditionalVersionWeights": {"$LATEST": 0.5}}},
     400, "ValidationException", "1 validation error detected: Value '{{$LATEST=0.5}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]"),
    ("test_layer_policy_exceptions/layer_permission_layername_doesnotexist_add", "add_layer_version_permission",
     {"LayerName": "replaylayer-doesnotexist", "VersionNumber": 1, "StatementId": "s1",
      "Action": "lambda:GetLayerVersion", "Principal": "*"},
     404, "ResourceNotFoundException", "Layer version {layer}-doesnotexist:1 does not exist."),
    ("test_layer_policy_exceptions/layer_permission_layerversion_doesnotexist_add", "add_layer_version_permission",
     {"LayerName": "replaylayer", "VersionNumber": 3, "StatementId": "s1",
      "Action": "lambda:GetLayerVersion", "Principal": "*"},
     404, "ResourceNotFoundException", "Layer version {layer}:3 does not exist."),
    ("test_layer_policy_exceptions/layer_permission_nopolicy_get", "get_layer_version_policy",
     {"LayerName": "replaylayer", "VersionNumber": 1},
     404, "ResourceNotFoundException", "No policy is associated with the given resource."),
] + [
    # an ARN of another region than the request's (the client's) is not looked up there
    (f"test_get_function_wrong_region[{op}]/wrong_region_exception", op, {"FunctionName": WRONG_REGION_ARN},
     404, "ResourceNotFoundException", "Functions from 'eu-central-1' are not reachable in this region ('{region}')")
    for op in ("get_function", "get_function_configuration", "get_function_url_config",
               "get_function_code_signing_config", "get_function_event_invoke_config", "get_function_concurrency",
               "delete_function", "invoke")
]


def fill(value, subst: dict[str, str]):
    """Substitute the ``{fn}``/``{region}`` placeholders in a parameter value, recursively."""
    if isinstance(value, str):
        return value.format(**subst)
    if isinstance(value, dict):
        return {k: fill(v, subst) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, subst) for v in value]
    return value


def replay(client, subst: dict[str, str]) -> list[str]:
    """Run every case; return one line per mismatch."""
    misses = []
    for name, op, params, status, code, message in CASES:
        try:
            response = getattr(client, op)(**fill(params, subst))
            got = (response["ResponseMetadata"]["HTTPStatusCode"], None, "")
        except ClientError as e:
            got = (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"],
                   e.response["Error"].get("Message", ""))
        want = (status, code, fill(message, subst))
        if got != want:
            misses.append(f"MISMATCH {name}\n   want {want}\n   got  {got}")
    return misses


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "state", Path(tmp) / "serve.log")
        try:
            client = boto3.client(
                "lambda", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
                aws_secret_access_key="test", config=Config(retries={"max_attempts": 0}, parameter_validation=False),
            )  # fmt: skip
            created = client.create_function(
                FunctionName=F, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                Code={"ZipFile": zip_bytes("def handler(event, context):\n    return event\n")},
            )  # fmt: skip
            client.get_waiter("function_active_v2").wait(FunctionName=F)
            client.publish_version(FunctionName=F)
            client.create_function(
                FunctionName=F2, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                Code={"ZipFile": zip_bytes("def handler(event, context):\n    return event\n")},
            )  # fmt: skip
            client.get_waiter("function_active_v2").wait(FunctionName=F2)
            client.publish_version(FunctionName=F2)
            client.update_function_configuration(FunctionName=F2, Timeout=15)
            client.get_waiter("function_updated_v2").wait(FunctionName=F2)
            client.publish_version(FunctionName=F2)
            client.put_provisioned_concurrency_config(FunctionName=F2, Qualifier="1", ProvisionedConcurrentExecutions=2)
            for _ in range(2):
                layer = client.publish_layer_version(LayerName="replaylayer", Content={"ZipFile": zip_bytes("")})
            arn = created["FunctionArn"]
            region = arn.split(":")[3]
            prefix = arn.rsplit(":", 2)[0] + ":"  # arn:aws:lambda:<region>:<account>:
            subst = {"fn": arn.rsplit(":", 1)[0], "region": region, "layer": layer["LayerArn"],
                     "esm": prefix + "event-source-mapping", "esm_prefix": prefix,
                     "account": arn.split(":")[4]}
            misses = replay(client, subst)
        finally:
            server.stop()
    print("\n".join(misses))
    print(f"{len(CASES) - len(misses)}/{len(CASES)} recorded responses match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
