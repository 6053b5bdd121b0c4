"""The control plane in-process: Lambda's shapes, defaults and error types, without the CLI."""

from __future__ import annotations

import base64
import hashlib

import pytest

from lambdactl import errors

BASE = {"Runtime": "python3.12", "Handler": "app.handler"}


@pytest.fixture
def create(plane, zip_bytes):
    def make(name: str = "f", **extra):
        return plane.call("CreateFunction", {"FunctionName": name, **BASE, "Code": {"ZipFile": zip_bytes}, **extra})

    return make


def test_create_shape(create, zip_bytes):
    out = create()
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
    assert out["CodeSize"] == len(zip_bytes)
    assert out["State"] == "Pending" and "LastUpdateStatus" not in out
    assert out["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:f"


def test_code_is_content_addressed(plane, create, zip_bytes):
    create("a")
    create("b")
    sha_hex = hashlib.sha256(zip_bytes).hexdigest()
    assert plane.code.read(sha_hex) == zip_bytes
    assert [p.name for p in (plane.settings.state_dir / "code").rglob("*.zip")] == [f"{sha_hex}.zip"]


def test_base64_zip_as_sent_by_the_http_api(plane, zip_bytes):
    from lambdactl.protocols.json_values import decode_blobs  # what the server does to a JSON body's blobs

    body = {"FunctionName": "h", **BASE, "Code": {"ZipFile": base64.b64encode(zip_bytes).decode()}}
    out = plane.call("CreateFunction", decode_blobs(body, "CreateFunctionRequest"))
    assert out["CodeSize"] == len(zip_bytes)


@pytest.mark.parametrize("params, error, message", [
    ({"FunctionName": "x" * 65}, errors.InvalidParameterValueException, "less than or equal to 64"),
    ({"Timeout": 901}, errors.ValidationException, "less than or equal to 900"),
    ({"MemorySize": 10241}, errors.ValidationException, "less than or equal to 10240"),
    ({"Runtime": "python2.7"}, errors.InvalidParameterValueException, "no longer supported"),
    ({"Role": "r"}, errors.ValidationException, "at 'role'"),
    ({"Architectures": ["x86_64", "arm64"]}, errors.ValidationException,
     "Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"),
    ({"PackageType": "Jar"}, errors.ValidationException, "at 'packageType'"),
    ({"Code": {"ZipFile": b"PK\x03\x04 nope"}}, errors.InvalidParameterValueException, "Could not unzip uploaded file."),
    ({"Code": {"S3Bucket": "bucket", "S3Key": "k"}}, errors.InvalidParameterValueException,
     "S3 Error Code: NoSuchBucket"),
    ({"Code": {}}, errors.InvalidParameterValueException, "Please provide a source for function code."),
    ({"Handler": None}, errors.InvalidParameterValueException, "Handler is required"),
])  # fmt: skip
def test_service_side_checks(plane, zip_bytes, params, error, message):
    request = {"FunctionName": "f", **BASE, "Code": {"ZipFile": zip_bytes}, **params}
    with pytest.raises(error) as caught:
        plane.call("CreateFunction", {k: v for k, v in request.items() if v is not None})
    assert message in caught.value.message
    assert plane.call("ListFunctions", {}) == {"Functions": []}


def test_error_http_shapes(plane):
    with pytest.raises(errors.ResourceNotFoundException) as caught:
        plane.call("GetFunction", {"FunctionName": "ghost"})
    exc = caught.value
    assert (exc.status, exc.code) == (404, "ResourceNotFoundException")
    assert exc.body() == {"Type": "User", "Message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:ghost"}
    assert exc.headers()["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert exc.exit_code == 254


def test_conflict_is_409(create):
    create()
    with pytest.raises(errors.ResourceConflictException) as caught:
        create()
    assert caught.value.status == 409 and caught.value.message == "Function already exist: f"


def test_image_function(plane):
    out = plane.call("CreateFunction", {"FunctionName": "img", "PackageType": "Image", "Code": {"ImageUri": "repo:1"}})
    assert out["LambdactlBackend"] == "docker" and out["CodeSize"] == 0 and out["PackageType"] == "Image"
    with pytest.raises(errors.InvalidParameterValueException):
        plane.call("CreateFunction", {"FunctionName": "img2", "PackageType": "Image", "Runtime": "python3.12",
                                      "Code": {"ImageUri": "repo:1"}})  # fmt: skip
    with pytest.raises(errors.InvalidParameterValueException) as caught:
        plane.call("UpdateFunctionConfiguration", {"FunctionName": "img", "LambdactlBackend": "subprocess"})
    assert "docker" in caught.value.message


def test_update_zip_function_with_image_uri(plane, create):
    create("z")
    with pytest.raises(errors.InvalidParameterValueException) as caught:
        plane.call("UpdateFunctionCode", {"FunctionName": "z", "ImageUri": "repo:1"})
    assert caught.value.message == "Please don't provide ImageUri when updating a function with packageType Zip."


def test_list_functions_version_filter(plane, create):
    create()
    with pytest.raises(errors.ValidationException) as caught:
        plane.call("ListFunctions", {"FunctionVersion": "LATEST"})
    assert "Member must satisfy enum value set: [ALL]" in caught.value.message
    assert len(plane.call("ListFunctions", {"FunctionVersion": "ALL"})["Functions"]) == 1


def test_revision_changes_on_every_change(plane, create, zip_bytes):
    seen = {create()["RevisionId"]}
    seen.add(plane.call("UpdateFunctionConfiguration", {"FunctionName": "f", "Timeout": 4})["RevisionId"])
    seen.add(plane.call("UpdateFunctionCode", {"FunctionName": "f", "ZipFile": zip_bytes})["RevisionId"])
    seen.add(plane.call("UpdateFunctionConfiguration", {"FunctionName": "f", "Timeout": 4})["RevisionId"])
    assert len(seen) == 4


def test_delete_removes_unreferenced_code_only_after_grace(plane, create, zip_bytes):
    create("a")
    create("b")
    plane.call("DeleteFunction", {"FunctionName": "a"})
    sha_hex = hashlib.sha256(zip_bytes).hexdigest()
    assert plane.code.zip_path(sha_hex).exists()  # still used by b
    plane.call("DeleteFunction", {"FunctionName": "b"})
    assert plane.code.zip_path(sha_hex).exists()  # recent: spared for a racing create
    plane.code.collect_garbage(set(), min_age_s=0)
    assert not plane.code.zip_path(sha_hex).exists()
