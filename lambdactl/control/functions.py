"""Functions: create, get, list, update code and configuration, delete."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from lambdactl import errors
from lambdactl.control import aliases, paging
from lambdactl.control.logs import logging_config
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import (
    LATEST,
    configuration,
    function_exists,
    function_not_found,
    load_version,
    new_revision,
    now_lambda,
    parse_target,
    require_function,
)
from lambdactl.model import validate

BACKENDS = ("subprocess", "docker")

# Members that update-function-configuration may change, with their defaults on create.
CONFIG_DEFAULTS: dict[str, Any] = {
    "Description": "",
    "Timeout": 3,
    "MemorySize": 128,
    "TracingConfig": {"Mode": "PassThrough"},
    "EphemeralStorage": {"Size": 512},
    "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
}
OPTIONAL_CONFIG = ("Environment", "DeadLetterConfig", "KMSKeyArn", "VpcConfig", "Layers", "FileSystemConfigs")
# ImageConfig overrides an image's ENTRYPOINT/CMD/WORKDIR: on a Zip function it would run host commands.
ZIP_IMAGE_CONFIG = "ImageConfig is not supported for functions of Zip package type."


def _check_config(plane: ControlPlane, params: dict[str, Any]) -> None:
    """Service-side checks shared by create and update-function-configuration."""
    if params.get("Runtime") is not None:
        validate.check_runtime(params["Runtime"])
    if params.get("Role") is not None:
        validate.check_role(params["Role"])
        if params["Role"].split(":")[4] != plane.settings.account_id:
            # Lambda's answer to a role of another account (AWS, as reported in
            # aws/aws-toolkit-azure-devops#546 and artilleryio/chaos-lambda#29: 403 AccessDeniedException)
            raise errors.AccessDeniedException("Cross-account pass role is not allowed.")
    validate.check_range(params.get("Timeout"), "timeout", 1, 900)
    validate.check_range(params.get("MemorySize"), "memorySize", 128, 10240)
    validate.check_range((params.get("EphemeralStorage") or {}).get("Size"), "ephemeralStorage.size", 512, 10240)
    validate.check_length(params.get("Description"), "description", 256)
    handler = params.get("Handler")
    if handler is not None:
        validate.check_length(handler, "handler", 128)
        if handler and any(ch.isspace() for ch in handler):
            raise errors.validation_error(handler, "handler", r"Member must satisfy regular expression pattern: [^\s]+")
    validate.check_enum((params.get("TracingConfig") or {}).get("Mode"), "tracingConfig.mode", ["Active", "PassThrough"])
    if "Environment" in params:
        validate.check_environment((params["Environment"] or {}).get("Variables") or {})
    if (params.get("DeadLetterConfig") or {}).get("TargetArn") is not None:
        from lambdactl.control.destinations import check_dead_letter

        check_dead_letter(params["DeadLetterConfig"]["TargetArn"])
    layers = params.get("Layers")
    if layers is not None and len(layers) > 5:
        raise errors.InvalidParameterValueException("Cannot reference more than 5 layers.")
    if params.get("LambdactlBackend") is not None:
        validate.check_enum(params["LambdactlBackend"], "backend", list(BACKENDS))


def _warn_if_unavailable(config: dict[str, Any]) -> None:
    """A runtime this host can't run as itself is accepted (as Lambda would), with a one-line warning."""
    if config.get("PackageType", "Zip") != "Zip" or not config.get("Runtime"):
        return
    from lambdactl.runtime.interpreters import unavailable

    reason = unavailable(config["Runtime"], config.get("LambdactlBackend") or "subprocess")
    if reason:
        import sys

        print(f"lambdactl: warning: {reason}", file=sys.stderr)


def _check_architectures(architectures: list[str] | None) -> None:
    if architectures is None:
        return
    if len(architectures) != 1:
        raise errors.validation_error(
            f"[{', '.join(architectures)}]", "architectures", "Member must have length less than or equal to 1"
        )
    validate.check_enum(architectures[0], "architectures", ["x86_64", "arm64"])


