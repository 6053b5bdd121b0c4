"""Event invoke config (async settings): put-, update-, get-, delete- and list-function-event-invoke-config(s).

One config per (function, qualifier); an unqualified call means ``$LATEST``. Put
replaces every setting, Update merges into the stored ones.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from lambdactl import errors
from lambdactl.control import paging
from lambdactl.control.aliases import resolve
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import LATEST, function_exists, parse_target
from lambdactl.model import validate

SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
NO_FUNCTION = "The function doesn't exist."
DESTINATION_PATTERN = (
    r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
    r"([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)


def _target(plane: ControlPlane, params: dict[str, Any], *, writing: bool = True) -> tuple[str, str]:
    """(function name, qualifier) of the call; 404 when the function or the qualifier does not exist:
    "The function doesn't exist." for put/update, "... doesn't have an EventInvokeConfig" for get/delete
    (recorded: test_lambda_eventinvokeconfig_exceptions, test_ops_on_nonexisting_fn)."""
    ref, qualifier = parse_target(plane, params)
    qualifier = qualifier or LATEST
    try:
        resolve(plane, ref.name, qualifier)
    except errors.ResourceNotFoundException:
        raise (errors.ResourceNotFoundException(NO_FUNCTION) if writing else _no_config(plane, ref.name, qualifier)) from None
    return ref.name, qualifier


def _require_settings(params: dict[str, Any]) -> None:
    """A put/update without any setting is refused before the function is looked up (recorded:
    test_lambda_eventinvokeconfig_exceptions put_functionname_nootherargs, 400 for a missing function)."""
    if all(params.get(key) is None for key in SETTINGS):
        raise errors.InvalidParameterValueException(
            "You must specify at least one of error handling or destination setting."
        )


def _check(plane: ControlPlane, name: str, params: dict[str, Any]) -> None:
    from lambdactl.control.destinations import check_destination

    validate.check_range(params.get("MaximumRetryAttempts"), "maximumRetryAttempts", 0, 2)
    validate.check_range(params.get("MaximumEventAgeInSeconds"), "maximumEventAgeInSeconds", 60, 21600)
    for kind in ("OnSuccess", "OnFailure"):
        arn = ((params.get("DestinationConfig") or {}).get(kind) or {}).get("Destination")
        if arn is None:
            continue
        field = f"destinationConfig.{kind[0].lower()}{kind[1:]}.destination"
        validate.check_length(arn, field, 350)
        if not re.fullmatch(DESTINATION_PATTERN, arn):
            raise errors.validation_error(arn, field, f"Member must satisfy regular expression pattern: {DESTINATION_PATTERN}")
        check_destination(arn)
        if ":function:" in arn:
            target = _destination_function(plane, arn)
            if target == name:
                raise errors.InvalidParameterValueException("You can't specify the function as a destination for itself.")
            if target is None or not function_exists(plane, target):
                # recorded: test_lambda_eventinvokeconfig_exceptions put_destination_lambda_doesntexist
                raise errors.InvalidParameterValueException(f"The destination ARN {arn} is invalid.")


def _destination_function(plane: ControlPlane, arn: str) -> str | None:
    try:
        return validate.parse_function_name(arn, plane.settings).name
    except errors.ServiceError:
        return None


def _shown(plane: ControlPlane, name: str, qualifier: str, config: dict[str, Any], last_modified: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LastModified": round(last_modified, 3),
        "FunctionArn": plane.settings.function_arn(name, qualifier),
    }
    for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        if config.get(key) is not None:
            out[key] = config[key]
    destinations = config.get("DestinationConfig") or {}
    out["DestinationConfig"] = {kind: destinations.get(kind) or {} for kind in ("OnSuccess", "OnFailure")}
    return out


def _save(plane: ControlPlane, name: str, qualifier: str, params: dict[str, Any], *, merge: bool) -> dict[str, Any]:
    _check(plane, name, params)
    now = time.time()
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT config FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?", (name, qualifier)
        ).fetchone()
        if merge and row is None:
            raise _no_config(plane, name, qualifier)
        config = json.loads(row[0]) if merge and row else {}
        for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
            if params.get(key) is not None:
                config[key] = params[key]
        if params.get("DestinationConfig") is not None:
            merged = dict(config.get("DestinationConfig") or {})
            merged.update({kind: value for kind, value in params["DestinationConfig"].items() if value is not None})
            config["DestinationConfig"] = merged
        conn.execute(
            "INSERT OR REPLACE INTO event_invoke_configs (function_name, qualifier, config, last_modified) "
            "VALUES (?, ?, ?, ?)",
            (name, qualifier, json.dumps(config), now),
        )
    return _shown(plane, name, qualifier, config, now)


def _no_config(plane: ControlPlane, name: str, qualifier: str) -> errors.ServiceError:
    return errors.ResourceNotFoundException(
        f"The function {plane.settings.function_arn(name, qualifier)} doesn't have an EventInvokeConfig"
    )


def settings_for(plane: ControlPlane, name: str, qualifier: str | None) -> dict[str, Any]:
    """The stored async settings that apply to an invocation of ``name[:qualifier]`` (empty when none)."""
    row = plane.store.read_one(
        "SELECT config FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?", (name, qualifier or LATEST)
    )
    return json.loads(row["config"]) if row else {}


@operation("PutFunctionEventInvokeConfig")
def put_function_event_invoke_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _require_settings(params)
    name, qualifier = _target(plane, params)
    return _save(plane, name, qualifier, params, merge=False)


@operation("UpdateFunctionEventInvokeConfig")
def update_function_event_invoke_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _require_settings(params)
    name, qualifier = _target(plane, params)
    return _save(plane, name, qualifier, params, merge=True)


@operation("GetFunctionEventInvokeConfig")
def get_function_event_invoke_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = _target(plane, params, writing=False)
    row = plane.store.read_one(
        "SELECT config, last_modified FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?",
        (name, qualifier),
    )
    if row is None:
        raise _no_config(plane, name, qualifier)
    return _shown(plane, name, qualifier, json.loads(row["config"]), row["last_modified"])


@operation("DeleteFunctionEventInvokeConfig")
def delete_function_event_invoke_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = _target(plane, params, writing=False)
    with plane.store.write() as conn:
        deleted = conn.execute(
            "DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?", (name, qualifier)
        ).rowcount
    if not deleted:
        raise _no_config(plane, name, qualifier)
    return {}


@operation("ListFunctionEventInvokeConfigs")
def list_function_event_invoke_configs(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref = validate.parse_function_name(params["FunctionName"], plane.settings)
    if not function_exists(plane, ref.name):
        raise errors.ResourceNotFoundException(NO_FUNCTION)
    limit = paging.limit(params)
    after = paging.decode_marker(params.get("Marker"))
    rows = plane.store.read(
        "SELECT qualifier, config, last_modified FROM event_invoke_configs WHERE function_name = ? AND qualifier > ? "
        "ORDER BY qualifier LIMIT ?",
        (ref.name, after, limit + 1),
    )
    rows, next_marker = paging.page(rows, limit, key=lambda row: paging.encode_marker(row["qualifier"]))
    configs = [_shown(plane, ref.name, row["qualifier"], json.loads(row["config"]), row["last_modified"]) for row in rows]
    return paging.listing("FunctionEventInvokeConfigs", configs, next_marker)
