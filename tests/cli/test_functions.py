"""Function commands through the installed entry point: response shapes, defaults, tags, account, waiters."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

LAST_MODIFIED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
STATE_FIELDS = {"State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
                "LastUpdateStatusReasonCode"}  # fmt: skip
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def sha_b64(path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def test_create_function_defaults(cli, hello_zip):
    out = cli.create("hello", hello_zip).json
    assert list(out)[:4] == ["FunctionName", "FunctionArn", "Runtime", "Role"]
    assert out["FunctionName"] == "hello"
    assert out["FunctionArn"] == ARN + "hello"
    assert out["Runtime"] == "python3.12" and out["Handler"] == "app.handler"
    assert out["Role"] == "arn:aws:iam::123456789012:role/lambdactl-placeholder-role"
    assert out["Timeout"] == 3
    assert out["MemorySize"] == 128
    assert out["EphemeralStorage"] == {"Size": 512}
    assert out["Architectures"] == ["x86_64"]
    assert out["PackageType"] == "Zip"
    assert out["Version"] == "$LATEST"
    assert out["Description"] == ""
    assert out["TracingConfig"] == {"Mode": "PassThrough"}
    assert out["CodeSha256"] == sha_b64(hello_zip) and len(out["CodeSha256"]) == 44
    assert out["CodeSize"] == hello_zip.stat().st_size
    assert LAST_MODIFIED.fullmatch(out["LastModified"])
    assert UUID4.fullmatch(out["RevisionId"])
    assert out["State"] == "Pending"
    assert out["StateReason"] == "The function is being created."
    assert out["StateReasonCode"] == "Creating"
    assert "LastUpdateStatus" not in out
    assert out["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/hello"}
    assert out["LambdactlBackend"] == "subprocess"
    assert "Environment" not in out and "Layers" not in out


def test_create_with_explicit_config(cli, hello_zip):
    out = cli.create(
        "full", hello_zip, "--role", "arn:aws:iam::123456789012:role/my-role", "--timeout", "900",
        "--memory-size", "10240", "--description", "d", "--environment", "Variables={AA=1,BB=two}",
        "--architectures", "arm64", "--ephemeral-storage", "Size=1024", "--tags", "team=x",
    ).json
    assert out["Role"] == "arn:aws:iam::123456789012:role/my-role"
    assert (out["Timeout"], out["MemorySize"], out["Description"]) == (900, 10240, "d")
    assert out["Environment"] == {"Variables": {"AA": "1", "BB": "two"}}
    assert out["Architectures"] == ["arm64"]
    assert out["EphemeralStorage"] == {"Size": 1024}


def test_region_and_account_from_flags_and_env(cli, hello_zip):
    out = cli.create("r1", hello_zip, "--region", "eu-west-2", env={"LAMBDACTL_ACCOUNT_ID": "111122223333"}).json
    assert out["FunctionArn"] == "arn:aws:lambda:eu-west-2:111122223333:function:r1"
    assert out["Role"] == "arn:aws:iam::111122223333:role/lambdactl-placeholder-role"
    # Regions are apart, as on AWS: r1 lives in eu-west-2 only, whichever way the region is given.
    got = cli("get-function-configuration", "--function-name", "r1", env={"AWS_REGION": "eu-west-2"}).json
    assert got["FunctionArn"] == "arn:aws:lambda:eu-west-2:123456789012:function:r1"
    missing = cli("get-function-configuration", "--function-name", "r1", env={"AWS_REGION": "ap-south-1"}, rc=254)
    assert "Function not found: arn:aws:lambda:ap-south-1:123456789012:function:r1" in missing.stderr



@pytest.mark.parametrize("fast", ["1", "0"], ids=["fast-invoke", "click"])
def test_region_from_the_aws_config_file_after_flag_and_env(cli, hello_zip, tmp_path, fast):
    """As the aws CLI: --region, else AWS_REGION / AWS_DEFAULT_REGION, else the profile's ``region``."""
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = eu-west-1\n\n[profile other]\nregion = ap-south-1\n")
    cli.env.update(AWS_CONFIG_FILE=str(config), LAMBDACTL_FAST_INVOKE=fast)
    assert cli.create("c", hello_zip).json["FunctionArn"] == "arn:aws:lambda:eu-west-1:123456789012:function:c"
    for _ in range(2):  # the second goes to the region's warm worker (the fast path, when on)
        cli("invoke", "--function-name", "c", "out.json")
        assert (cli.cwd / "out.json").read_text() == '{"hello": "world"}'
    assert cli("list-functions", "--region", "us-east-1").json["Functions"] == []
    assert cli("list-functions", env={"AWS_REGION": "us-east-1"}).json["Functions"] == []
    assert cli("list-functions", env={"AWS_PROFILE": "other"}).json["Functions"] == []


