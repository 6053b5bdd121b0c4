"""Helpers for versions, aliases, layers and policies: zips in memory and functions on a ControlPlane."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from lambdactl import errors

ACCOUNT = "123456789012"
REGION = "us-east-1"
FN_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function"
LAYER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer"


def zip_bytes(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    """A zip of ``files``; ``modes`` gives Unix permissions (e.g. an executable bootstrap)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644) | 0o100000) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def returning(value: str) -> bytes:
    """A Python function package whose handler returns ``value``."""
    return zip_bytes({"app.py": f"def handler(event, context):\n    return {value!r}\n"})


def payload(response: dict[str, Any]) -> Any:
    return json.loads(response["Payload"])


@pytest.fixture
def make_function(plane):
    """``make_function("f", code_bytes, **params)`` -> CreateFunction response (python3.12, app.handler)."""

    def make(name: str, code: bytes, **params: Any) -> dict[str, Any]:
        return plane.call("CreateFunction", {
            "FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler", "Code": {"ZipFile": code},
            **params,
        })  # fmt: skip

    return make


def expect_error(call: Any, code: str, message: str) -> errors.ServiceError:
    """Run ``call()``; it must fail with service error ``code`` and exactly ``message``."""
    with pytest.raises(errors.ServiceError) as caught:
        call()
    assert (caught.value.code, caught.value.message) == (code, message)
    return caught.value
