"""Layers: versioned zips shared by functions, their permissions, and what functions see of them.

Layer zips live in the same content-addressed code store as function code. A function's
config keeps the SHAs of its layers (``_LayerShas``), so deleting a layer version never
breaks a function that uses it (as in Lambda).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lambdactl import errors
from lambdactl.control import paging
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.policies import (
    add_statement,
    check_pattern,
    document,
    dumps,
    principal,
    remove_statement,
)
from lambdactl.control.records import new_revision, now_lambda
from lambdactl.model import validate
from lambdactl.control.code_links import location
from lambdactl.state.blobs import check_zip, code_sha256

MAX_LAYERS = 5
NOT_FOUND = "The resource you requested does not exist."
LAYER_NAME_PATTERN = r"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
LAYER_VERSION_ARN_PATTERN = r"arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+"
_LAYER_ARN_RE = re.compile(
    r"arn:[a-zA-Z0-9-]+:lambda:(?P<region>[a-zA-Z0-9-]+):(?P<account>\d{12}):layer:(?P<name>[a-zA-Z0-9-_]+)"
    r"(:(?P<version>[0-9]+))?"
)
RUNTIMES = [*validate.ACCEPTED_RUNTIMES, *sorted(validate.RETIRED_RUNTIMES)]
ARCHITECTURES = ["x86_64", "arm64"]


def layer_arn(plane: ControlPlane, name: str, version: int | None = None) -> str:
    arn = f"arn:aws:lambda:{plane.settings.region}:{plane.settings.account_id}:layer:{name}"
    return f"{arn}:{version}" if version is not None else arn


def _is_local(plane: ControlPlane, match: re.Match[str]) -> bool:
    return match.group("region") == plane.settings.region and match.group("account") == plane.settings.account_id


def _layer_name(plane: ControlPlane, value: str) -> str | None:
    """The local layer a LayerName (name or layer ARN) means; None for another account's or region's."""
    if len(value) > 140 or not re.fullmatch(LAYER_NAME_PATTERN, value):
        raise errors.validation_error(
            value, "layerName", f"Member must satisfy regular expression pattern: {LAYER_NAME_PATTERN}"
        )
    match = _LAYER_ARN_RE.fullmatch(value)
    if match is None:
        return value
    return match.group("name") if _is_local(plane, match) else None


def _load(plane: ControlPlane, name: str | None, version: int) -> dict[str, Any] | None:
    if name is None:
        return None
    row = plane.store.read_one(
        "SELECT config FROM layer_versions WHERE layer_name = ? AND version = ?", (name, int(version))
    )
    return json.loads(row["config"]) if row else None


def _require(plane: ControlPlane, params: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
    name, version = _layer_name(plane, params["LayerName"]), int(params["VersionNumber"])
    if version < 1:  # recorded: test_layer_exceptions get_layer_version_exc_layer_version_doesnotexist_negative
        raise errors.InvalidParameterValueException("Layer Version Cannot be less than 1")
    config = _load(plane, name, version)
    if name is None or config is None:
        raise errors.ResourceNotFoundException(NOT_FOUND)
    return name, version, config


def _shown(plane: ControlPlane, name: str, config: dict[str, Any], *, content: bool = True) -> dict[str, Any]:
    """GetLayerVersionResponse, or a LayerVersionsListItem without ``content``."""
    out: dict[str, Any] = {}
    if content:
        out["Content"] = {
            "Location": location(plane, config["_CodeSha"]),
            "CodeSha256": config["CodeSha256"],
            "CodeSize": config["CodeSize"],
        }
        out["LayerArn"] = layer_arn(plane, name)
    out["LayerVersionArn"] = layer_arn(plane, name, config["Version"])
    if content:
        out.update(Description=config["Description"], CreatedDate=config["CreatedDate"], Version=config["Version"])
    else:
        out.update(Version=config["Version"], Description=config["Description"], CreatedDate=config["CreatedDate"])
    for key in ("CompatibleRuntimes", "LicenseInfo", "CompatibleArchitectures"):
        if config.get(key) is not None:
            out[key] = config[key]
    return out


def _check_publish(params: dict[str, Any]) -> None:
    validate.check_length(params.get("Description"), "description", 256)
    validate.check_length(params.get("LicenseInfo"), "licenseInfo", 512)
    for field, values, allowed, limit in (
        ("compatibleRuntimes", params.get("CompatibleRuntimes"), RUNTIMES, 15),
        ("compatibleArchitectures", params.get("CompatibleArchitectures"), ARCHITECTURES, 2),
    ):
        if values is None:
            continue
        if len(values) > limit:
            raise errors.validation_error(
                f"[{', '.join(values)}]", field, f"Member must have length less than or equal to {limit}"
            )
        for value in values:
            if value not in allowed:
                raise errors.validation_error(
                    f"[{', '.join(values)}]", field,
                    f"Member must satisfy constraint: [Member must satisfy enum value set: [{', '.join(allowed)}]]",
                )


@operation("PublishLayerVersion")
def publish_layer_version(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _layer_name(plane, params["LayerName"])
    if name is None:
        raise errors.InvalidParameterValueException(
            f"Layers can only be published in this account and region: {params['LayerName']}"
        )
    _check_publish(params)
    content = params.get("Content") or {}
    data = content.get("ZipFile")
    from_s3 = data is None and bool(content.get("S3Bucket") or content.get("S3Key"))
    if from_s3:
        from lambdactl.control.s3_code import read_package

        data = read_package(plane, content)
    if data is None:
        raise errors.InvalidParameterValueException("Please provide a source for the layer content.")
    check_zip(data, direct=not from_s3)
    sha_hex = plane.code.put(data)
    config: dict[str, Any] = {
        "Description": params.get("Description") or "",
        "CreatedDate": now_lambda(),
        "CompatibleRuntimes": params.get("CompatibleRuntimes"),
        "LicenseInfo": params.get("LicenseInfo"),
        "CompatibleArchitectures": params.get("CompatibleArchitectures"),
        "CodeSha256": code_sha256(data)[1],
        "CodeSize": len(data),
        "_CodeSha": sha_hex,
    }
    with plane.store.write() as conn:
        conn.execute("INSERT OR IGNORE INTO layers (name) VALUES (?)", (name,))
        conn.execute("UPDATE layers SET last_version = last_version + 1 WHERE name = ?", (name,))
        config["Version"] = conn.execute("SELECT last_version FROM layers WHERE name = ?", (name,)).fetchone()[0]
        conn.execute(
            "INSERT INTO layer_versions (layer_name, version, config, code_sha) VALUES (?, ?, ?, ?)",
            (name, config["Version"], json.dumps(config), sha_hex),
        )
    return _shown(plane, name, config)


@operation("GetLayerVersion")
def get_layer_version(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, _, config = _require(plane, params)
    return _shown(plane, name, config)


def _parse_version_arn(value: str, field: str) -> re.Match[str]:
    match = _LAYER_ARN_RE.fullmatch(value)
    if len(value) > 140 or match is None or match.group("version") is None:
        raise errors.validation_error(
            value, field, f"Member must satisfy regular expression pattern: {LAYER_VERSION_ARN_PATTERN}"
        )
    return match


@operation("GetLayerVersionByArn")
def get_layer_version_by_arn(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    match = _parse_version_arn(params["Arn"], "arn")
    name = match.group("name") if _is_local(plane, match) else None
    config = _load(plane, name, int(match.group("version")))
    if name is None or config is None:
        raise errors.ResourceNotFoundException(NOT_FOUND)
    return _shown(plane, name, config)


def _matching(configs: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    runtime, architecture = params.get("CompatibleRuntime"), params.get("CompatibleArchitecture")
    validate.check_enum(runtime, "compatibleRuntime", RUNTIMES)
    validate.check_enum(architecture, "compatibleArchitecture", ARCHITECTURES)
    return [
        config
        for config in configs
        if (runtime is None or runtime in (config.get("CompatibleRuntimes") or []))
        and (architecture is None or architecture in (config.get("CompatibleArchitectures") or []))
    ]


@operation("ListLayers")
def list_layers(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    limit = paging.limit(params)
    rows = plane.store.read(
        "SELECT layer_name, config FROM layer_versions WHERE layer_name > ? ORDER BY layer_name, version DESC",
        (params.get("Marker") or "",),
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["layer_name"] not in latest and _matching([json.loads(row["config"])], params):
            latest[row["layer_name"]] = json.loads(row["config"])
    names, next_marker = paging.page(list(latest), limit, key=lambda name: name)
    layers = [
        {
            "LayerName": name,
            "LayerArn": layer_arn(plane, name),
            "LatestMatchingVersion": _shown(plane, name, latest[name], content=False),
        }
        for name in names
    ]
    return paging.listing("Layers", layers, next_marker)


@operation("ListLayerVersions")
def list_layer_versions(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    limit = paging.limit(params)
    name = _layer_name(plane, params["LayerName"])
    marker = params.get("Marker")
    if marker and not marker.isdigit():
        raise paging.invalid_marker(marker)
    rows = plane.store.read(
        "SELECT config FROM layer_versions WHERE layer_name = ? AND version < ? ORDER BY version DESC",
        (name, int(marker) if marker else 2**62),
    )
    configs, next_marker = paging.page(
        _matching([json.loads(row["config"]) for row in rows], params), limit, key=lambda config: str(config["Version"])
    )
    versions = [_shown(plane, name, config, content=False) for config in configs]  # type: ignore[arg-type]
    return paging.listing("LayerVersions", versions, next_marker)


@operation("DeleteLayerVersion")
def delete_layer_version(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _layer_name(plane, params["LayerName"])
    with plane.store.write() as conn:
        conn.execute(
            "DELETE FROM layer_versions WHERE layer_name = ? AND version = ?", (name, int(params["VersionNumber"]))
        )
    plane.code.collect_garbage(referenced_code(plane))
    return {}


def _check_layer_revision(revision_id: str | None, current: str | None) -> None:
    if revision_id is not None and revision_id != current:
        raise errors.PreconditionFailedException(
            "The Revision Id provided does not match the latest Revision Id. "
            "Call the GetLayerPolicy API to retrieve the latest Revision Id"
        )


def _policy_change(plane: ControlPlane, params: dict[str, Any], edit: Any) -> dict[str, Any]:
    """Read-modify-write a layer version's policy; ``edit(statements) -> statements``."""
    name, version, _ = _require(plane, params)
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT policy FROM layer_versions WHERE layer_name = ? AND version = ?", (name, version)
        ).fetchone()
        if row is None:
            raise errors.ResourceNotFoundException(NOT_FOUND)
        policy = json.loads(row[0]) if row[0] else {"Statement": [], "RevisionId": None}
        _check_layer_revision(params.get("RevisionId"), policy["RevisionId"])
        policy["Statement"] = edit(policy["Statement"])
        policy["RevisionId"] = new_revision()
        conn.execute(
            "UPDATE layer_versions SET policy = ? WHERE layer_name = ? AND version = ?",
            (json.dumps(policy) if policy["Statement"] else None, name, version),
        )
    return policy


