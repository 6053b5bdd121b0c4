"""Code signing configurations and which function uses one (stored and checked, not enforced: lambdactl
has no AWS Signer, so deployments are never refused for an unsigned package).

Shapes, status codes and messages follow the responses recorded from AWS in LocalStack's
``tests/aws/services/lambda_/test_lambda_api.snapshot.json`` (``TestCodeSigningConfig``).
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from lambdactl import errors
from lambdactl.control import paging, tags
from lambdactl.control.records import now_lambda, parse_target, require_function
from lambdactl.model import validate
from lambdactl.plane import ControlPlane, operation

CodeSigningConfigNotFoundException = errors.service_error("CodeSigningConfigNotFoundException", 404)
ARN_PATTERN = (
    r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}"
)
DEFAULT_POLICIES = {"UntrustedArtifactOnDeployment": "Warn"}
_ID_ALPHABET = string.ascii_lowercase + string.digits

SCHEMA = [
    (
        "code_signing_configs",
        """
        CREATE TABLE code_signing_configs (
            arn TEXT PRIMARY KEY,
            config TEXT NOT NULL                        -- the CodeSigningConfig shape as JSON
        );
        CREATE TABLE function_code_signing (
            function_name TEXT PRIMARY KEY REFERENCES functions(name) ON DELETE CASCADE,
            config_arn TEXT NOT NULL REFERENCES code_signing_configs(arn)
        );
        """,
    ),
]


def _store(plane: ControlPlane) -> Any:
    plane.store.ensure_schema("lambda.code_signing", SCHEMA)
    return plane.store


def _not_found(arn: str) -> errors.ServiceError:
    return errors.ResourceNotFoundException(f"The Lambda code signing configuration {arn} can not be found.")


def _load(plane: ControlPlane, arn: str) -> dict[str, Any]:
    row = _store(plane).read_one("SELECT config FROM code_signing_configs WHERE arn = ?", (arn,))
    if row is None:
        raise _not_found(arn)
    return json.loads(row[0])


def _check_policies(policies: dict[str, Any] | None) -> None:
    if policies:
        validate.check_enum(policies.get("UntrustedArtifactOnDeployment"), "untrustedArtifactOnDeployment",
                            ["Warn", "Enforce"])  # fmt: skip


@operation("CreateCodeSigningConfig")
def create_code_signing_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _check_policies(params.get("CodeSigningPolicies"))
    config_id = "csc-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(17))
    settings = plane.settings
    config = {
        "CodeSigningConfigId": config_id,
        "CodeSigningConfigArn": f"arn:aws:lambda:{settings.region}:{settings.account_id}:code-signing-config:{config_id}",
        "Description": params.get("Description", ""),
        "AllowedPublishers": params["AllowedPublishers"],
        "CodeSigningPolicies": params.get("CodeSigningPolicies") or dict(DEFAULT_POLICIES),
        "LastModified": now_lambda(),
    }
    store = _store(plane)
    tags.ensure_tables(plane)
    with store.write() as conn:
        conn.execute("INSERT INTO code_signing_configs (arn, config) VALUES (?, ?)",
                     (config["CodeSigningConfigArn"], json.dumps(config)))  # fmt: skip
        tags.tag_new_resource(conn, config["CodeSigningConfigArn"], params.get("Tags"))
    return {"CodeSigningConfig": config}


def config_exists(plane: ControlPlane, arn: str) -> bool:
    return _store(plane).read_one("SELECT 1 FROM code_signing_configs WHERE arn = ?", (arn,)) is not None


@operation("GetCodeSigningConfig")
def get_code_signing_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return {"CodeSigningConfig": _load(plane, params["CodeSigningConfigArn"])}


@operation("UpdateCodeSigningConfig")
def update_code_signing_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """Only the members given change; with none, the configuration comes back unchanged (recorded)."""
    arn = params["CodeSigningConfigArn"]
    _check_policies(params.get("CodeSigningPolicies"))
    with _store(plane).write() as conn:
        row = conn.execute("SELECT config FROM code_signing_configs WHERE arn = ?", (arn,)).fetchone()
        if row is None:
            raise _not_found(arn)
        config = json.loads(row[0])
        changes = {key: params[key] for key in ("Description", "AllowedPublishers", "CodeSigningPolicies") if key in params}
        if changes:
            config.update(changes, LastModified=now_lambda())
            conn.execute("UPDATE code_signing_configs SET config = ? WHERE arn = ?", (json.dumps(config), arn))
    return {"CodeSigningConfig": config}


@operation("DeleteCodeSigningConfig")
def delete_code_signing_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["CodeSigningConfigArn"]
    store = _store(plane)
    tags.ensure_tables(plane)
    with store.write() as conn:
        if conn.execute("SELECT 1 FROM code_signing_configs WHERE arn = ?", (arn,)).fetchone() is None:
            raise _not_found(arn)
        if conn.execute("SELECT 1 FROM function_code_signing WHERE config_arn = ? LIMIT 1", (arn,)).fetchone():
            raise errors.ResourceConflictException(
                f"The code signing configuration {arn} is in use by one or more functions. "
                "Remove it from them with DeleteFunctionCodeSigningConfig first."
            )
        conn.execute("DELETE FROM code_signing_configs WHERE arn = ?", (arn,))
        tags.forget(conn, arn)
    return {}


@operation("ListCodeSigningConfigs")
def list_code_signing_configs(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    size = paging.limit(params, maximum=10000)
    after = paging.decode_marker(params.get("Marker"))
    rows = _store(plane).read("SELECT arn, config FROM code_signing_configs WHERE arn > ? ORDER BY arn", (after,))
    shown, last = paging.page(rows, size, key=lambda row: row["arn"])
    marker = paging.encode_marker(last) if last else None
    return paging.listing("CodeSigningConfigs", [json.loads(row["config"]) for row in shown], marker)


@operation("ListFunctionsByCodeSigningConfig")
def list_functions_by_code_signing_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["CodeSigningConfigArn"]
    _load(plane, arn)
    size = paging.limit(params, maximum=10000)
    after = paging.decode_marker(params.get("Marker"))
    rows = _store(plane).read(
        "SELECT function_name FROM function_code_signing WHERE config_arn = ? AND function_name > ? "
        "ORDER BY function_name",
        (arn, after),
    )
    shown, last = paging.page(rows, size, key=lambda row: row["function_name"])
    arns = [plane.settings.function_arn(row["function_name"]) for row in shown]
    return paging.listing("FunctionArns", arns, paging.encode_marker(last) if last else None)


@operation("PutFunctionCodeSigningConfig")
def put_function_code_signing_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["CodeSigningConfigArn"]
    ref, _ = parse_target(plane, params)
    require_config(plane, arn)  # checked first (recorded)
    require_function(plane, ref)
    attach(plane, ref.name, arn)
    return {"CodeSigningConfigArn": arn, "FunctionName": ref.name}


def require_config(plane: ControlPlane, arn: str) -> None:
    """A configuration a function is to use must exist (recorded: test_code_signing_not_found_excs)."""
    if not config_exists(plane, arn):
        raise CodeSigningConfigNotFoundException(
            f"The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."
        )


def attach(plane: ControlPlane, function_name: str, arn: str) -> None:
    """Link a function to a configuration (PutFunctionCodeSigningConfig, CreateFunction's CodeSigningConfigArn)."""
    with _store(plane).write() as conn:
        conn.execute(
            "INSERT INTO function_code_signing (function_name, config_arn) VALUES (?, ?) "
            "ON CONFLICT (function_name) DO UPDATE SET config_arn = excluded.config_arn",
            (function_name, arn),
        )


@operation("GetFunctionCodeSigningConfig")
def get_function_code_signing_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """A function without one answers 200 with an empty body (recorded: ``get_function_csc_fnwithoutcsc``)."""
    ref, _ = parse_target(plane, params)
    require_function(plane, ref)
    row = _store(plane).read_one("SELECT config_arn FROM function_code_signing WHERE function_name = ?", (ref.name,))
    return {"CodeSigningConfigArn": row[0], "FunctionName": ref.name} if row else {}


@operation("DeleteFunctionCodeSigningConfig")
def delete_function_code_signing_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref, _ = parse_target(plane, params)
    require_function(plane, ref)
    with _store(plane).write() as conn:
        conn.execute("DELETE FROM function_code_signing WHERE function_name = ?", (ref.name,))
    return {}
