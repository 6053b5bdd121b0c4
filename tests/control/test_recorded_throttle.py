"""The throttle error's body as recorded from AWS."""

from __future__ import annotations

import pytest

from lambdactl import errors
from tests.versions.conftest import returning


def test_reserved_zero_throttle_body_has_no_retry_after(plane):
    # recorded AWS (LocalStack test_lambda_api.snapshot.json test_lambda_concurrency_block invoke_latest_first_exc):
    # {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": "Rate Exceeded."}
    plane.call("CreateFunction", {"FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler",
                                  "Code": {"ZipFile": returning("x")}})  # fmt: skip
    plane.call("PutFunctionConcurrency", {"FunctionName": "f", "ReservedConcurrentExecutions": 0})
    with pytest.raises(errors.TooManyRequestsException) as caught:
        plane.call("Invoke", {"FunctionName": "f"})
    assert caught.value.body() == {"Type": "User", "message": "Rate Exceeded.",
                                   "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
    assert caught.value.status == 429
