"""Function URLs: create-, get-, update-, delete-function-url-config and list-function-url-configs.

A URL belongs to the unqualified function ($LATEST) or an alias. Locally its address is
``<server>/lambda-url/<url-id>/`` (``control/url_requests.py`` answers it): under ``serve`` the
server's own URL, otherwise ``http://127.0.0.1:3001`` (serve's default port).
The URL id (32 ``[a-z0-9]``, as Lambda's host label) is stable for the life of the config.
"""

from __future__ import annotations

import json
import secrets
import string
from datetime import datetime, timezone
from typing import Any

from lambdactl import errors
from lambdactl.control import aliases, paging
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import LATEST, function_exists, parse_target
from lambdactl.model import validate

URL_PREFIX = "/lambda-url/"
DEFAULT_BASE = "http://127.0.0.1:3001"
AUTH_TYPES = ["AWS_IAM", "NONE"]
INVOKE_MODES = ["BUFFERED", "RESPONSE_STREAM"]
NO_FUNCTION = "Function does not exist"
NO_RESOURCE = "The resource you requested does not exist."
URL_QUALIFIER_PATTERN = r"((?!^\d+$)^[0-9a-zA-Z-_]+$)"
ALIAS_OR_LATEST_PATTERN = r"(^\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))"
_ID_ALPHABET = string.ascii_lowercase + string.digits