def test_get_function_and_configuration(cli, hello_zip):
    created = cli.create("g", hello_zip).json
    got = cli("get-function", "--function-name", "g").json
    assert list(got) == ["Configuration", "Code"]  # no Tags when untagged, no Concurrency when unreserved
    config = got["Configuration"]
    assert config["State"] == "Active" and config["LastUpdateStatus"] == "Successful"
    assert not {"StateReason", "StateReasonCode"} & set(config)
    assert config["RevisionId"] == created["RevisionId"]
    assert config["CodeSha256"] == created["CodeSha256"]
    assert got["Code"]["RepositoryType"] == "S3"
    assert got["Code"]["Location"].startswith("file://")
    same = cli("get-function-configuration", "--function-name", ARN + "g").json
    assert same == config
    partial = cli("get-function-configuration", "--function-name", "123456789012:function:g").json
    assert partial["FunctionName"] == "g"
    qualified = cli("get-function-configuration", "--function-name", "g", "--qualifier", "$LATEST").json
    assert qualified["FunctionArn"] == ARN + "g:$LATEST"


def test_list_functions_omits_state_fields(cli, hello_zip):
    for name in ("b", "a", "c"):
        cli.create(name, hello_zip)
    out = cli("list-functions").json
    assert list(out) == ["Functions"]
    assert [f["FunctionName"] for f in out["Functions"]] == ["a", "b", "c"]
    for item in out["Functions"]:
        assert not STATE_FIELDS & set(item)
        assert "RuntimeVersionConfig" not in item
        assert item["FunctionArn"] == ARN + item["FunctionName"]
        assert item["LambdactlBackend"] == "subprocess"


def test_update_function_code(cli, hello_zip, make_zip):
    created = cli.create("u", hello_zip).json
    new_zip = make_zip({"app.py": "def handler(e, c):\n    return 2\n"})
    updated = cli("update-function-code", "--function-name", "u", "--zip-file", f"fileb://{new_zip}").json
    assert updated["CodeSha256"] == sha_b64(new_zip) != created["CodeSha256"]
    assert updated["CodeSize"] == new_zip.stat().st_size
    assert updated["State"] == "Active"
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["LastUpdateStatusReasonCode"] == "Creating"
    assert updated["RevisionId"] != created["RevisionId"]
    assert LAST_MODIFIED.fullmatch(updated["LastModified"])
    got = cli("get-function-configuration", "--function-name", "u").json
    assert got["LastUpdateStatus"] == "Successful"
    assert got["CodeSha256"] == updated["CodeSha256"] and got["RevisionId"] == updated["RevisionId"]


