"""The deployment packages and layer contents Lambda reads from S3 (``Code.S3Bucket/S3Key``): from the
embedded store, through the dispatcher (``s3:GetObject``), or from an external S3.

Setting ``LAMBDACTL_S3_ENDPOINT_URL`` (e.g. a MinIO at ``http://127.0.0.1:9000``) sends code reads
and the ``s3``/``s3api`` commands (``cli/connect.py``) to that S3-compatible endpoint through boto3
(the ``aws`` extra), with the usual AWS credentials and region; bucket notifications stay a feature
of the embedded store.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from lambdactl import errors, settings
from lambdactl.plane import ControlPlane
from lambdactl.state.blobs import MAX_UNZIPPED

ENDPOINT_VARIABLE = settings.S3_ENDPOINT_URL.name


def external_endpoint() -> str | None:
    return settings.S3_ENDPOINT_URL.get()


def read_package(plane: ControlPlane, code: dict[str, Any]) -> bytes:
    """The bytes of ``S3Bucket/S3Key[/S3ObjectVersion]`` in the embedded (or external) S3, or Lambda's
    InvalidParameterValueException carrying S3's error, as AWS words it."""
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


def plane_for_code(plane: Any) -> Any:
    """The S3 that Code.S3Bucket/S3Key name: the external endpoint if set, else ``plane`` itself."""
    url = external_endpoint()
    return ExternalS3(url, plane.settings.region) if url else plane


class ExternalS3:
    """``call("s3:<Operation>", params)`` on an external endpoint, answering like the embedded store."""

    def __init__(self, url: str, region: str | None) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise errors.ConfigurationError(
                f"{ENDPOINT_VARIABLE} needs boto3: pip install 'lambdactl[aws]'"
            ) from None
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=url, region_name=region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )  # fmt: skip

    def call(self, op_name: str, params: dict[str, Any]) -> dict[str, Any]:
        from botocore import xform_name
        from botocore.exceptions import BotoCoreError, ClientError

        method = getattr(self.client, xform_name(op_name.removeprefix("s3:")))
        try:
            result = method(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "ServiceException"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
            raise errors.service_error(code, status, "Message")(str(error.get("Message", ""))) from None
        except BotoCoreError as exc:
            raise errors.LambdactlError(str(exc)) from None
        result.pop("ResponseMetadata", None)
        return _epochs(result)


def _epochs(value: Any) -> Any:
    """boto3's datetimes as the epoch seconds the embedded store answers with."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _epochs(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_epochs(item) for item in value]
    return value

