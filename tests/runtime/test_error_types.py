"""Error documents of the execution path are real JSON whatever their text holds."""

from __future__ import annotations

import json

from lambdactl.runtime import error_types
from lambdactl.runtime.api import _transition_error
from lambdactl.runtime.environment import _Failure


def test_a_failure_reason_with_control_characters_stays_json() -> None:
    reason = 'fork/exec /tmp/a "b"\\c\n\td\x01: permission denied'
    body = _Failure(error_types.INVALID_ENTRYPOINT, reason).payload("req-1")
    assert json.loads(body) == {"errorType": "Runtime.InvalidEntrypoint",
                                "errorMessage": f"RequestId: req-1 Error: {reason}"}  # fmt: skip
    assert body.startswith(b'{"errorType":')  # Lambda's member order


def test_runtime_api_errors_come_from_the_table() -> None:
    status, body = _transition_error("Ready", 'Init"Error')
    assert status == 403
    assert json.loads(body) == {"errorMessage": 'State transition from Ready to Init"Error failed',
                                "errorType": "InvalidStateTransition"}  # fmt: skip
    assert {name: error_types.api_error(name)[0] for name in ("NotFound", "MethodNotAllowed", "BadRequest")} == {
        "NotFound": 404, "MethodNotAllowed": 405, "BadRequest": 400}  # fmt: skip