def test_update_function_configuration(cli, hello_zip):
    created = cli.create("c", hello_zip, "--environment", "Variables={AA=1}").json
    updated = cli("update-function-configuration", "--function-name", "c", "--timeout", "30",
                  "--memory-size", "256", "--environment", '{"Variables": {"BB": "2"}}').json  # fmt: skip
    assert (updated["Timeout"], updated["MemorySize"]) == (30, 256)
    assert updated["Environment"] == {"Variables": {"BB": "2"}}  # replaced wholesale
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["RevisionId"] != created["RevisionId"]
    assert updated["CodeSha256"] == created["CodeSha256"]
    again = cli("update-function-configuration", "--function-name", "c", "--description", "x").json
    assert again["RevisionId"] not in (created["RevisionId"], updated["RevisionId"])
    assert again["Timeout"] == 30
    got = cli("get-function-configuration", "--function-name", "c").json
    assert got["LastUpdateStatus"] == "Successful" and got["Description"] == "x"


def test_stale_revision_id_is_refused(cli, hello_zip):
    created = cli.create("rev", hello_zip).json
    cli("update-function-configuration", "--function-name", "rev", "--timeout", "5")
    result = cli("update-function-configuration", "--function-name", "rev", "--timeout", "6",
                 "--revision-id", created["RevisionId"], rc=254)  # fmt: skip
    assert result.stderr == (
        "\nAn error occurred (PreconditionFailedException) when calling the UpdateFunctionConfiguration operation: "
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id\n"
    )


def test_delete_function(cli, hello_zip):
    cli.create("d", hello_zip)
    result = cli("delete-function", "--function-name", "d")
    assert result.json == {"StatusCode": 204}  # botocore's DeleteFunctionResponse carries the HTTP status
    missing = cli("get-function", "--function-name", "d", rc=254)
    assert missing.stderr.strip() == (
        "An error occurred (ResourceNotFoundException) when calling the GetFunction operation: "
        f"Function not found: {ARN}d"
    )
    again = cli("delete-function", "--function-name", "d", rc=254)
    assert "when calling the DeleteFunction operation: Function not found: " + ARN + "d" in again.stderr
    assert cli("list-functions").json == {"Functions": []}


def test_backend_extension(cli, hello_zip):
    assert cli.create("dk", hello_zip, "--backend", "docker").json["LambdactlBackend"] == "docker"
    out = cli("update-function-configuration", "--function-name", "dk", "--backend", "subprocess").json
    assert out["LambdactlBackend"] == "subprocess"
    bad = cli("update-function-configuration", "--function-name", "dk", "--backend", "vm", rc=254)
    assert "Value 'vm' at 'backend' failed to satisfy constraint: Member must satisfy enum value set: " \
           "[subprocess, docker]" in bad.stderr


def test_image_function_is_stored(cli):
    out = cli("create-function", "--function-name", "img", "--package-type", "Image",
              "--code", "ImageUri=example.invalid/lambdactl/absent:3.12").json  # fmt: skip
    assert out["PackageType"] == "Image"
    assert out["LambdactlBackend"] == "docker"
    assert out["CodeSize"] == 0
    assert "Runtime" not in out and "Handler" not in out
    got = cli("get-function", "--function-name", "img").json
    # an image the local engine doesn't have (nothing is pulled at create) stays unresolved: its URI
    assert got["Code"] == {"RepositoryType": "ECR", "ImageUri": "example.invalid/lambdactl/absent:3.12",
                           "ResolvedImageUri": "example.invalid/lambdactl/absent:3.12"}  # fmt: skip
    bad = cli("update-function-code", "--function-name", "img", "--zip-file", "fileb:///dev/null", rc=252)
    assert "--zip-file must be a zip file with the fileb:// prefix." in bad.stderr
    cli("update-function-code", "--function-name", "img", "--image-uri", "repo/other:1")
    assert cli("get-function", "--function-name", "img").json["Code"]["ImageUri"] == "repo/other:1"