@operation("AddLayerVersionPermission")
def add_layer_version_permission(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    check_pattern(params["StatementId"], "statementId", r"([a-zA-Z0-9-_]+)")
    check_pattern(params["Action"], "action", "lambda:GetLayerVersion")
    check_pattern(params["Principal"], "principal", r"\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root")
    check_pattern(params.get("OrganizationId"), "organizationId", r"o-[a-z0-9]{10,32}")
    name = _layer_name(plane, params["LayerName"])
    version = int(params["VersionNumber"])
    if name is None or _load(plane, name, version) is None:
        arn = layer_arn(plane, name or params["LayerName"], version)
        raise errors.ResourceNotFoundException(f"Layer version {arn} does not exist.")
    statement: dict[str, Any] = {
        "Sid": params["StatementId"],
        "Effect": "Allow",
        "Principal": principal(params["Principal"], plane.settings.account_id),
        "Action": params["Action"],
        "Resource": layer_arn(plane, name, version),
    }
    if params.get("OrganizationId"):
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": params["OrganizationId"]}}

    def edit(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        add_statement(statements, statement)
        return statements

    policy = _policy_change(plane, params, edit)
    return {"Statement": dumps(statement), "RevisionId": policy["RevisionId"]}


@operation("GetLayerVersionPolicy")
def get_layer_version_policy(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, version, _ = _require(plane, params)
    row = plane.store.read_one(
        "SELECT policy FROM layer_versions WHERE layer_name = ? AND version = ?", (name, version)
    )
    if row is None or not row["policy"]:
        raise errors.ResourceNotFoundException("No policy is associated with the given resource.")
    policy = json.loads(row["policy"])
    return {"Policy": document(policy["Statement"]), "RevisionId": policy["RevisionId"]}


@operation("RemoveLayerVersionPermission")
def remove_layer_version_permission(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    def edit(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not statements:
            raise errors.ResourceNotFoundException("No policy is associated with the given resource.")
        return remove_statement(statements, params["StatementId"])

    _policy_change(plane, params, edit)
    return {}


# -- what functions see of layers ------------------------------------------------------


def layer_fields(plane: ControlPlane, arns: list[str]) -> dict[str, Any]:
    """Config fields for a function's ``Layers`` parameter: ``Layers`` [{Arn, CodeSize}] and ``_LayerShas``."""
    if len(arns) > MAX_LAYERS:
        raise errors.InvalidParameterValueException("Cannot reference more than 5 layers.")
    if not arns:
        return {}
    layers, shas = [], []
    seen: dict[str, str] = {}  # layer ARN -> the version ARN that named it first
    for arn in arns:
        match = _parse_version_arn(arn, "layers")
        layer = arn.rsplit(":", 1)[0]
        if layer in seen:  # recorded: test_layer_function_exceptions two_(identical_)layer_versions_single_function_exc
            raise errors.InvalidParameterValueException(
                "Two different versions of the same layer are not allowed to be referenced in the same function. "
                f"{seen[layer]} and {arn} are versions of the same layer."
            )
        seen[layer] = arn
        config = _load(plane, match.group("name"), int(match.group("version"))) if _is_local(plane, match) else None
        if config is None:
            raise errors.InvalidParameterValueException(f"Layer version {arn} does not exist.")
        layers.append({"Arn": arn, "CodeSize": config["CodeSize"]})
        shas.append(config["_CodeSha"])
    return {"Layers": layers, "_LayerShas": shas}


def opt_dir(plane: ControlPlane, config: dict[str, Any]) -> Path | None:
    """The function's layers merged into one read-only /opt-like directory (built once per ordered set)."""
    shas = config.get("_LayerShas") or []
    if not shas:
        return None
    return plane.code.merged(shas, plane.settings.state_dir / "cache" / "layers")


def referenced_code(plane: ControlPlane) -> set[str]:
    """Every zip the code store must keep: function versions' code, layer versions, layers functions use."""
    rows = plane.store.read(
        "SELECT code_sha FROM versions WHERE code_sha IS NOT NULL "
        "UNION SELECT code_sha FROM layer_versions "
        "UNION SELECT j.value FROM versions, json_each(versions.config, '$._LayerShas') AS j"
    )
    return {row[0] for row in rows}
