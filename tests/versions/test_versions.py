"""Published versions: immutability, numbering, preconditions, listing and qualified ARNs."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time

import pytest

from lambdactl import errors

from .conftest import FN_ARN, expect_error, payload, returning


def test_version_runs_its_frozen_code_after_latest_changes(cli, make_zip):
    v1 = make_zip({"app.py": "def handler(e, c):\n    return 'one'\n"})
    v2 = make_zip({"app.py": "def handler(e, c):\n    return 'two'\n"})
    created = cli.create("f", v1, "--publish").json
    assert created["Version"] == "1"
    assert created["FunctionArn"] == f"{FN_ARN}:f"  # unqualified even with --publish
    cli("update-function-code", "--function-name", "f", "--zip-file", f"fileb://{v2}")
    cli("update-function-configuration", "--function-name", "f", "--timeout", "9")

    out = cli.cwd / "out.json"
    result = cli("invoke", "--function-name", "f", "--qualifier", "1", str(out)).json
    assert result["ExecutedVersion"] == "1"
    assert json.loads(out.read_text()) == "one"
    result = cli("invoke", "--function-name", "f", str(out)).json
    assert result["ExecutedVersion"] == "$LATEST"
    assert json.loads(out.read_text()) == "two"
    frozen = cli("get-function-configuration", "--function-name", "f", "--qualifier", "1").json
    assert frozen["Timeout"] == 3 and frozen["Version"] == "1"
    assert frozen["FunctionArn"] == f"{FN_ARN}:f:1"


def test_version_code_survives_function_code_gc(plane, make_function, monkeypatch):
    """delete-function --qualifier collects unreferenced zips; versions still referenced keep theirs."""
    make_function("f", returning("one"), Publish=True)
    plane.call("UpdateFunctionCode", {"FunctionName": "f", "ZipFile": returning("two"), "Publish": True})
    plane.call("UpdateFunctionCode", {"FunctionName": "f", "ZipFile": returning("three")})
    old = time.time() - 3600
    for path in plane.code.zips.glob("*/*.zip"):
        os.utime(path, (old, old))  # past the GC grace period
    plane.call("DeleteFunction", {"FunctionName": "f", "Qualifier": "2"})
    assert payload(plane.call("Invoke", {"FunctionName": "f", "Qualifier": "1"})) == "one"
    assert payload(plane.call("Invoke", {"FunctionName": "f"})) == "three"
    assert len(list(plane.code.zips.glob("*/*.zip"))) == 2  # version 2's zip is gone


def test_publish_numbers_are_never_reused_and_unchanged_latest_returns_last(plane, make_function):
    make_function("f", returning("a"))
    first = plane.call("PublishVersion", {"FunctionName": "f", "Description": "first"})
    # Active and Successful at once, as recorded from AWS (LocalStack's test_lambda_api.snapshot.json,
    # test_version_lifecycle first_publish_response)
    assert (first["Version"], first["FunctionArn"], first["State"], first["LastUpdateStatus"]) == (
        "1", f"{FN_ARN}:f:1", "Active", "Successful")
    assert first["Description"] == "first"
    again = plane.call("PublishVersion", {"FunctionName": "f"})
    assert again["Version"] == "1" and again["RevisionId"] == first["RevisionId"]
    plane.call("UpdateFunctionCode", {"FunctionName": "f", "ZipFile": returning("b")})
    assert plane.call("PublishVersion", {"FunctionName": "f"})["Version"] == "2"
    plane.call("DeleteFunction", {"FunctionName": "f", "Qualifier": "2"})
    plane.call("UpdateFunctionConfiguration", {"FunctionName": "f", "MemorySize": 256})
    assert plane.call("PublishVersion", {"FunctionName": "f"})["Version"] == "3"


def test_publish_preconditions(plane, make_function):
    code = returning("a")
    latest = make_function("f", code)
    sha = base64.b64encode(hashlib.sha256(code).digest()).decode()
    expect_error(
        lambda: plane.call("PublishVersion", {"FunctionName": "f", "CodeSha256": "wrong"}),
        "InvalidParameterValueException",
        f"CodeSHA256 (wrong) is different from current CodeSHA256 in $LATEST ({sha}). "
        "Please try again with the CodeSHA256 in $LATEST.",
    )
    failed = expect_error(
        lambda: plane.call("PublishVersion", {"FunctionName": "f", "RevisionId": "nope"}),
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    )
    assert failed.status == 412
    ok = plane.call("PublishVersion", {"FunctionName": "f", "CodeSha256": sha, "RevisionId": latest["RevisionId"]})
    assert ok["Version"] == "1"


def test_list_versions_order_arns_and_pagination(plane, make_function):
    make_function("f", returning("0"))
    for index in range(1, 4):
        plane.call("UpdateFunctionCode", {"FunctionName": "f", "ZipFile": returning(str(index)), "Publish": True})
    listed = plane.call("ListVersionsByFunction", {"FunctionName": "f"})["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", "1", "2", "3"]
    assert [v["FunctionArn"] for v in listed] == [f"{FN_ARN}:f:$LATEST", f"{FN_ARN}:f:1", f"{FN_ARN}:f:2", f"{FN_ARN}:f:3"]
    assert "State" not in listed[0]
    page = plane.call("ListVersionsByFunction", {"FunctionName": "f", "MaxItems": 3})
    assert [v["Version"] for v in page["Versions"]] == ["$LATEST", "1", "2"]
    rest = plane.call("ListVersionsByFunction", {"FunctionName": "f", "MaxItems": 3, "Marker": page["NextMarker"]})
    assert [v["Version"] for v in rest["Versions"]] == ["3"] and "NextMarker" not in rest


def test_list_versions_cli_paginates(cli, hello_zip):
    cli.create("f", hello_zip, "--publish")
    cli("update-function-configuration", "--function-name", "f", "--timeout", "5")
    cli("publish-version", "--function-name", "f")
    listed = cli("list-versions-by-function", "--function-name", "f", "--page-size", "1").json
    assert [v["Version"] for v in listed["Versions"]] == ["$LATEST", "1", "2"]


def test_list_functions_all_versions(plane, make_function):
    make_function("f", returning("a"), Publish=True)
    make_function("g", returning("b"))
    only_latest = plane.call("ListFunctions", {})["Functions"]
    assert [f["FunctionArn"] for f in only_latest] == [f"{FN_ARN}:f", f"{FN_ARN}:g"]
    everything = plane.call("ListFunctions", {"FunctionVersion": "ALL"})["Functions"]
    # recorded AWS (LocalStack test_lambda_api.snapshot.json test_list_functions list_all): $LATEST qualified too
    assert [f["FunctionArn"] for f in everything] == [f"{FN_ARN}:f:$LATEST", f"{FN_ARN}:f:1", f"{FN_ARN}:g:$LATEST"]
    with pytest.raises(errors.ValidationException, match=r"at 'functionVersion' failed to satisfy constraint: "
                       r"Member must satisfy enum value set: \[ALL\]"):
        plane.call("ListFunctions", {"FunctionVersion": "1"})


def test_qualified_get_function_and_errors(cli, hello_zip):
    cli.create("f", hello_zip, "--publish")
    got = cli("get-function", "--function-name", f"{FN_ARN}:f:1").json
    assert got["Configuration"]["FunctionArn"] == f"{FN_ARN}:f:1"
    assert got["Code"]["RepositoryType"] == "S3"
    missing = cli("get-function", "--function-name", "f", "--qualifier", "7", rc=254)
    assert f"Function not found: {FN_ARN}:f:7" in missing.stderr
    mismatch = cli("get-function", "--function-name", "f:1", "--qualifier", "2", rc=254)
    assert "The derived qualifier from the function name does not match the specified qualifier." in mismatch.stderr


def test_delete_version_and_latest(cli, hello_zip):
    cli.create("f", hello_zip, "--publish")
    latest = cli("delete-function", "--function-name", "f", "--qualifier", "$LATEST", rc=254)
    assert latest.stderr.strip() == (
        "An error occurred (InvalidParameterValueException) when calling the DeleteFunction operation: "
        "$LATEST version cannot be deleted without deleting the function."
    )
    cli("delete-function", "--function-name", "f", "--qualifier", "1")
    gone = cli("get-function-configuration", "--function-name", "f:1", rc=254)
    assert f"Function not found: {FN_ARN}:f:1" in gone.stderr
    cli("get-function", "--function-name", "f")  # $LATEST stays


def test_delete_function_removes_versions_and_aliases(plane, make_function):
    make_function("f", returning("a"), Publish=True)
    plane.call("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "1"})
    plane.call("DeleteFunction", {"FunctionName": "f"})
    make_function("f", returning("b"))
    assert plane.call("ListAliases", {"FunctionName": "f"})["Aliases"] == []
    assert [v["Version"] for v in plane.call("ListVersionsByFunction", {"FunctionName": "f"})["Versions"]] == ["$LATEST"]


def test_update_function_code_with_publish_returns_the_new_version(plane, make_function):
    """The new version's configuration, being created (recorded from AWS: LocalStack's
    test_lambda_api.snapshot.json, test_publish_with_update update_function_code_result)."""
    make_function("f", returning("a"))
    result = plane.call("UpdateFunctionCode", {"FunctionName": "f", "ZipFile": returning("b"), "Publish": True})
    assert (result["Version"], result["FunctionArn"]) == ("1", f"{FN_ARN}:f:1")
    assert (result["State"], result["StateReason"], result["StateReasonCode"]) == (
        "Pending", "The function is being created.", "Creating")
    assert "LastUpdateStatus" not in result
    assert plane.call("GetFunctionConfiguration", {"FunctionName": "f", "Qualifier": "1"})["RevisionId"] == result["RevisionId"]
