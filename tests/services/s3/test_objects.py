"""Buckets and objects through `lambdactl s3api` and the control plane: byte-exact, S3's errors and shapes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from lambdactl.services.s3 import errors as s3errors


def call(plane, op: str, **params):
    return plane.call(f"s3:{op}", params)


def test_put_get_head_round_trip_is_byte_exact(cli, tmp_path: Path) -> None:
    data = os.urandom(300_000) + b"\r\n\x00"
    source = tmp_path / "blob.bin"
    source.write_bytes(data)
    cli("s3api", "create-bucket", "--bucket", "bytes-bkt")
    put = cli("s3api", "put-object", "--bucket", "bytes-bkt", "--key", "dir/a b+c.bin", "--body", str(source),
              "--content-type", "application/x-test", "--metadata", "Owner=me,n=1").json  # fmt: skip
    assert put == {"ETag": f'"{hashlib.md5(data).hexdigest()}"', "ServerSideEncryption": "AES256"}
    got = cli("s3api", "get-object", "--bucket", "bytes-bkt", "--key", "dir/a b+c.bin", str(tmp_path / "out")).json
    assert (tmp_path / "out").read_bytes() == data
    assert got["ContentLength"] == len(data) and got["ContentType"] == "application/x-test"
    assert got["Metadata"] == {"owner": "me", "n": "1"}  # S3 lowercases metadata names
    assert got["LastModified"].endswith("+00:00")
    head = cli("s3api", "head-object", "--bucket", "bytes-bkt", "--key", "dir/a b+c.bin").json
    assert head["ETag"] == put["ETag"] and "Body" not in head


def test_errors_are_s3s_with_the_aws_cli_exit_code(cli) -> None:
    missing = cli("s3api", "get-object", "--bucket", "no-such-bkt", "--key", "k", "out", rc=254)
    assert "An error occurred (NoSuchBucket) when calling the GetObject operation: The specified bucket does not exist" in missing.stderr
    cli("s3api", "create-bucket", "--bucket", "err-bkt")
    nokey = cli("s3api", "get-object", "--bucket", "err-bkt", "--key", "k", "out", rc=254)
    assert "(NoSuchKey) when calling the GetObject operation: The specified key does not exist." in nokey.stderr
    head = cli("s3api", "head-object", "--bucket", "err-bkt", "--key", "k", rc=254)
    assert head.stderr.strip() == "An error occurred (404) when calling the HeadObject operation: Not Found"
    again = cli("s3api", "create-bucket", "--bucket", "err-bkt", "--region", "eu-west-1",
                "--create-bucket-configuration", "LocationConstraint=eu-west-1", rc=254)  # fmt: skip
    assert "(BucketAlreadyOwnedByYou)" in again.stderr
    body = cli("s3api", "put-object", "--bucket", "err-bkt", "--key", "k", "--body", "/no/such/file", rc=252)
    assert "Blob values must be a path to a file" in body.stderr
    assert not (cli.cwd / "out").exists()


@pytest.mark.parametrize("name", ["ab", "a" * 64, "Upper", "under_score", "-dash", "dash-", "a..b", "192.168.1.1"])
def test_invalid_bucket_names_are_refused(plane, name: str) -> None:
    with pytest.raises(s3errors.InvalidBucketName) as raised:
        call(plane, "CreateBucket", Bucket=name)
    assert raised.value.message == "The specified bucket is not valid." and raised.value.extra == {"BucketName": name}


def test_create_bucket_is_idempotent_in_us_east_1_and_delete_needs_an_empty_bucket(plane) -> None:
    call(plane, "CreateBucket", Bucket="idem-bkt")
    call(plane, "CreateBucket", Bucket="idem-bkt")
    call(plane, "PutObject", Bucket="idem-bkt", Key="k", Body=b"x")
    with pytest.raises(s3errors.BucketNotEmpty):
        call(plane, "DeleteBucket", Bucket="idem-bkt")
    call(plane, "DeleteObject", Bucket="idem-bkt", Key="k")
    call(plane, "DeleteObject", Bucket="idem-bkt", Key="k")  # absent: still no error
    call(plane, "DeleteBucket", Bucket="idem-bkt")
    assert call(plane, "ListBuckets")["Buckets"] == []


def test_list_objects_v2_prefix_delimiter_and_pages(plane) -> None:
    call(plane, "CreateBucket", Bucket="list-bkt")
    keys = ["a/1", "a/2", "a/sub/3", "a/sub/4", "b", "c/5", "é"]
    for key in keys:
        call(plane, "PutObject", Bucket="list-bkt", Key=key, Body=key)
    top = call(plane, "ListObjectsV2", Bucket="list-bkt", Delimiter="/")
    assert [o["Key"] for o in top["Contents"]] == ["b", "é"]
    assert top["CommonPrefixes"] == [{"Prefix": "a/"}, {"Prefix": "c/"}]
    assert top["KeyCount"] == 4 and top["IsTruncated"] is False and "NextContinuationToken" not in top
    seen, token = [], None
    while True:
        page = call(plane, "ListObjectsV2", Bucket="list-bkt", Prefix="a/", Delimiter="/", MaxKeys=1,
                    **({"ContinuationToken": token} if token else {}))  # fmt: skip
        seen += [o["Key"] for o in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        assert page["KeyCount"] == 1
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert seen == ["a/1", "a/2", "a/sub/"]
    after = call(plane, "ListObjectsV2", Bucket="list-bkt", StartAfter="b")
    assert [o["Key"] for o in after["Contents"]] == ["c/5", "é"] and after["StartAfter"] == "b"
    with pytest.raises(s3errors.InvalidArgument, match="The continuation token provided is incorrect"):
        call(plane, "ListObjectsV2", Bucket="list-bkt", ContinuationToken="not-a-token")


def test_copy_delete_objects_and_ranges(plane) -> None:
    call(plane, "CreateBucket", Bucket="copy-bkt")
    call(plane, "PutObject", Bucket="copy-bkt", Key="src key", Body=b"0123456789", ContentType="text/plain")
    copied = call(plane, "CopyObject", Bucket="copy-bkt", Key="dst", CopySource="copy-bkt/src%20key")
    assert copied["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"0123456789").hexdigest()}"'
    got = call(plane, "GetObject", Bucket="copy-bkt", Key="dst", Range="bytes=2-4")
    assert got["Body"].read() == b"234" and got["ContentRange"] == "bytes 2-4/10" and got["ContentType"] == "text/plain"
    got["Body"].close()
    with pytest.raises(s3errors.InvalidRequest, match="copy an object to itself"):
        call(plane, "CopyObject", Bucket="copy-bkt", Key="dst", CopySource="copy-bkt/dst")
    with pytest.raises(s3errors.InvalidRange):
        call(plane, "GetObject", Bucket="copy-bkt", Key="dst", Range="bytes=10-")
    deleted = call(plane, "DeleteObjects", Bucket="copy-bkt", Delete={"Objects": [{"Key": "dst"}, {"Key": "absent"}]})
    assert deleted == {"Deleted": [{"Key": "dst"}, {"Key": "absent"}]}
    assert [o["Key"] for o in call(plane, "ListObjectsV2", Bucket="copy-bkt")["Contents"]] == ["src key"]


def test_multipart_upload_etag_and_part_rules(plane) -> None:
    call(plane, "CreateBucket", Bucket="mpu-bkt")
    upload = call(plane, "CreateMultipartUpload", Bucket="mpu-bkt", Key="big", ContentType="video/mp4")["UploadId"]
    first, second = os.urandom(5 * 1024 * 1024), b"tail"
    etags = [call(plane, "UploadPart", Bucket="mpu-bkt", Key="big", UploadId=upload, PartNumber=n, Body=body)["ETag"]
             for n, body in ((1, first), (2, second))]  # fmt: skip
    with pytest.raises(s3errors.InvalidPartOrder):
        call(plane, "CompleteMultipartUpload", Bucket="mpu-bkt", Key="big", UploadId=upload,
             MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": etags[1]}, {"PartNumber": 1, "ETag": etags[0]}]})
    with pytest.raises(s3errors.InvalidPart):
        call(plane, "CompleteMultipartUpload", Bucket="mpu-bkt", Key="big", UploadId=upload,
             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0"'}]})
    assert call(plane, "ListObjectsV2", Bucket="mpu-bkt")["KeyCount"] == 0  # nothing visible before completion
    done = call(plane, "CompleteMultipartUpload", Bucket="mpu-bkt", Key="big", UploadId=upload,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etags[0]}, {"PartNumber": 2, "ETag": etags[1]}]})
    digest = hashlib.md5(hashlib.md5(first).digest() + hashlib.md5(second).digest()).hexdigest()
    assert done["ETag"] == f'"{digest}-2"'
    got = call(plane, "GetObject", Bucket="mpu-bkt", Key="big")
    assert got["Body"].read() == first + second and got["ContentType"] == "video/mp4"
    got["Body"].close()
    with pytest.raises(s3errors.NoSuchUpload):
        call(plane, "UploadPart", Bucket="mpu-bkt", Key="big", UploadId=upload, PartNumber=3, Body=b"x")
    small = call(plane, "CreateMultipartUpload", Bucket="mpu-bkt", Key="small")["UploadId"]
    tags = [call(plane, "UploadPart", Bucket="mpu-bkt", Key="small", UploadId=small, PartNumber=n, Body=b"tiny")["ETag"]
            for n in (1, 2)]  # fmt: skip
    with pytest.raises(s3errors.EntityTooSmall):
        call(plane, "CompleteMultipartUpload", Bucket="mpu-bkt", Key="small", UploadId=small,
             MultipartUpload={"Parts": [{"PartNumber": n, "ETag": t} for n, t in zip((1, 2), tags)]})
    call(plane, "AbortMultipartUpload", Bucket="mpu-bkt", Key="small", UploadId=small)
    assert "Uploads" not in call(plane, "ListMultipartUploads", Bucket="mpu-bkt")


def test_identical_bytes_are_stored_once(plane) -> None:
    call(plane, "CreateBucket", Bucket="dedup-bkt")
    for key in ("one", "two", "three"):
        call(plane, "PutObject", Bucket="dedup-bkt", Key=key, Body=b"same bytes")
    blobs = [p for p in (plane.settings.state_dir / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1 and blobs[0].read_bytes() == b"same bytes"


def test_bad_content_md5_stores_nothing(plane) -> None:
    call(plane, "CreateBucket", Bucket="md5-bkt")
    with pytest.raises(s3errors.BadDigest):
        call(plane, "PutObject", Bucket="md5-bkt", Key="k", Body=b"data", ContentMD5="AAAAAAAAAAAAAAAAAAAAAA==")
    assert call(plane, "ListObjectsV2", Bucket="md5-bkt")["KeyCount"] == 0
