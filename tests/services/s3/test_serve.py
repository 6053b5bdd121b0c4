"""The S3 REST API in `serve`: boto3 and the aws CLI against a real server process, byte-exact."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import subprocess
import time
import zlib
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from tests.serving import PYTHON, Server, start_server, wait_until, zip_bytes  # noqa: E402

pytestmark = pytest.mark.slow
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("s3serve")
    running = start_server(root / "state", root / "serve.log")
    yield running
    assert running.process.poll() is None, "serve died during the tests"
    assert running.stop() == 0


@pytest.fixture(scope="module")
def s3(server: Server):  # type: ignore[no-untyped-def]
    return boto3.client("s3", endpoint_url=server.url, config=Config(retries={"max_attempts": 1}), **CREDENTIALS)


def test_boto3_objects_round_trip(s3) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket="boto-bkt")
    data = os.urandom(100_000)
    put = s3.put_object(Bucket="boto-bkt", Key="dir/a b+c@d.bin", Body=data, ContentType="application/x-test",
                        Metadata={"Owner": "me"})  # fmt: skip
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert put["ChecksumCRC32"] == b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()  # botocore sent it, S3 echoes
    got = s3.get_object(Bucket="boto-bkt", Key="dir/a b+c@d.bin")
    assert got["Body"].read() == data
    assert (got["ContentType"], got["Metadata"], got["ContentLength"]) == ("application/x-test", {"owner": "me"}, 100_000)
    head = s3.head_object(Bucket="boto-bkt", Key="dir/a b+c@d.bin")
    assert head["ContentLength"] == 100_000 and head["ETag"] == put["ETag"]
    part = s3.get_object(Bucket="boto-bkt", Key="dir/a b+c@d.bin", Range="bytes=10-19")
    assert part["Body"].read() == data[10:20] and part["ResponseMetadata"]["HTTPStatusCode"] == 206
    s3.copy_object(Bucket="boto-bkt", Key="copy", CopySource={"Bucket": "boto-bkt", "Key": "dir/a b+c@d.bin"})
    listed = s3.list_objects_v2(Bucket="boto-bkt", Delimiter="/")
    assert [o["Key"] for o in listed["Contents"]] == ["copy"] and listed["CommonPrefixes"] == [{"Prefix": "dir/"}]
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket="boto-bkt", PaginationConfig={"PageSize": 1})
    assert [o["Key"] for page in pages for o in page.get("Contents", [])] == ["copy", "dir/a b+c@d.bin"]
    deleted = s3.delete_objects(Bucket="boto-bkt", Delete={"Objects": [{"Key": "copy"}, {"Key": "absent"}]})
    assert [d["Key"] for d in deleted["Deleted"]] == ["copy", "absent"]
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["boto-bkt"]


def test_boto3_errors_have_s3s_codes_and_statuses(s3) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket="err-serve-bkt")
    cases = [
        (lambda: s3.get_object(Bucket="err-serve-bkt", Key="nope"), "NoSuchKey", 404),
        (lambda: s3.list_objects_v2(Bucket="no-such-serve-bkt"), "NoSuchBucket", 404),
        (lambda: s3.head_object(Bucket="err-serve-bkt", Key="nope"), "404", 404),
        (lambda: s3.create_bucket(Bucket="Bad_Name"), "InvalidBucketName", 400),
        (lambda: s3.create_bucket(Bucket="err-serve-bkt", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}),
         "IllegalLocationConstraintException", 400),
    ]
    for call, code, status in cases:
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == code
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    s3.put_object(Bucket="err-serve-bkt", Key="k", Body=b"x")
    with pytest.raises(ClientError) as raised:
        s3.delete_bucket(Bucket="err-serve-bkt")
    assert raised.value.response["Error"] == {
        "Code": "BucketNotEmpty", "Message": "The bucket you tried to delete is not empty",
        "BucketName": "err-serve-bkt",
    } | {k: v for k, v in raised.value.response["Error"].items() if k in ("RequestId", "HostId")}  # fmt: skip


def test_multipart_upload_and_download_through_boto3(s3, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = os.urandom(9 * 1024 * 1024)
    (tmp_path / "big").write_bytes(data)
    s3.create_bucket(Bucket="mpu-serve-bkt")
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    s3.upload_file(str(tmp_path / "big"), "mpu-serve-bkt", "big", Config=config)
    assert s3.head_object(Bucket="mpu-serve-bkt", Key="big")["ETag"].endswith('-2"')
    s3.download_file("mpu-serve-bkt", "big", str(tmp_path / "back"), Config=config)
    assert (tmp_path / "back").read_bytes() == data


def test_notification_configuration_round_trips_through_xml(server: Server, s3) -> None:  # type: ignore[no-untyped-def]
    lam = boto3.client("lambda", endpoint_url=server.url, **CREDENTIALS)
    lam.create_function(FunctionName="xml-fn", Runtime="python3.12", Handler="app.handler", Role="arn:aws:iam::123456789012:role/r",
                        Code={"ZipFile": zip_bytes("def handler(e, c):\n    return 1\n")})  # fmt: skip
    lam.add_permission(FunctionName="xml-fn", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::xml-bkt")  # fmt: skip
    s3.create_bucket(Bucket="xml-bkt")
    config = {"LambdaFunctionConfigurations": [{
        "Id": "one", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:xml-fn",
        "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".csv"}]}},
    }]}  # fmt: skip
    s3.put_bucket_notification_configuration(Bucket="xml-bkt", NotificationConfiguration=config)
    got = s3.get_bucket_notification_configuration(Bucket="xml-bkt")
    expected = config["LambdaFunctionConfigurations"][0] | {"Filter": {"Key": {"FilterRules": [
        {"Name": "Prefix", "Value": "in/"}, {"Name": "Suffix", "Value": ".csv"}]}}}  # fmt: skip
    assert got["LambdaFunctionConfigurations"] == [expected]
    with pytest.raises(ClientError) as raised:
        s3.put_bucket_notification_configuration(Bucket="xml-bkt", NotificationConfiguration={
            "LambdaFunctionConfigurations": [dict(expected, LambdaFunctionArn=expected["LambdaFunctionArn"] + "-gone")]})
    assert raised.value.response["Error"]["ArgumentValue1"].startswith("Not authorized to invoke function")


def test_a_function_under_serve_is_invoked_for_an_upload(server: Server, s3, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "got.json"
    lam = boto3.client("lambda", endpoint_url=server.url, **CREDENTIALS)
    source = f"import json\ndef handler(e, c):\n    open({str(out)!r}, 'w').write(json.dumps(e))\n"
    lam.create_function(FunctionName="on-upload", Runtime="python3.12", Handler="app.handler",
                        Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": zip_bytes(source)})  # fmt: skip
    lam.add_permission(FunctionName="on-upload", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::upload-bkt")  # fmt: skip
    s3.create_bucket(Bucket="upload-bkt")
    s3.put_bucket_notification_configuration(Bucket="upload-bkt", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:on-upload",
                                          "Events": ["s3:ObjectCreated:*"]}]})  # fmt: skip
    s3.put_object(Bucket="upload-bkt", Key="hello.txt", Body=b"hi")
    event = json.loads(wait_until(lambda: out.exists() and out.read_text(), what="the function ran"))
    assert event["Records"][0]["s3"]["object"]["key"] == "hello.txt"
    assert event["Records"][0]["eventName"] == "ObjectCreated:Put"


def test_aws_chunked_body_with_a_trailing_checksum(server: Server, s3) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket="chunk-bkt")
    data = b"hello chunked world"
    crc = b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()

    def send(trailer_value: str) -> http.client.HTTPResponse:
        body = (f"{10:x}\r\n".encode() + data[:10] + b"\r\n" + f"{len(data) - 10:x}\r\n".encode() + data[10:]
                + b"\r\n0\r\n" + f"x-amz-checksum-crc32:{trailer_value}\r\n\r\n".encode())  # fmt: skip
        host = urlsplit(server.url).netloc
        conn = http.client.HTTPConnection(host, timeout=10)
        conn.request("PUT", "/chunk-bkt/obj", body=body, headers={
            "Authorization": f"AWS4-HMAC-SHA256 Credential=test/{time.strftime('%Y%m%d')}/us-east-1/s3/aws4_request, "
                             "SignedHeaders=host, Signature=0",
            "Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "x-amz-trailer": "x-amz-checksum-crc32", "x-amz-decoded-content-length": str(len(data)),
        })  # fmt: skip
        response = conn.getresponse()
        response.read()
        conn.close()
        return response

    assert send(crc).status == 200
    assert s3.get_object(Bucket="chunk-bkt", Key="obj")["Body"].read() == data
    bad = send("AAAAAA==")
    assert bad.status == 400
    assert s3.get_object(Bucket="chunk-bkt", Key="obj")["Body"].read() == data  # the bad upload changed nothing


def test_code_location_is_a_signed_link_serve_answers(server: Server) -> None:
    lam = boto3.client("lambda", endpoint_url=server.url, **CREDENTIALS)
    package = zip_bytes("def handler(e, c):\n    return 2\n")
    lam.create_function(FunctionName="linked", Runtime="python3.12", Handler="app.handler",
                        Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": package})  # fmt: skip
    location = lam.get_function(FunctionName="linked")["Code"]["Location"]
    assert location.startswith(server.url + "/_lambdactl/code/")
    with urlopen(location) as response:
        assert response.read() == package
    with pytest.raises(Exception, match="403"):
        urlopen(location[:-1] + ("0" if location[-1] != "0" else "1"))


def test_aws_cli_cp_of_a_big_file_and_s3api(server: Server, tmp_path: Path) -> None:
    aws = Path(PYTHON).with_name("aws")
    if not aws.exists():
        pytest.skip("the aws CLI is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }  # fmt: skip

    def run(*args: str, rc: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(aws), "--endpoint-url", server.url, *args], env=env, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == rc, done.stderr
        return done

    data = os.urandom(17 * 1024 * 1024)
    (tmp_path / "big.bin").write_bytes(data)
    assert run("s3", "mb", "s3://awscli-bkt").stdout.strip() == "make_bucket: awscli-bkt"
    run("s3", "cp", str(tmp_path / "big.bin"), "s3://awscli-bkt/big.bin", "--only-show-errors")
    head = json.loads(run("s3api", "head-object", "--bucket", "awscli-bkt", "--key", "big.bin").stdout)
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"')  # 8 MiB parts
    run("s3", "cp", "s3://awscli-bkt/big.bin", str(tmp_path / "back.bin"), "--only-show-errors")
    assert (tmp_path / "back.bin").read_bytes() == data
    missing = run("s3api", "get-object", "--bucket", "awscli-bkt", "--key", "nope", str(tmp_path / "x"), rc=255)
    assert "An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist." in missing.stderr
    assert "big.bin" in run("s3", "ls", "s3://awscli-bkt").stdout


def test_virtual_hosted_style_addressing(server: Server, s3) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket="vhost-bkt")
    s3.put_object(Bucket="vhost-bkt", Key="dir/file.txt", Body=b"virtual")
    port = urlsplit(server.url).port
    scope = f"AWS4-HMAC-SHA256 Credential=test/{time.strftime('%Y%m%d')}/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/dir/file.txt", headers={"Host": f"vhost-bkt.s3.localhost:{port}", "Authorization": scope})
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"virtual")
    conn.request("GET", "/?list-type=2", headers={"Host": f"vhost-bkt.s3.localhost:{port}", "Authorization": scope})
    listing = conn.getresponse()
    assert listing.status == 200 and b"<Key>dir/file.txt</Key>" in listing.read()
    conn.request("GET", "/dir/file.txt", headers={"Host": f"vhost-bkt.s3.example.com:{port}", "Authorization": scope})
    foreign = conn.getresponse()
    assert foreign.status == 403  # only *.s3.localhost names are this server
    foreign.read()
    conn.close()