def test_tags(cli, hello_zip):
    cli.create("t", hello_zip, "--tags", "a=1")
    arn = ARN + "t"
    assert cli("tag-resource", "--resource", arn, "--tags", "b=2,c=3").stdout == ""
    assert cli("list-tags", "--resource", arn).json == {"Tags": {"a": "1", "b": "2", "c": "3"}}
    assert cli("untag-resource", "--resource", arn, "--tag-keys", "a", "c").stdout == ""
    assert cli("list-tags", "--resource", arn).json == {"Tags": {"b": "2"}}
    assert cli("get-function", "--function-name", "t").json["Tags"] == {"b": "2"}
    missing = cli("list-tags", "--resource", ARN + "nope", rc=254)
    assert missing.stderr.strip() == (
        "An error occurred (ResourceNotFoundException) when calling the ListTags operation: "
        f"Function not found: {ARN}nope"
    )


def test_get_account_settings(cli, hello_zip):
    empty = cli("get-account-settings").json
    assert empty["AccountLimit"] == {
        "TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
        "ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 1000,
    }  # fmt: skip
    assert empty["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}
    cli.create("acct", hello_zip)
    out = cli("get-account-settings", env={"LAMBDACTL_CONCURRENCY_LIMIT": "50"}).json
    assert out["AccountLimit"]["ConcurrentExecutions"] == 50
    assert out["AccountUsage"] == {"TotalCodeSize": hello_zip.stat().st_size, "FunctionCount": 1}


@pytest.mark.parametrize("waiter", ["function-active", "function-active-v2", "function-updated",
                                    "function-updated-v2", "function-exists"])  # fmt: skip
def test_waiters_succeed(cli, hello_zip, waiter):
    cli.create("w", hello_zip)
    result = cli("wait", waiter, "--function-name", "w", timeout=30)
    assert result.stdout == "" and result.stderr == ""


def test_waiter_failure_exits_255(cli):
    result = cli("wait", "function-active", "--function-name", "missing", rc=255, timeout=30)
    assert result.stderr.startswith("Waiter FunctionActive failed: ")
    assert "ResourceNotFoundException" in result.stderr


@pytest.mark.parametrize("form", ["arn:aws:lambda:us-east-1:999999999999:function:mine", "999999999999:function:mine",
                                  "arn:aws:lambda:us-east-1:999999999999:function:mine:live"])
def test_another_accounts_arn_never_reaches_our_function(cli, hello_zip, form):
    """IAM refuses another account's function before Lambda looks (recorded: LocalStack test_function_arns
    function_arn_other_account_exc, AccessDeniedException 403), whatever the operation: nothing of ours changes."""
    cli.create("mine", hello_zip)
    cli("create-alias", "--function-name", "mine", "--name", "live", "--function-version", "$LATEST")
    resource = "arn:aws:lambda:us-east-1:999999999999:function:mine" + (":live" if form.endswith(":live") else "")
    for command, action in [("delete-function", "DeleteFunction"), ("get-function", "GetFunction"),
                            ("invoke", "Invoke"), ("update-function-configuration", "UpdateFunctionConfiguration")]:
        extra = {"invoke": ["/dev/null"], "update-function-configuration": ["--timeout", "9"]}.get(command, [])
        refused = cli(command, "--function-name", form, *extra, rc=254)
        assert refused.stderr.strip() == (
            f"An error occurred (AccessDeniedException) when calling the {action} operation: User: "
            f"arn:aws:iam::123456789012:root is not authorized to perform: lambda:{action} on resource: {resource} "
            f"because no resource-based policy allows the lambda:{action} action"
        )
    refused = cli("add-permission", "--function-name", form, "--statement-id", "s", "--action", "lambda:InvokeFunction",
                  "--principal", "s3.amazonaws.com", rc=254)
    assert "(AccessDeniedException)" in refused.stderr
    assert cli("get-function-configuration", "--function-name", "mine").json["Timeout"] == 3
    cli("get-policy", "--function-name", "mine", rc=254)  # no policy was written
    # our own account's ARN still reaches it
    assert cli("get-function", "--function-name", ARN + "mine").json["Configuration"]["FunctionName"] == "mine"