def _code_fields(plane: ControlPlane, package_type: str, code: dict[str, Any], *, store: bool = True) -> dict[str, Any]:
    """Store the code and return the config fields that describe it (and the internal code reference)."""
    from lambdactl.state.blobs import check_zip, code_sha256  # code-storing operations only: listings skip it

    if package_type == "Image":
        image = code.get("ImageUri")
        if not image:
            raise errors.InvalidParameterValueException("Please provide ImageUri when updating a function with packageType Image.")
        from lambdactl.backends.images import resolved_digest

        digest = resolved_digest(image)
        if digest is None:  # not on the local engine: described by its URI until it is
            _, sha_b64 = code_sha256(image.encode())
            return {"CodeSize": 0, "CodeSha256": sha_b64, "_ImageUri": image, "_ResolvedImageUri": None, "_CodeSha": None}
        # Lambda's recorded form (test_lambda_image_crud): CodeSha256 is the digest's hex, and
        # ResolvedImageUri the repository at that digest
        repository = image.partition("@")[0]
        if ":" in repository.rpartition("/")[2]:
            repository = repository.rpartition(":")[0]
        return {"CodeSize": 0, "CodeSha256": digest.removeprefix("sha256:"), "_ImageUri": image,
                "_ResolvedImageUri": f"{repository}@{digest}", "_CodeSha": None}
    if code.get("ImageUri"):
        raise errors.InvalidParameterValueException(
            "Please don't provide ImageUri when updating a function with packageType Zip."
        )
    data = code.get("ZipFile")
    from_s3 = data is None and bool(code.get("S3Bucket") or code.get("S3Key"))
    if from_s3:
        from lambdactl.control.s3_code import read_package

        data = read_package(plane, code)
    if data is None:
        raise errors.InvalidParameterValueException("Please provide a source for function code.")
    check_zip(data, direct=not from_s3)
    sha_hex = plane.code.put(data) if store else code_sha256(data)[0]  # DryRun stores nothing
    _, sha_b64 = code_sha256(data)
    return {"CodeSize": len(data), "CodeSha256": sha_b64, "_CodeSha": sha_hex}


def _save_latest(conn: sqlite3.Connection, name: str, config: dict[str, Any]) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO versions (function_name, version, config, code_sha) VALUES (?, ?, ?, ?)",
        (name, LATEST, json.dumps(config), config.get("_CodeSha")),
    )


