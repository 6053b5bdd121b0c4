"""One error hierarchy for both fronts.

Every error knows how the CLI shows it (one line, an exit code as the aws CLI v2
uses them) and, for service errors, how the HTTP API sends it (status, the
``x-amzn-ErrorType`` header and Lambda's JSON body).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: each warm `invoke` loads this module (cli/fast_invoke.py)
if TYPE_CHECKING:
    from typing import Any

# aws CLI v2 exit codes (awscli/constants.py)
EXIT_OK = 0
EXIT_PARAM_VALIDATION = 252
EXIT_CONFIGURATION = 253
EXIT_CLIENT_ERROR = 254
EXIT_GENERAL = 255
EXIT_SIGINT = 130


class LambdactlError(Exception):
    """Base of every error a user may see: one clear line, no traceback."""

    exit_code = EXIT_GENERAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def cli_text(self, operation: str | None = None) -> str:
        return self.message


class ParamValidationError(LambdactlError):
    """Client-side validation (botocore's ParamValidationError): exit 252."""

    exit_code = EXIT_PARAM_VALIDATION

    def cli_text(self, operation: str | None = None) -> str:
        return f"\nParameter validation failed:\n{self.message}"


class UsageError(LambdactlError):
    """Bad command line, bad shorthand, unreadable paramfile: exit 252."""

    exit_code = EXIT_PARAM_VALIDATION


class BotocoreError(LambdactlError):
    """What botocore refuses before any request (a profile it can't find, a malformed region): printed
    after a blank line, as the aws CLI prints any such exception; exit 255."""

    def cli_text(self, operation: str | None = None) -> str:
        return f"\n{self.message}"


class ConfigurationError(LambdactlError):
    exit_code = EXIT_CONFIGURATION


class WaiterError(LambdactlError):
    """A waiter failed or ran out of attempts (the aws CLI exits 255)."""

    exit_code = EXIT_GENERAL


class ServiceError(LambdactlError):
    """An error the Lambda service would return: code, HTTP status and body."""

    exit_code = EXIT_CLIENT_ERROR
    code = "ServiceException"
    status = 500
    message_key = "Message"  # the member name in the botocore shape

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extra = extra

    @property
    def error_type(self) -> str:
        return "User" if self.status < 500 else "Service"

    def body(self) -> dict[str, Any]:
        return {"Type": self.error_type, self.message_key: self.message, **self.extra}

    def headers(self) -> dict[str, str]:
        headers = {"x-amzn-ErrorType": self.code}
        if "retryAfterSeconds" in self.extra:
            headers["Retry-After"] = str(self.extra["retryAfterSeconds"])
        return headers

    def cli_text(self, operation: str | None = None) -> str:
        op = f" when calling the {operation} operation" if operation else ""
        return f"\nAn error occurred ({self.code}){op}: {self.message}"


def service_error(code: str, status: int, message_key: str = "message", name: str | None = None) -> type[ServiceError]:
    """A ServiceError subclass for one error code (named ``name``, default the code itself).

    ``message_key`` is the message member's name in the service's shape ("message" for most
    of Lambda's errors and for SQS/Kinesis/DynamoDB Streams, "Message" for some of Lambda's).
    """
    return type(name or code, (ServiceError,), {"code": code, "status": status, "message_key": message_key})


InvalidParameterValueException = service_error("InvalidParameterValueException", 400)
ValidationException = service_error("ValidationException", 400)
InvalidRequestContentException = service_error("InvalidRequestContentException", 400)
ResourceInUseException = service_error("ResourceInUseException", 400, "Message")
CodeStorageExceededException = service_error("CodeStorageExceededException", 400)
PolicyLengthExceededException = service_error("PolicyLengthExceededException", 400)
AccessDeniedException = service_error("AccessDeniedException", 403, "Message")
ResourceNotFoundException = service_error("ResourceNotFoundException", 404, "Message")
ProvisionedConcurrencyConfigNotFoundException = service_error(
    "ProvisionedConcurrencyConfigNotFoundException", 404
)
ResourceConflictException = service_error("ResourceConflictException", 409)
PreconditionFailedException = service_error("PreconditionFailedException", 412)
RequestEntityTooLargeException = service_error("RequestEntityTooLargeException", 413)
UnsupportedMediaTypeException = service_error("UnsupportedMediaTypeException", 415)
TooManyRequestsException = service_error("TooManyRequestsException", 429)
ServiceException = service_error("ServiceException", 500, "Message")
ResourceNotReadyException = service_error("ResourceNotReadyException", 502)
InvalidRuntimeException = service_error("InvalidRuntimeException", 502, "Message")
InvalidZipFileException = service_error("InvalidZipFileException", 502, "Message")


class ForeignAccountError(ServiceError):
    """An ARN naming another account's resource: IAM refuses before Lambda looks (403, recorded:
    LocalStack test_lambda_api.snapshot.json test_function_arns function_arn_other_account_exc).
    ``ControlPlane.call`` names the refused action; ``lambda:*`` until then."""

    code = "AccessDeniedException"
    status = 403
    message_key = "Message"

    def __init__(self, resource: str, caller_account: str, action: str = "lambda:*") -> None:
        super().__init__(
            f"User: arn:aws:iam::{caller_account}:root is not authorized to perform: {action} on resource: "
            f"{resource} because no resource-based policy allows the {action} action"
        )
        self.resource, self.caller_account, self.action = resource, caller_account, action

    def for_action(self, action: str) -> ForeignAccountError:
        """This refusal for ``action``, unless an inner call named its own already."""
        return self if self.action != "lambda:*" else ForeignAccountError(self.resource, self.caller_account, action)


def validation_error(value: Any, field: str, constraint: str) -> ServiceError:
    """AWS's wording for a regex/enum/length failure (sent as ValidationException)."""
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    )


def throttled(reason: str) -> ServiceError:
    """Lambda's throttle: its body carries Reason but no retryAfterSeconds (recorded: LocalStack
    test_lambda_api.snapshot.json test_lambda_concurrency_block invoke_latest_first_exc)."""
    return TooManyRequestsException("Rate Exceeded.", Reason=reason)


SERVICE_ERRORS: dict[str, type[ServiceError]] = {
    cls.code: cls for cls in ServiceError.__subclasses__()  # type: ignore[misc]
}
