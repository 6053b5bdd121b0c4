"""Aliases: CRUD, routing by weight, ExecutedVersion, qualifier resolution and Lambda's errors."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from lambdactl.control import aliases

from .conftest import FN_ARN, expect_error, payload, returning


@pytest.fixture
def two_versions(plane, make_function):
    """Function f with version 1 returning "one" and version 2 returning "two"."""
    make_function("f", returning("one"), Publish=True)
    plane.call("UpdateFunctionCode", {"FunctionName": "f", "ZipFile": returning("two"), "Publish": True})
    return plane


@pytest.mark.parametrize("weight", [0.1, 0.3, 0.5, 0.9])
def test_routing_split_follows_weight_over_1000_draws(weight):
    alias = {"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": weight}}}
    rng = random.Random(1234)
    counts = Counter(aliases.pick(alias, rng) for _ in range(1000))
    assert set(counts) <= {"1", "2"}
    assert abs(counts["2"] / 1000 - weight) < 0.04


def test_routing_extremes():
    always_primary = {"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.0}}}
    always_extra = {"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 1.0}}}
    rng = random.Random(7)
    assert {aliases.pick(always_primary, rng) for _ in range(200)} == {"1"}
    assert {aliases.pick(always_extra, rng) for _ in range(200)} == {"2"}
    assert aliases.pick({"FunctionVersion": "3"}, rng) == "3"


def test_weighted_alias_invocations_report_executed_version(two_versions):
    plane = two_versions
    plane.call("CreateAlias", {
        "FunctionName": "f", "Name": "live", "FunctionVersion": "1",
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.5}},
    })  # fmt: skip
    seen = Counter()
    for _ in range(20):
        response = plane.call("Invoke", {"FunctionName": "f", "Qualifier": "live"})
        expected = {"1": "one", "2": "two"}[response["ExecutedVersion"]]
        assert payload(response) == expected  # the version reported is the version that ran
        seen[response["ExecutedVersion"]] += 1
    assert set(seen) == {"1", "2"}  # P(all 20 the same) = 2 * 0.5**20


def test_alias_invoke_through_cli(cli, make_zip):
    cli.create("f", make_zip({"app.py": "def handler(e, c):\n    return 'one'\n"}), "--publish")
    cli("create-alias", "--function-name", "f", "--name", "prod", "--function-version", "1")
    out = cli.cwd / "out.json"
    result = cli("invoke", "--function-name", "f:prod", str(out)).json
    assert result["ExecutedVersion"] == "1" and out.read_text() == '"one"'
    result = cli("invoke", "--function-name", f"{FN_ARN}:f", "--qualifier", "prod", str(out)).json
    assert result["ExecutedVersion"] == "1"


def test_alias_crud_round_trip(two_versions):
    plane = two_versions
    created = plane.call("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "1",
                                         "Description": "prod"})
    assert created == {
        "AliasArn": f"{FN_ARN}:f:live", "Name": "live", "FunctionVersion": "1", "Description": "prod",
        "RevisionId": created["RevisionId"],
    }  # fmt: skip
    assert plane.call("GetAlias", {"FunctionName": "f", "Name": "live"}) == created
    updated = plane.call("UpdateAlias", {
        "FunctionName": "f", "Name": "live", "RevisionId": created["RevisionId"],
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.25}},
    })  # fmt: skip
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    assert updated["RevisionId"] != created["RevisionId"] and updated["Description"] == "prod"
    plane.call("CreateAlias", {"FunctionName": "f", "Name": "beta", "FunctionVersion": "2"})
    listed = plane.call("ListAliases", {"FunctionName": "f"})["Aliases"]
    assert [a["Name"] for a in listed] == ["beta", "live"]
    assert [a["Name"] for a in plane.call("ListAliases", {"FunctionName": "f", "FunctionVersion": "2"})["Aliases"]] == ["beta"]
    page = plane.call("ListAliases", {"FunctionName": "f", "MaxItems": 1})
    assert [a["Name"] for a in page["Aliases"]] == ["beta"]
    rest = plane.call("ListAliases", {"FunctionName": "f", "Marker": page["NextMarker"]})
    assert [a["Name"] for a in rest["Aliases"]] == ["live"]
    plane.call("DeleteAlias", {"FunctionName": "f", "Name": "beta"})
    plane.call("DeleteAlias", {"FunctionName": "f", "Name": "beta"})  # idempotent
    assert [a["Name"] for a in plane.call("ListAliases", {"FunctionName": "f"})["Aliases"]] == ["live"]


def test_alias_qualified_reads(two_versions):
    plane = two_versions
    plane.call("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "2"})
    config = plane.call("GetFunctionConfiguration", {"FunctionName": "f", "Qualifier": "live"})
    assert (config["FunctionArn"], config["Version"]) == (f"{FN_ARN}:f:live", "2")
    got = plane.call("GetFunction", {"FunctionName": f"{FN_ARN}:f:live"})
    assert got["Configuration"]["FunctionArn"] == f"{FN_ARN}:f:live"
    assert aliases.resolve(plane, "f", "live") == "2"
    assert aliases.resolve(plane, "f", None) == "$LATEST"
    assert aliases.resolve(plane, "f", "1") == "1"


def test_alias_errors(two_versions):
    plane = two_versions
    create = lambda **p: plane.call("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "1", **p})
    expect_error(lambda: create(Name="123"), "ValidationException",
                 "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
    expect_error(lambda: create(FunctionVersion="9"), "ResourceNotFoundException", f"Function not found: {FN_ARN}:f:9")
    expect_error(lambda: create(RoutingConfig={"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}),
                 "InvalidParameterValueException", "Number of items in AdditionalVersionWeights cannot be greater than 1")
    expect_error(lambda: create(FunctionVersion="$LATEST", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}}),
                 "InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version")
    expect_error(lambda: create(RoutingConfig={"AdditionalVersionWeights": {"1": 0.1}}),
                 "InvalidParameterValueException",
                 "Invalid function version 1. Function version 1 is already included in routing configuration.")
    expect_error(lambda: create(RoutingConfig={"AdditionalVersionWeights": {"2": 1.5}}), "ValidationException",
                 "1 validation error detected: Value '{2=1.5}' at 'routingConfig.additionalVersionWeights' failed to "
                 "satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal "
                 "to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")
    # recorded AWS (test_notfound_and_invalid_routingconfigs routing_config_exc_toohigh / _version_latest):
    # an integer weight prints as a float; the key constraints end with the pattern
    expect_error(lambda: create(RoutingConfig={"AdditionalVersionWeights": {"2": 2}}), "ValidationException",
                 "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to "
                 "satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal "
                 "to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")
    expect_error(lambda: create(RoutingConfig={"AdditionalVersionWeights": {"$LATEST": 0.5}}), "ValidationException",
                 "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' "
                 "failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than "
                 "or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular "
                 "expression pattern: [0-9]+]")
    create()
    expect_error(create, "ResourceConflictException", f"Alias already exists: {FN_ARN}:f:live")
    expect_error(lambda: plane.call("GetAlias", {"FunctionName": "f", "Name": "nope"}),
                 "ResourceNotFoundException", f"Cannot find alias arn: {FN_ARN}:f:nope")
    # recorded AWS (LocalStack test_lambda_api.snapshot.json test_non_existent_alias_update update_alias_response)
    expect_error(lambda: plane.call("UpdateAlias", {"FunctionName": "f", "Name": "nope", "FunctionVersion": "2"}),
                 "ResourceNotFoundException", f"Alias not found: {FN_ARN}:f:nope")
    expect_error(lambda: plane.call("UpdateAlias", {"FunctionName": "f", "Name": "live", "RevisionId": "x"}),
                 "PreconditionFailedException",
                 "The Revision Id provided does not match the latest Revision Id. "
                 "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
    expect_error(lambda: plane.call("Invoke", {"FunctionName": "f", "Qualifier": "nope"}),
                 "ResourceNotFoundException", f"Function not found: {FN_ARN}:f:nope")
    expect_error(lambda: plane.call("GetFunction", {"FunctionName": "f:nope"}),
                 "ResourceNotFoundException", f"Function not found: {FN_ARN}:f:nope")
    expect_error(lambda: plane.call("DeleteFunction", {"FunctionName": "f", "Qualifier": "1"}),
                 "ResourceConflictException",
                 "Unable to delete version because the following aliases reference it: [live]")
    expect_error(lambda: plane.call("CreateAlias", {"FunctionName": "g", "Name": "a", "FunctionVersion": "1"}),
                 "ResourceNotFoundException", f"Function not found: {FN_ARN}:g")


def test_alias_errors_through_cli(cli, hello_zip):
    cli.create("f", hello_zip, "--publish")
    result = cli("create-alias", "--function-name", "f", "--name", "live", "--function-version", "1",
                 "--routing-config", "AdditionalVersionWeights={1=0.5}", rc=254)
    assert result.stderr == (
        "\nAn error occurred (InvalidParameterValueException) when calling the CreateAlias operation: "
        "Invalid function version 1. Function version 1 is already included in routing configuration.\n"
    )
    missing = cli("get-alias", "--function-name", "f", "--name", "nope", rc=254)
    assert f"(ResourceNotFoundException) when calling the GetAlias operation: Cannot find alias arn: {FN_ARN}:f:nope" in missing.stderr


def test_deleting_an_alias_deletes_its_provisioned_concurrency(plane, make_function):
    # recorded AWS (LocalStack test_lambda_api.snapshot.json test_lambda_provisioned_lifecycle):
    # after delete_alias_result, list_response_postdeletes is {"ProvisionedConcurrencyConfigs": []}
    make_function("f", returning("x"), Publish=True)
    plane.call("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "1"})
    plane.call("PutProvisionedConcurrencyConfig", {"FunctionName": "f", "Qualifier": "live",
                                                   "ProvisionedConcurrentExecutions": 1})  # fmt: skip
    plane.call("DeleteAlias", {"FunctionName": "f", "Name": "live"})
    plane.call("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "1"})
    assert plane.call("ListProvisionedConcurrencyConfigs", {"FunctionName": "f"})["ProvisionedConcurrencyConfigs"] == []
