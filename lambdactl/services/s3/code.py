"""Deployment packages and layer contents that Lambda reads from S3 (``Code.S3Bucket/S3Key``)."""

from __future__ import annotations

from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane
from lambdactl.state.blobs import MAX_UNZIPPED


def read_package(plane: ControlPlane, code: dict[str, Any]) -> bytes:
    """The bytes of ``S3Bucket/S3Key[/S3ObjectVersion]`` in the embedded (or external) S3, or Lambda's
    InvalidParameterValueException carrying S3's error, as AWS words it."""
    from lambdactl.services.s3.client import plane_for_code

    bucket, key = code.get("S3Bucket"), code.get("S3Key")
    if not bucket or not key:
        raise errors.InvalidParameterValueException("Please provide a source for function code.")
    params = {"Bucket": bucket, "Key": key}
    version = code.get("S3ObjectVersion")
    if version and version != "null":  # the embedded buckets are unversioned: only "null" exists
        raise _s3_error("NoSuchVersion", "The specified version does not exist.")
    try:
        result = plane_for_code(plane).call("s3:GetObject", params)
    except errors.ServiceError as exc:
        raise _s3_error(exc.code, exc.message) from None
    body = result["Body"]
    if result.get("ContentLength", 0) > MAX_UNZIPPED:
        body.close()
        raise errors.InvalidParameterValueException(f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")
    try:
        return body.read()
    finally:
        body.close()


def _s3_error(code: str, message: str) -> errors.ServiceError:
    return errors.InvalidParameterValueException(
        f"Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
    )
