"""Function URLs: the config API, and round-trips through `serve` with http.client."""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from .conftest import create

ECHO = '''
import base64, json

def handler(event, context):
    path = event["rawPath"]
    if path == "/plain":
        return {"plain": True}
    if path == "/string":
        return "hello"
    if path == "/list":
        return ["hello", 3, True]
    if path == "/fail":
        raise RuntimeError("boom")
    if path == "/redirect":  # a Location taken from the query, as careless code does
        return {"statusCode": 302, "headers": {"Location": event["queryStringParameters"]["to"]}}
    if path == "/header":
        return {"statusCode": 200, **json.loads(event["body"])}
    if path == "/binary":
        return {"statusCode": 200, "headers": {"content-type": "image/png"}, "isBase64Encoded": True,
                "body": base64.b64encode(b"\\x89PNG\\x00\\xff").decode()}
    return {"statusCode": 201, "headers": {"x-echo": "yes", "access-control-allow-origin": "https://evil.example"},
            "cookies": ["k=v; Max-Age=60", "k2=v2"], "body": json.dumps(event)}
'''
CORS = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-custom"],
        "ExposeHeaders": ["x-echo"], "MaxAge": 300, "AllowCredentials": True}  # fmt: skip


@pytest.fixture(scope="module")
def urls(client: Any) -> dict[str, str]:
    create(client, "web", ECHO)
    public = client.create_function_url_config(FunctionName="web", AuthType="NONE", Cors=CORS)
    client.publish_version(FunctionName="web")
    client.create_alias(FunctionName="web", Name="private", FunctionVersion="1")
    private = client.create_function_url_config(FunctionName="web", Qualifier="private", AuthType="AWS_IAM")
    return {"public": public["FunctionUrl"], "private": private["FunctionUrl"]}


def request(url: str, method: str = "GET", path: str = "", body: bytes | None = None,
            headers: list[tuple[str, str]] = ()) -> tuple[int, http.client.HTTPResponse, bytes]:  # fmt: skip
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    connection.putrequest(method, parts.path + path, skip_accept_encoding=True,
                          skip_host=any(name.lower() == "host" for name, _ in headers))
    for name, value in headers:
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body or b"")))
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response, data


