"""Every error the execution path reports, in one table, as the runtime interface emulator and
awslambdaric keep theirs: the function errors of an invocation (its error document's ``errorType``
and REPORT's ``Error Type``) and the Runtime API's own error answers. Bodies are built with
``json.dumps``, in the member order Lambda and the emulator write them.
"""

from __future__ import annotations

import json

# -- function errors: what an invocation that failed outside the handler returns
EXIT_ERROR = "Runtime.ExitError"  # the runtime process ended (crash, exit, killed)
OUT_OF_MEMORY = "Runtime.OutOfMemory"  # REPORT's Error Type when the memory limit killed it
INVALID_ENTRYPOINT = "Runtime.InvalidEntrypoint"  # no runnable bootstrap
UNKNOWN = "Runtime.Unknown"  # an error posted without a valid Lambda-Runtime-Function-Error-Type
RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"

NO_REASON = "Runtime exited without providing a reason"
UNKNOWN_MESSAGE = "Unknown application error occurred"
TOO_LARGE_MESSAGE = "Response payload size exceeded maximum allowed payload size ({limit} bytes)."

# -- Runtime API errors: errorType -> (HTTP status, errorMessage template)
API_ERRORS: dict[str, tuple[int, str]] = {
    "InvalidRequestID": (400, "Invalid request ID"),
    "InvalidStateTransition": (403, "State transition from {current} to {target} failed"),
    "RequestEntityTooLarge": (413, "Exceeded maximum allowed payload size ({limit} bytes)."),
    "NotFound": (404, "Not found"),
    "BadRequest": (400, "Malformed request framing"),
    "MethodNotAllowed": (405, "Method not allowed"),
}


def function_error(error_type: str, message: str) -> bytes:
    """An invocation's error document, as Lambda writes it (``errorType`` first)."""
    return json.dumps({"errorType": error_type, "errorMessage": message}, separators=(",", ":")).encode()


def api_error(error_type: str, **fields: object) -> tuple[int, bytes]:
    """The Runtime API's answer for ``error_type`` (``errorMessage`` first, as the emulator writes it)."""
    status, template = API_ERRORS[error_type]
    body = {"errorMessage": template.format(**fields), "errorType": error_type}
    return status, json.dumps(body, separators=(",", ":")).encode()
