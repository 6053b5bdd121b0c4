"""Settings Lambda keeps beside a function's configuration: recursive loop detection, runtime
management and the scaling config of a published version (stored and answered as Lambda does;
lambdactl runs the host's interpreter and starts environments on demand whatever they say),
and the legacy InvokeAsync.

Recursion shapes and messages follow the responses recorded from AWS in LocalStack's
``tests/aws/services/lambda_/test_lambda_api.snapshot.json`` (``TestLambdaRecursion``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from lambdactl import errors
from lambdactl.control.records import LATEST, function_not_found, parse_target, require_function
from lambdactl.model import validate
from lambdactl.plane import ControlPlane, operation

RECURSIVE_LOOP = ["Terminate", "Allow"]  # the recorded message lists them in this order
UPDATE_RUNTIME_ON = ["Auto", "Manual", "FunctionUpdate"]

SCHEMA = [
    (
        "function_settings",
        """
        CREATE TABLE function_settings (
            function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
            qualifier TEXT NOT NULL,                     -- '$LATEST' or a version
            kind TEXT NOT NULL,                          -- 'recursion' | 'runtime-management' | 'scaling'
            value TEXT NOT NULL,                         -- JSON
            PRIMARY KEY (function_name, qualifier, kind)
        );
        """,
    ),
]


def _read(plane: ControlPlane, name: str, qualifier: str, kind: str) -> dict[str, Any] | None:
    plane.store.ensure_schema("lambda.function_settings", SCHEMA)
    row = plane.store.read_one(
        "SELECT value FROM function_settings WHERE function_name = ? AND qualifier = ? AND kind = ?",
        (name, qualifier, kind),
    )
    return json.loads(row[0]) if row else None


def _write(plane: ControlPlane, name: str, qualifier: str, kind: str, value: dict[str, Any]) -> None:
    plane.store.ensure_schema("lambda.function_settings", SCHEMA)
    with plane.store.write() as conn:
        conn.execute(
            "INSERT INTO function_settings (function_name, qualifier, kind, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (function_name, qualifier, kind) DO UPDATE SET value = excluded.value",
            (name, qualifier, kind, json.dumps(value)),
        )


def _version_target(plane: ControlPlane, params: dict[str, Any]) -> tuple[str, str]:
    """(function name, '$LATEST' or a published version) for the operations that take no alias."""
    ref, qualifier = parse_target(plane, params)
    version = qualifier or LATEST
    if version != LATEST and not version.isdigit():
        raise errors.InvalidParameterValueException("The qualifier must be $LATEST or a published version number.")
    require_function(plane, ref, version)
    return ref.name, version


@operation("PutFunctionRecursionConfig")
def put_function_recursion_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    validate.check_enum(params["RecursiveLoop"], "recursiveLoop", RECURSIVE_LOOP)
    ref, _ = parse_target(plane, params)
    require_function(plane, ref)
    _write(plane, ref.name, LATEST, "recursion", {"RecursiveLoop": params["RecursiveLoop"]})
    return {"RecursiveLoop": params["RecursiveLoop"]}


@operation("GetFunctionRecursionConfig")
def get_function_recursion_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """Terminate until set (recorded: ``get_recursion_default_terminate_response``)."""
    ref, _ = parse_target(plane, params)
    require_function(plane, ref)
    return _read(plane, ref.name, LATEST, "recursion") or {"RecursiveLoop": "Terminate"}


@operation("PutRuntimeManagementConfig")
def put_runtime_management_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    mode = params["UpdateRuntimeOn"]
    validate.check_enum(mode, "updateRuntimeOn", UPDATE_RUNTIME_ON)
    arn = params.get("RuntimeVersionArn")
    if mode == "Manual" and not arn:
        raise errors.InvalidParameterValueException("RuntimeVersionArn must be provided when UpdateRuntimeOn is Manual.")
    if mode != "Manual" and arn:
        raise errors.InvalidParameterValueException("RuntimeVersionArn can only be provided when UpdateRuntimeOn is Manual.")
    name, version = _version_target(plane, params)
    value = {"UpdateRuntimeOn": mode, **({"RuntimeVersionArn": arn} if arn else {})}
    _write(plane, name, version, "runtime-management", value)
    return {"UpdateRuntimeOn": mode, "FunctionArn": plane.settings.function_arn(name, version),
            **({"RuntimeVersionArn": arn} if arn else {})}  # fmt: skip


@operation("GetRuntimeManagementConfig")
def get_runtime_management_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, version = _version_target(plane, params)
    value = _read(plane, name, version, "runtime-management") or {"UpdateRuntimeOn": "Auto"}
    return {**value, "FunctionArn": plane.settings.function_arn(name, version if params.get("Qualifier") else None)}


PUBLISHED_QUALIFIER_PATTERN = r"(\$LATEST\.PUBLISHED|[0-9]+)"
SCALING_LIMIT = 15000  # FunctionScalingConfigExecutionEnvironments: 0..15000


def _published_version(plane: ControlPlane, params: dict[str, Any]) -> tuple[str, str]:
    """(function name, version) of a scaling-config call: a published version number, or
    ``$LATEST.PUBLISHED`` for the newest one (the model's PublishedFunctionQualifier)."""
    ref = validate.parse_function_name(params["FunctionName"], plane.settings, namespaced=False)
    qualifier = params["Qualifier"]
    if not re.fullmatch(PUBLISHED_QUALIFIER_PATTERN, qualifier):
        raise errors.validation_error(
            qualifier, "qualifier", f"Member must satisfy regular expression pattern: {PUBLISHED_QUALIFIER_PATTERN}"
        )
    version = qualifier
    if qualifier == "$LATEST.PUBLISHED":
        row = plane.store.read_one(
            "SELECT MAX(CAST(version AS INTEGER)) AS newest FROM versions WHERE function_name = ? AND version != ?",
            (ref.name, LATEST),
        )
        if row is None or row["newest"] is None:
            raise function_not_found(plane, ref.name, qualifier)
        version = str(row["newest"])
    require_function(plane, ref, version)
    return ref.name, version


@operation("PutFunctionScalingConfig")
def put_function_scaling_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """Store the requested environment bounds of a published version (API reference:
    PutFunctionScalingConfig; no AWS recording exists). Answers the version's State."""
    config = params.get("FunctionScalingConfig") or {}
    low, high = config.get("MinExecutionEnvironments"), config.get("MaxExecutionEnvironments")
    validate.check_range(low, "functionScalingConfig.minExecutionEnvironments", 0, SCALING_LIMIT)
    validate.check_range(high, "functionScalingConfig.maxExecutionEnvironments", 0, SCALING_LIMIT)
    if low is not None and high is not None and low > high:
        raise errors.InvalidParameterValueException(
            "MinExecutionEnvironments must be less than or equal to MaxExecutionEnvironments."
        )
    name, version = _published_version(plane, params)
    value = {key: config[key] for key in ("MinExecutionEnvironments", "MaxExecutionEnvironments") if key in config}
    _write(plane, name, version, "scaling", value)
    return {"FunctionState": "Active"}


@operation("GetFunctionScalingConfig")
def get_function_scaling_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """The stored bounds, requested and applied alike (a local change applies at once); a version
    never configured answers its ARN alone."""
    name, version = _published_version(plane, params)
    out: dict[str, Any] = {"FunctionArn": plane.settings.function_arn(name, version)}
    value = _read(plane, name, version, "scaling")
    if value is not None:
        out["AppliedFunctionScalingConfig"] = value
        out["RequestedFunctionScalingConfig"] = value
    return out


@operation("InvokeAsync")
def invoke_async(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """The deprecated asynchronous invoke: an Event invocation answering ``{"Status": 202}``."""
    plane.call("Invoke", {"FunctionName": params["FunctionName"], "InvocationType": "Event",
                          "Payload": params["InvokeArgs"]})  # fmt: skip
    return {"Status": 202}
