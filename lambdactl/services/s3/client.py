"""Where ``s3``/``s3api`` commands and code-from-S3 go: the embedded store, or an external S3.

Setting ``LAMBDACTL_S3_ENDPOINT_URL`` (e.g. a MinIO at ``http://127.0.0.1:9000``) sends them to that
S3-compatible endpoint through boto3 (the ``aws`` extra), with the usual AWS credentials and
region; bucket notifications stay a feature of the embedded store.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from lambdactl import errors, settings

ENDPOINT_VARIABLE = settings.S3_ENDPOINT_URL.name


def external_endpoint() -> str | None:
    return settings.S3_ENDPOINT_URL.get()


def s3_plane(globals_: Any) -> Any:
    url = external_endpoint()
    if url:
        return ExternalS3(url, globals_.region or None)
    from lambdactl.cli.connect import local_plane

    return local_plane(globals_)


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

