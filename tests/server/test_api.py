"""The HTTP API through boto3: statuses, shapes and errors as Lambda sends them."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from .conftest import ROLE, create, zip_bytes


def status(response: dict) -> int:
    return response["ResponseMetadata"]["HTTPStatusCode"]


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_function_lifecycle(client) -> None:
    created = create(client, "life", Environment={"Variables": {"AB": "1"}})
    assert status(created) == 201
    assert created["State"] == "Pending" and created["Version"] == "$LATEST"
    assert created["CodeSize"] == len(zip_bytes())

    got = client.get_function(FunctionName="life")
    assert status(got) == 200
    assert got["Configuration"]["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:life"
    assert got["Code"]["RepositoryType"] == "S3"
    config = client.get_function_configuration(FunctionName="life")
    assert config["Environment"] == {"Variables": {"AB": "1"}} and config["Timeout"] == 3

    updated = client.update_function_configuration(FunctionName="life", Timeout=30, RevisionId=config["RevisionId"])
    assert updated["Timeout"] == 30 and updated["RevisionId"] != config["RevisionId"]
    code = client.update_function_code(FunctionName="life", ZipFile=zip_bytes(source="def handler(e, c):\n    return 1\n"))
    assert code["CodeSha256"] != created["CodeSha256"]

    deleted = client.delete_function(FunctionName="life")
    assert status(deleted) == 204
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.get_function(FunctionName="life")
    assert error_of(excinfo) == ("ResourceNotFoundException", 404)
    assert excinfo.value.response["Error"]["Message"].startswith("Function not found: arn:aws:lambda:")


def test_list_functions_paginates(client) -> None:
    names = {f"page-{i:02d}" for i in range(53)}
    for name in sorted(names):
        create(client, name)
    pages = list(client.get_paginator("list_functions").paginate())
    assert len(pages) >= 2 and all(len(page["Functions"]) <= 50 for page in pages)
    listed = [fn["FunctionName"] for page in pages for fn in page["Functions"]]
    assert names <= set(listed) and len(listed) == len(set(listed))
    first = client.list_functions(MaxItems=5)
    assert len(first["Functions"]) == 5 and first["NextMarker"]


def test_tags(client) -> None:
    arn = create(client, "tagged")["FunctionArn"]
    assert status(client.tag_resource(Resource=arn, Tags={"team": "x", "env": "dev"})) == 204
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "x", "env": "dev"}
    assert status(client.untag_resource(Resource=arn, TagKeys=["env", "absent"])) == 204
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "x"}
    assert client.get_function(FunctionName="tagged")["Tags"] == {"team": "x"}


def test_account_settings(client) -> None:
    settings = client.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountUsage"]["FunctionCount"] >= 0


def test_errors_parse_into_the_right_exceptions(client) -> None:
    create(client, "errs")
    with pytest.raises(client.exceptions.ResourceConflictException) as excinfo:
        create(client, "errs")
    assert error_of(excinfo) == ("ResourceConflictException", 409)
    assert excinfo.value.response["Error"]["Message"] == "Function already exist: errs"

    with pytest.raises(client.exceptions.InvalidParameterValueException) as excinfo:
        client.create_function(FunctionName="bad-rt", Runtime="python9.9", Role=ROLE, Handler="app.handler",
                               Code={"ZipFile": zip_bytes()})
    assert error_of(excinfo) == ("InvalidParameterValueException", 400)

    with pytest.raises(ClientError) as excinfo:
        client.create_function(FunctionName="bad-role", Runtime="python3.12", Role="r1", Handler="app.handler",
                               Code={"ZipFile": zip_bytes()})
    assert error_of(excinfo) == ("ValidationException", 400)

    with pytest.raises(client.exceptions.PreconditionFailedException) as excinfo:
        client.update_function_configuration(FunctionName="errs", Timeout=5, RevisionId="stale")
    assert error_of(excinfo) == ("PreconditionFailedException", 412)


def test_invoke(client) -> None:
    create(client, "echo")
    response = client.invoke(FunctionName="echo", Payload=json.dumps({"a": 1}), LogType="Tail")
    assert response["StatusCode"] == 200 and response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read())["echo"] == {"a": 1}
    assert "hello from echo" in base64.b64decode(response["LogResult"]).decode()

    failed = client.invoke(FunctionName="echo", Payload=b'{"fail": true}')
    assert failed["StatusCode"] == 200 and failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "ValueError"

    assert client.invoke(FunctionName="echo", InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(client.exceptions.InvalidRequestContentException) as excinfo:
        client.invoke(FunctionName="echo", Payload=b"not json")
    assert error_of(excinfo) == ("InvalidRequestContentException", 400)


def test_unknown_route_is_a_404(server) -> None:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", "/2015-03-31/nothing-here")
    response = conn.getresponse()
    body = json.loads(response.read())
    assert response.status == 404
    assert response.getheader("x-amzn-ErrorType") == "UnknownOperationException"
    assert body["Type"] == "User" and "Unknown operation" in body["message"]


def test_invokes_run_in_parallel(client) -> None:
    import threading
    import time

    client.create_function(FunctionName="sleepy", Runtime="python3.12", Role=ROLE, Handler="app.handler", Timeout=10,
                           Code={"ZipFile": zip_bytes("import time\ndef handler(e, c):\n    time.sleep(1)\n    return 1\n")})
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(client.invoke(FunctionName="sleepy")["StatusCode"]))
               for _ in range(2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200, 200]
    assert time.monotonic() - started < 1.9  # serial would take over 2 s