def now_iso() -> str:
    """CreationTime / LastModifiedTime as Lambda spells them: ``2021-12-08T20:52:21.826545Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def base_url(plane: ControlPlane) -> str:
    """Where URLs are answered: the serving server's address, else serve's default one."""
    return (plane.settings.endpoint_url or DEFAULT_BASE).rstrip("/")


def _target(plane: ControlPlane, params: dict[str, Any]) -> tuple[str, str]:
    """(function name, '$LATEST' or alias) of a call; the qualifier must not be a version or $LATEST."""
    ref, qualifier = parse_target(plane, params, namespaced=False)
    if qualifier == LATEST:
        raise errors.validation_error(
            qualifier, "qualifier", f"Member must satisfy regular expression pattern: {URL_QUALIFIER_PATTERN}"
        )
    if qualifier is not None and qualifier.isdigit():
        raise errors.validation_error(
            qualifier, "qualifier", f"Member must satisfy regular expression pattern: {ALIAS_OR_LATEST_PATTERN}"
        )
    return ref.name, qualifier or LATEST


def _require_target(plane: ControlPlane, name: str, qualifier: str, message: str) -> None:
    if not function_exists(plane, name):
        raise errors.ResourceNotFoundException(message)
    if qualifier != LATEST and aliases.load_alias(plane, name, qualifier) is None:
        raise errors.ResourceNotFoundException(message)


def _check(params: dict[str, Any]) -> None:
    validate.check_enum(params.get("AuthType"), "authType", AUTH_TYPES)
    validate.check_enum(params.get("InvokeMode"), "invokeMode", INVOKE_MODES)
    validate.check_range((params.get("Cors") or {}).get("MaxAge"), "cors.maxAge", 0, 86400)


def _load(plane: ControlPlane, name: str, qualifier: str) -> tuple[str, dict[str, Any]] | None:
    row = plane.store.read_one(
        "SELECT url_id, config FROM function_urls WHERE function_name = ? AND qualifier = ?", (name, qualifier)
    )
    return (row["url_id"], json.loads(row["config"])) if row else None


def _shown(plane: ControlPlane, name: str, qualifier: str, url_id: str, config: dict[str, Any],
           *, modified: bool = True, mode: bool = True) -> dict[str, Any]:  # fmt: skip
    """A URL config as Lambda shows it. Create and update show InvokeMode only when the request set it
    (recorded: test_url_config_lifecycle url_creation / updated_url_config; get and list show it)."""
    out: dict[str, Any] = {
        "FunctionUrl": f"{base_url(plane)}{URL_PREFIX}{url_id}/",
        "FunctionArn": plane.settings.function_arn(name, None if qualifier == LATEST else qualifier),
        "AuthType": config["AuthType"],
    }
    if config.get("Cors") is not None:
        out["Cors"] = config["Cors"]
    out["CreationTime"] = config["CreationTime"]
    if modified:
        out["LastModifiedTime"] = config["LastModifiedTime"]
    if mode:
        out["InvokeMode"] = config["InvokeMode"]
    return out


def lookup(plane: ControlPlane, url_id: str) -> tuple[str, str, dict[str, Any]] | None:
    """(function name, qualifier, config) of a URL id, for serving it."""
    row = plane.store.read_one("SELECT function_name, qualifier, config FROM function_urls WHERE url_id = ?", (url_id,))
    return (row["function_name"], row["qualifier"], json.loads(row["config"])) if row else None


@operation("CreateFunctionUrlConfig")
def create_function_url_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = _target(plane, params)
    _check(params)
    _require_target(plane, name, qualifier, NO_FUNCTION)
    stamp = now_iso()
    config = {
        "AuthType": params["AuthType"],
        "Cors": params.get("Cors"),
        "InvokeMode": params.get("InvokeMode") or "BUFFERED",
        "CreationTime": stamp,
        "LastModifiedTime": stamp,
    }
    url_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(32))
    with plane.store.write() as conn:
        if conn.execute(
            "SELECT 1 FROM function_urls WHERE function_name = ? AND qualifier = ?", (name, qualifier)
        ).fetchone():
            arn = plane.settings.function_arn(name, None if qualifier == LATEST else qualifier)
            raise errors.ResourceConflictException(
                f"Failed to create function url config for [functionArn = {arn}]. Error message:  "
                "FunctionUrlConfig exists for this Lambda function"
            )
        conn.execute(
            "INSERT INTO function_urls (function_name, qualifier, url_id, config) VALUES (?, ?, ?, ?)",
            (name, qualifier, url_id, json.dumps(config)),
        )
    return _shown(plane, name, qualifier, url_id, config, modified=False, mode=params.get("InvokeMode") is not None)


@operation("GetFunctionUrlConfig")
def get_function_url_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = _target(plane, params)
    found = _load(plane, name, qualifier)
    if found is None:
        raise errors.ResourceNotFoundException(NO_RESOURCE)
    return _shown(plane, name, qualifier, *found)


@operation("UpdateFunctionUrlConfig")
def update_function_url_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = _target(plane, params)
    _check(params)
    _require_target(plane, name, qualifier, NO_FUNCTION)
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT url_id, config FROM function_urls WHERE function_name = ? AND qualifier = ?", (name, qualifier)
        ).fetchone()
        if row is None:
            raise errors.ResourceNotFoundException(NO_RESOURCE)
        config = json.loads(row["config"])
        config.update({key: params[key] for key in ("AuthType", "Cors", "InvokeMode") if params.get(key) is not None})
        config["LastModifiedTime"] = now_iso()
        conn.execute(
            "UPDATE function_urls SET config = ? WHERE function_name = ? AND qualifier = ?",
            (json.dumps(config), name, qualifier),
        )
    return _shown(plane, name, qualifier, row["url_id"], config, mode=params.get("InvokeMode") is not None)


@operation("DeleteFunctionUrlConfig")
def delete_function_url_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = _target(plane, params)
    with plane.store.write() as conn:
        if not conn.execute(
            "DELETE FROM function_urls WHERE function_name = ? AND qualifier = ?", (name, qualifier)
        ).rowcount:
            raise errors.ResourceNotFoundException(NO_RESOURCE)
    return {}


@operation("ListFunctionUrlConfigs")
def list_function_url_configs(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref = validate.parse_function_name(params["FunctionName"], plane.settings, namespaced=False)
    if not function_exists(plane, ref.name):
        raise errors.ResourceNotFoundException(NO_FUNCTION)
    limit = paging.limit(params)
    rows = plane.store.read(
        "SELECT qualifier, url_id, config FROM function_urls WHERE function_name = ? AND qualifier > ?"
        " ORDER BY qualifier LIMIT ?",
        (ref.name, params.get("Marker") or "", limit + 1),
    )
    rows, next_marker = paging.page(rows, limit, key=lambda row: row["qualifier"])
    items = [_shown(plane, ref.name, row["qualifier"], row["url_id"], json.loads(row["config"])) for row in rows]
    return paging.listing("FunctionUrlConfigs", items, next_marker)
