"""Service-side checks: names, ARNs, qualifiers, enums and ranges, with Lambda's error types.

botocore only checks required members, types and minimums on the client; the
service enforces regexes, enums and maximums. These functions are that service.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from lambdactl import errors

_NAME = r"[a-zA-Z0-9-_]+"
_NAMESPACED_NAME = r"[a-zA-Z0-9-_.]+"
FUNCTION_NAME_RE = re.compile(
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?(?P<region>[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(?P<account>\d{12}:)?(function:)?(?P<name>" + _NAMESPACED_NAME + r")(:(?P<qualifier>\$LATEST(\.PUBLISHED)?|"
    + _NAME + r"))?"
)
FUNCTION_NAME_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?"
    r"([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
QUALIFIER_RE = re.compile(r"(|[a-zA-Z0-9$_-]+)")
QUALIFIER_PATTERN = r"(|[a-zA-Z0-9$_-]+)"
ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
ROLE_RE = re.compile(ROLE_PATTERN)
ENV_KEY_RE = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")

# The set AWS's 2026 CreateFunction enum error lists (plus `provided`, kept runnable locally).
ACCEPTED_RUNTIMES = (
    ["nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"]
    + [f"python3.{minor}" for minor in range(8, 15)]
    + ["java8.al2", "java11", "java17", "java21", "java25", "dotnet6", "dotnet8", "dotnet10"]
    + ["ruby3.2", "ruby3.3", "ruby3.4", "provided", "provided.al2", "provided.al2023"]
)
RETIRED_RUNTIMES = {
    "java8", "go1.x", "ruby2.7", "ruby2.5", "nodejs14.x", "nodejs12.x", "nodejs10.x", "nodejs8.10",
    "nodejs6.10", "nodejs4.3", "nodejs4.3-edge", "nodejs", "python3.7", "python3.6", "python2.7",
    "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet7", "python3.13-preview",
}  # fmt: skip
RESERVED_ENV_KEYS = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}  # fmt: skip


class Home(Protocol):
    """The region and account a control plane works for (``Settings`` is one)."""

    @property
    def region(self) -> str: ...

    @property
    def account_id(self) -> str: ...


@dataclass(frozen=True)
class FunctionRef:
    """A function named by name, partial ARN or ARN, with the qualifier it carried (if any)."""

    name: str
    qualifier: str | None = None


def parse_function_name(value: str, home: Home, *, namespaced: bool = True, create: bool = False) -> FunctionRef:
    """Split any accepted FunctionName form into name and qualifier, with AWS's errors.

    ``home`` is where the calling plane works: an ARN naming another region or account never reaches its functions.
    """
    region = home.region
    limit = 256 if namespaced else 140
    match = FUNCTION_NAME_RE.fullmatch(value)
    if match is None or (not namespaced and "." in match.group("name")):
        raise errors.validation_error(
            value, "functionName", f"Member must satisfy regular expression pattern: {FUNCTION_NAME_PATTERN}"
        )
    if len(value) > limit:
        raise errors.validation_error(value, "functionName", f"Member must have length less than or equal to {limit}")
    name = match.group("name")
    # Only creation refuses a name over 64 characters; any other call answers that no such function
    # exists (recorded: test_function_name_and_qualifier_validation[function_name_too_long-*]).
    if create and len(name) > 64:
        raise errors.InvalidParameterValueException(
            f"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy constraint: "
            "Member must have length less than or equal to 64"
        )
    arn_region = (match.group("region") or "").rstrip(":")
    if arn_region and arn_region != region:
        raise errors.ResourceNotFoundException(
            f"Functions from '{arn_region}' are not reachable in this region ('{region}')"
        )
    arn_account = (match.group("account") or "").rstrip(":")
    if arn_account and arn_account != home.account_id:
        qualifier = match.group("qualifier")
        resource = f"arn:aws:lambda:{region}:{arn_account}:function:{name}" + (f":{qualifier}" if qualifier else "")
        raise errors.ForeignAccountError(resource, home.account_id)
    return FunctionRef(name, match.group("qualifier"))


def resolve_qualifier(ref: FunctionRef, qualifier: str | None) -> str | None:
    """The effective qualifier of a call: from the name, the Qualifier parameter, or both if they agree."""
    if qualifier is not None:
        if not QUALIFIER_RE.fullmatch(qualifier) or len(qualifier) > 128:
            raise errors.validation_error(
                qualifier, "qualifier", f"Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}"
            )
        if ref.qualifier is not None and ref.qualifier != qualifier:
            raise errors.InvalidParameterValueException(
                "The derived qualifier from the function name does not match the specified qualifier."
            )
        return qualifier or None
    return ref.qualifier


def check_runtime(runtime: str) -> None:
    if runtime in RETIRED_RUNTIMES:
        raise errors.InvalidParameterValueException(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            "functions. We recommend you use a supported runtime while creating or updating functions."
        )
    if runtime not in ACCEPTED_RUNTIMES:
        raise errors.InvalidParameterValueException(
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(ACCEPTED_RUNTIMES)}] or be a valid ARN"
        )


def check_role(role: str) -> None:
    if not ROLE_RE.fullmatch(role):
        raise errors.validation_error(role, "role", f"Member must satisfy regular expression pattern: {ROLE_PATTERN}")


def check_range(value: int | None, field: str, low: int, high: int) -> None:
    if value is None:
        return
    if value < low:
        raise errors.validation_error(value, field, f"Member must have value greater than or equal to {low}")
    if value > high:
        raise errors.validation_error(value, field, f"Member must have value less than or equal to {high}")


def check_length(value: str | None, field: str, high: int) -> None:
    if value is not None and len(value) > high:
        raise errors.validation_error(value, field, f"Member must have length less than or equal to {high}")


def check_enum(value: Any, field: str, allowed: list[str]) -> None:
    if value is not None and value not in allowed:
        raise errors.validation_error(
            value, field, f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )


def check_environment(variables: dict[str, str]) -> None:
    for key in variables:
        if not ENV_KEY_RE.fullmatch(key):
            raise errors.ValidationException(
                "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: "
                "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
                "[a-zA-Z]([a-zA-Z0-9_])+]"
            )
    reserved = sorted(set(variables) & RESERVED_ENV_KEYS)
    if reserved:
        raise errors.InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment variables you "
            "have provided contains reserved keys that are currently not supported for modification. "
            f"Reserved keys used in this request: {', '.join(reserved)}"
        )
    measured = json.dumps(variables, separators=(",", ":"))
    if len(measured.encode()) > 4096:
        raise errors.InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment variables you "
            f"have provided exceeded the 4KB limit. String measured: {measured}"
        )