@operation("CreateFunction")
def create_function(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref = validate.parse_function_name(params["FunctionName"], plane.settings, namespaced=False, create=True)
    if ref.qualifier:
        raise errors.InvalidParameterValueException("Unsupported function name: qualifiers are not allowed on create.")
    package_type = params.get("PackageType") or "Zip"
    validate.check_enum(package_type, "packageType", ["Zip", "Image"])
    _check_config(plane, params)
    _check_architectures(params.get("Architectures"))
    if package_type == "Zip":
        if not params.get("Runtime"):
            raise errors.InvalidParameterValueException("Runtime is required for functions of Zip package type.")
        if not params.get("Handler"):
            raise errors.InvalidParameterValueException("Handler is required for functions of Zip package type.")
    elif params.get("Runtime") or params.get("Handler"):
        raise errors.InvalidParameterValueException(
            "Runtime and Handler are not supported for functions of Image package type."
        )
    backend = "docker" if package_type == "Image" else params.get("LambdactlBackend") or "subprocess"
    config: dict[str, Any] = {"FunctionName": ref.name}
    if package_type == "Zip":
        config.update(Runtime=params["Runtime"], Handler=params["Handler"])
    config["Role"] = params.get("Role") or plane.settings.placeholder_role
    for key, default in CONFIG_DEFAULTS.items():
        config[key] = params.get(key, default)
    for key in OPTIONAL_CONFIG:
        if params.get(key) is not None:
            config[key] = params[key]
    if "Layers" in config:
        from lambdactl.control.layers import layer_fields

        config.update(layer_fields(plane, config.pop("Layers")))
    if params.get("ImageConfig"):
        if package_type == "Zip":
            raise errors.InvalidParameterValueException(ZIP_IMAGE_CONFIG)
        config["ImageConfigResponse"] = {"ImageConfig": params["ImageConfig"]}
    tags = params.get("Tags") or {}
    if len(tags) > 50:
        raise errors.InvalidParameterValueException("Number of tags exceeds resource tag limit.")
    # Refuse a taken name before storing the code, so the conflict leaves the code store as it was
    # (a racing create still gets the IntegrityError below; its orphan zip is left to garbage collection).
    if function_exists(plane, ref.name):
        raise errors.ResourceConflictException(f"Function already exist: {ref.name}")
    signing = params.get("CodeSigningConfigArn")
    if signing:
        from lambdactl.control import code_signing

        code_signing.require_config(plane, signing)
    config.update(
        _code_fields(plane, package_type, params.get("Code") or {}),
        LastModified=now_lambda(),
        Version=LATEST,
        RevisionId=new_revision(),
        PackageType=package_type,
        Architectures=params.get("Architectures") or ["x86_64"],
        LoggingConfig=logging_config(ref.name, params.get("LoggingConfig")),
        LambdactlBackend=backend,
    )
    try:
        with plane.store.write() as conn:
            conn.execute(
                "INSERT INTO functions (name, created_at, tags) VALUES (?, ?, ?)", (ref.name, time.time(), json.dumps(tags))
            )
            _save_latest(conn, ref.name, config)
    except sqlite3.IntegrityError:
        raise errors.ResourceConflictException(f"Function already exist: {ref.name}") from None
    if signing:  # stored as PutFunctionCodeSigningConfig stores it
        code_signing.attach(plane, ref.name, signing)
    _warn_if_unavailable(config)
    if params.get("Publish"):
        from lambdactl.control.versions import publish

        config = publish(plane, ref.name)
    return configuration(plane, config, view="create")


@operation("GetFunctionConfiguration")
def get_function_configuration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref, qualifier = parse_target(plane, params)
    # Qualifier=$LATEST (not in the name) stands for the function itself: its 404 shows the unqualified ARN
    version = aliases.resolve(plane, ref.name, None if qualifier == LATEST and not ref.qualifier else qualifier)
    config = require_function(plane, ref, version)
    result = configuration(plane, config, qualified=qualifier is not None)
    if qualifier is not None:  # an alias shows as itself: …:function:f:PROD
        result["FunctionArn"] = plane.settings.function_arn(ref.name, qualifier)
    return result


@operation("GetFunction")
def get_function(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    config = get_function_configuration(plane, params)
    name = config["FunctionName"]
    stored = load_version(plane, name, config["Version"]) or {}
    if config["PackageType"] == "Image":
        code = {"RepositoryType": "ECR", "ImageUri": stored["_ImageUri"],
                "ResolvedImageUri": stored.get("_ResolvedImageUri") or stored["_ImageUri"]}
    else:
        from lambdactl.control.code_links import location

        code = {"RepositoryType": "S3", "Location": location(plane, stored["_CodeSha"])}
    result: dict[str, Any] = {"Configuration": config, "Code": code}
    row = plane.store.read_one("SELECT tags, reserved_concurrency FROM functions WHERE name = ?", (name,))
    tags = json.loads(row["tags"]) if row else {}
    if tags:
        result["Tags"] = tags
    if row and row["reserved_concurrency"] is not None:
        result["Concurrency"] = {"ReservedConcurrentExecutions": row["reserved_concurrency"]}
    return result


@operation("ListFunctions")
def list_functions(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    function_version = params.get("FunctionVersion")
    if function_version is not None and function_version != "ALL":
        raise errors.validation_error(function_version, "functionVersion", "Member must satisfy enum value set: [ALL]")
    limit = paging.limit(params, maximum=paging.MAX_ITEMS)
    after_name, after_version = _decode_marker(params.get("Marker") or "")
    version_filter = "" if function_version == "ALL" else "AND version = '$LATEST'"
    rows = plane.store.read(
        f"""SELECT function_name, version, config FROM versions
            WHERE (function_name, CASE version WHEN '$LATEST' THEN -1 ELSE CAST(version AS INTEGER) END) > (?, ?)
            {version_filter}
            ORDER BY function_name, CASE version WHEN '$LATEST' THEN -1 ELSE CAST(version AS INTEGER) END
            LIMIT ?""",
        (after_name, after_version, limit + 1),
    )
    rows, next_marker = paging.page(rows, limit, key=lambda row: _encode_marker(row["function_name"], row["version"]))
    # with FunctionVersion=ALL every entry, $LATEST too, shows its qualified ARN (recorded: test_list_functions list_all)
    everything = function_version == "ALL"
    functions = [
        configuration(plane, json.loads(row["config"]), view="list", qualified=everything or row["version"] != LATEST)
        for row in rows
    ]
    return paging.listing("Functions", functions, next_marker)


def _encode_marker(name: str, version: str) -> str:
    return paging.encode_marker(json.dumps([name, -1 if version == LATEST else int(version)]))


def _decode_marker(marker: str) -> tuple[str, int]:
    if not marker:
        return "", -2
    try:
        name, number = json.loads(paging.decode_marker(marker))
        return str(name), int(number)
    except (ValueError, TypeError):
        raise paging.invalid_marker(marker) from None


def _check_revision(config: dict[str, Any], revision_id: str | None) -> None:
    if revision_id is not None and revision_id != config["RevisionId"]:
        raise errors.PreconditionFailedException(
            "The Revision Id provided does not match the latest Revision Id. "
            "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
        )


def _update_latest(plane: ControlPlane, name: str, change: Any) -> dict[str, Any]:
    """Read-modify-write $LATEST in one transaction; ``change(config)`` edits it in place."""
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT config FROM versions WHERE function_name = ? AND version = ?", (name, LATEST)
        ).fetchone()
        if row is None:
            raise function_not_found(plane, name)
        config = json.loads(row[0])
        change(config)
        config.update(LastModified=now_lambda(), RevisionId=new_revision())
        _save_latest(conn, name, config)
    return config


@operation("UpdateFunctionCode")
def update_function_code(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref, _ = parse_target(plane, params, namespaced=False)
    current = require_function(plane, ref)
    _check_architectures(params.get("Architectures"))
    code = {key: params[key] for key in ("ZipFile", "S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri")
            if params.get(key) is not None}  # fmt: skip
    _check_revision(current, params.get("RevisionId"))  # before storing code: a refused update stores nothing
    fields = _code_fields(plane, current["PackageType"], code, store=not params.get("DryRun"))
    if params.get("DryRun"):
        return configuration(plane, {**current, **fields}, view="update")

    def change(config: dict[str, Any]) -> None:
        _check_revision(config, params.get("RevisionId"))
        config.update(fields)
        if params.get("Architectures"):
            config["Architectures"] = params["Architectures"]

    config = _update_latest(plane, ref.name, change)
    if params.get("Publish"):  # the new version, being created (recorded: test_publish_with_update)
        from lambdactl.control.versions import publish

        return configuration(plane, publish(plane, ref.name), view="create", qualified=True)
    return configuration(plane, config, view="update")


@operation("UpdateFunctionConfiguration")
def update_function_configuration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref, _ = parse_target(plane, params, namespaced=False)
    _check_config(plane, params)

    def change(config: dict[str, Any]) -> None:
        _check_revision(config, params.get("RevisionId"))
        if config["PackageType"] == "Image":
            if params.get("Runtime") or params.get("Handler"):
                raise errors.InvalidParameterValueException(
                    "Runtime and Handler are not supported for functions of Image package type."
                )
            if params.get("LambdactlBackend") not in (None, "docker"):
                raise errors.InvalidParameterValueException("Image functions always run on the docker backend.")
        for key in ("Runtime", "Handler", "Role", *CONFIG_DEFAULTS, *OPTIONAL_CONFIG, "LambdactlBackend"):
            if key in params and params[key] is not None:
                config[key] = params[key]
        if params.get("LoggingConfig") is not None:
            config["LoggingConfig"] = logging_config(config["FunctionName"], params["LoggingConfig"], config.get("LoggingConfig"))
        if "Layers" in params and params["Layers"] is not None:
            from lambdactl.control.layers import layer_fields

            config.pop("Layers", None)
            config.pop("_LayerShas", None)
            config.update(layer_fields(plane, params["Layers"]))
        if params.get("ImageConfig") is not None:
            if config["PackageType"] == "Zip":
                raise errors.InvalidParameterValueException(ZIP_IMAGE_CONFIG)
            config["ImageConfigResponse"] = {"ImageConfig": params["ImageConfig"]}

    config = _update_latest(plane, ref.name, change)
    if params.get("Runtime") or params.get("LambdactlBackend"):
        _warn_if_unavailable(config)
    return configuration(plane, config, view="update")


@operation("DeleteFunction")
def delete_function(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref, qualifier = parse_target(plane, params)
    if qualifier == LATEST:
        raise errors.InvalidParameterValueException(
            "$LATEST version cannot be deleted without deleting the function."
        )
    with plane.store.write() as conn:
        if qualifier is None:
            deleted = conn.execute("DELETE FROM functions WHERE name = ?", (ref.name,)).rowcount
        else:
            referencing = aliases.aliases_of(conn, ref.name, qualifier)
            if referencing:
                raise errors.ResourceConflictException(
                    f"Unable to delete version because the following aliases reference it: [{', '.join(referencing)}]"
                )
            deleted = conn.execute(
                "DELETE FROM versions WHERE function_name = ? AND version = ?", (ref.name, qualifier)
            ).rowcount
    if not deleted:
        # an unknown version of an existing function is no error; a missing function's 404 shows its
        # unqualified ARN (recorded: test_delete_on_nonexisting_version)
        if qualifier is None or not function_exists(plane, ref.name):
            raise function_not_found(plane, ref.name)
        return {"StatusCode": 204}
    from lambdactl.control.layers import referenced_code

    plane.code.collect_garbage(referenced_code(plane))
    plane.store.reclaim()  # the function's versions, aliases, queued events: their space goes back
    return {"StatusCode": 204}  # the model maps the HTTP status into the output, so the aws CLI prints it