def test_config_shapes(client: Any, urls: dict[str, str], server: Any) -> None:
    got = client.get_function_url_config(FunctionName="web")
    assert got["FunctionUrl"] == urls["public"] and got["FunctionUrl"].startswith(server.url + "/lambda-url/")
    assert len(got["FunctionUrl"].rstrip("/").rsplit("/", 1)[1]) == 32
    assert (got["AuthType"], got["InvokeMode"], got["Cors"]) == ("NONE", "BUFFERED", CORS)
    assert got["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:web"
    updated = client.update_function_url_config(FunctionName="web", Qualifier="private", InvokeMode="RESPONSE_STREAM")
    assert updated["FunctionArn"].endswith(":web:private") and updated["InvokeMode"] == "RESPONSE_STREAM"
    assert updated["LastModifiedTime"] >= updated["CreationTime"]
    # back to BUFFERED: the tests below read the mapped (format 2.0) response, which a RESPONSE_STREAM URL
    # of this buffered function does not give (recorded: test_lambda_url_echo_invoke[RESPONSE_STREAM])
    client.update_function_url_config(FunctionName="web", Qualifier="private", InvokeMode="BUFFERED")
    listed = client.list_function_url_configs(FunctionName="web", MaxItems=1)
    assert len(listed["FunctionUrlConfigs"]) == 1 and listed["NextMarker"]
    rest = client.list_function_url_configs(FunctionName="web", Marker=listed["NextMarker"])["FunctionUrlConfigs"]
    assert {c["FunctionUrl"] for c in listed["FunctionUrlConfigs"] + rest} == set(urls.values())


def test_invoke_mode_only_where_aws_returns_it(client: Any) -> None:
    # recorded AWS (LocalStack test_lambda_api.snapshot.json test_url_config_lifecycle): url_creation and
    # updated_url_config carry no InvokeMode when the request set none; get_url_config shows BUFFERED
    create(client, "modes", ECHO)
    created = client.create_function_url_config(FunctionName="modes", AuthType="NONE")
    assert "InvokeMode" not in created
    updated = client.update_function_url_config(FunctionName="modes", AuthType="AWS_IAM")
    assert "InvokeMode" not in updated
    assert client.get_function_url_config(FunctionName="modes")["InvokeMode"] == "BUFFERED"
    client.delete_function(FunctionName="modes")


def _error(call: Any, **params: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_config_errors(client: Any, urls: dict[str, str]) -> None:
    assert _error(client.create_function_url_config, FunctionName="web", AuthType="NONE") == (
        409, "ResourceConflictException",
        ("Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:123456789012:function:web]."
         " Error message:  FunctionUrlConfig exists for this Lambda function"),
    )  # fmt: skip
    assert _error(client.create_function_url_config, FunctionName="nope", AuthType="NONE") == (
        404, "ResourceNotFoundException", "Function does not exist"
    )
    assert _error(client.get_function_url_config, FunctionName="web", Qualifier="other")[:2] == (
        404, "ResourceNotFoundException"
    )
    assert _error(client.get_function_url_config, FunctionName="web", Qualifier="1")[1] == "ValidationException"
    assert _error(client.create_function_url_config, FunctionName="web", Qualifier="nope", AuthType="BAD")[2] == (
        "1 validation error detected: Value 'BAD' at 'authType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [AWS_IAM, NONE]"
    )
    create(client, "web-gone", ECHO)
    client.create_function_url_config(FunctionName="web-gone", AuthType="NONE")
    assert client.delete_function_url_config(FunctionName="web-gone")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert _error(client.delete_function_url_config, FunctionName="web-gone")[2] == (
        "The resource you requested does not exist."
    )


def test_get_with_query_and_cookies(urls: dict[str, str]) -> None:
    status, response, data = request(
        urls["public"], path="a/b?x=1&x=2&y=", headers=[("Cookie", "c1=v1; c2=v2"), ("X-Multi", "1"), ("X-Multi", "2")]
    )
    assert status == 201
    assert response.getheader("x-echo") == "yes"
    assert response.headers.get_all("Set-Cookie") == ["k=v; Max-Age=60", "k2=v2"]
    event = json.loads(data)
    assert (event["version"], event["routeKey"], event["rawPath"], event["rawQueryString"]) == (
        "2.0", "$default", "/a/b", "x=1&x=2&y="
    )
    assert event["cookies"] == ["c1=v1", "c2=v2"] and "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "1,2"
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    context = event["requestContext"]
    url_id = urls["public"].rstrip("/").rsplit("/", 1)[1]
    assert (context["apiId"], context["domainPrefix"], context["stage"], context["accountId"]) == (
        url_id, url_id, "$default", "anonymous"
    )
    assert context["http"] == {"method": "GET", "path": "/a/b", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                               "userAgent": ""}  # fmt: skip
    assert "body" not in event and event["isBase64Encoded"] is False
    assert event["pathParameters"] is None and event["stageVariables"] is None


def test_post_json_and_binary(urls: dict[str, str]) -> None:
    status, _, data = request(urls["public"], "POST", "j", b'{"a": 1}', [("Content-Type", "application/json")])
    event = json.loads(data)
    assert (status, event["body"], event["isBase64Encoded"]) == (201, '{"a": 1}', False)
    raw = bytes(range(256))
    _, _, data = request(urls["public"], "POST", "bin", raw, [("Content-Type", "application/octet-stream")])
    event = json.loads(data)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw


def test_response_mapping(urls: dict[str, str]) -> None:
    status, response, data = request(urls["public"], path="plain")
    # compact as Lambda re-serialises (recorded: test_lambda.snapshot.json test_lambda_url_invocation[dict],
    # [list-mixed] '["hello",3,true]', [string] 'hello')
    assert (status, response.getheader("Content-Type"), data) == (200, "application/json", b'{"plain":true}')
    assert request(urls["public"], path="list")[2] == b'["hello",3,true]'
    assert request(urls["public"], path="string")[2] == b"hello"
    status, response, data = request(urls["public"], path="binary")
    assert (status, response.getheader("Content-Type"), data) == (200, "image/png", b"\x89PNG\x00\xff")
    status, _, data = request(urls["public"], path="fail")
    assert (status, data) == (502, b"Internal Server Error")


def test_header_injection_is_a_bad_gateway(urls: dict[str, str]) -> None:
    """CR/LF from a request never becomes a response header of ours: 502, as Lambda answers a malformed response."""
    status, response, _ = request(urls["public"], path="redirect?to=/next%0D%0ASet-Cookie:%20session=evil")
    assert status == 502 and response.getheader("Set-Cookie") is None
    assert response.getheader("Location") is None
    status, response, _ = request(urls["public"], path="redirect?to=/next")
    assert (status, response.getheader("Location")) == (302, "/next")
    for bad in ({"headers": {"x-a": "1\nSet-Cookie: s=evil"}}, {"headers": {"x-a": "1\r\n\r\n<html>"}},
                {"headers": {"bad name": "1"}}, {"headers": {"x-a\r\nSet-Cookie": "s"}},
                {"headers": {"x-a": "nul\u0000"}}, {"cookies": ["a=b\r\nSet-Cookie: s=evil"]}):
        status, response, data = request(urls["public"], method="POST", path="header", body=json.dumps(bad).encode(),
                                         headers=[("Content-Type", "application/json")])
        assert (status, data) == (502, b"Internal Server Error"), bad
        assert response.getheader("Set-Cookie") is None


def test_cors(urls: dict[str, str]) -> None:
    status, response, data = request(urls["public"], "OPTIONS", "any", headers=[
        ("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")])  # fmt: skip
    assert (status, data) == (200, b"")
    assert response.getheader("Access-Control-Allow-Origin") == "https://app.example"
    assert response.getheader("Access-Control-Allow-Methods") == "GET, POST"
    assert response.getheader("Access-Control-Allow-Headers") == "x-custom"
    assert response.getheader("Access-Control-Max-Age") == "300"
    assert response.getheader("Access-Control-Allow-Credentials") == "true"
    _, response, _ = request(urls["public"], headers=[("Origin", "https://app.example")])
    assert response.headers.get_all("Access-Control-Allow-Origin") == ["https://app.example"]  # the function's is replaced
    assert response.getheader("Access-Control-Expose-Headers") == "x-echo"
    _, response, _ = request(urls["public"], headers=[("Origin", "https://other.example")])
    assert response.getheader("Access-Control-Allow-Origin") is None


def test_aws_iam_wants_a_signed_request(urls: dict[str, str]) -> None:
    status, _, data = request(urls["private"])
    assert (status, json.loads(data)) == (403, {"Message": "Forbidden"})
    signature = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0"
    status, _, data = request(urls["private"], headers=[("Authorization", signature)])
    context = json.loads(data)["requestContext"]
    assert status == 201 and context["authorizer"]["iam"]["accessKey"] == "AKIDEXAMPLE"
    assert context["accountId"] == "123456789012"


def test_host_header_routing(urls: dict[str, str], server: Any) -> None:
    url_id = urls["public"].rstrip("/").rsplit("/", 1)[1]
    status, _, data = request(server.url, path="/by/host?q=1", headers=[("Host", f"{url_id}.lambda-url.us-east-1.localhost")])
    event = json.loads(data)
    assert (status, event["rawPath"], event["requestContext"]["domainName"]) == (
        201, "/by/host", f"{url_id}.lambda-url.us-east-1.localhost"
    )
