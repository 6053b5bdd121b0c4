"""Stored function records and how they are shown: FunctionConfiguration as Lambda returns it."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane
from lambdactl.model import validate
from lambdactl.model.validate import FunctionRef

LATEST = "$LATEST"

# The order in which Lambda sends FunctionConfiguration members (AWS-recorded responses).
FIELD_ORDER = [
    "FunctionName", "FunctionArn", "Runtime", "Role", "Handler", "CodeSize", "Description", "Timeout",
    "MemorySize", "LastModified", "CodeSha256", "Version", "VpcConfig", "Environment", "KMSKeyArn",
    "TracingConfig", "MasterArn", "DeadLetterConfig", "RevisionId", "Layers", "State", "StateReason",
    "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason", "LastUpdateStatusReasonCode",
    "FileSystemConfigs", "PackageType", "ImageConfigResponse", "SigningProfileVersionArn", "SigningJobArn",
    "Architectures", "EphemeralStorage", "SnapStart", "RuntimeVersionConfig", "LoggingConfig",
    "LambdactlBackend",
]  # fmt: skip
_ORDER = {name: index for index, name in enumerate(FIELD_ORDER)}
STATE_FIELDS = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
                "LastUpdateStatusReasonCode")  # fmt: skip


def now_lambda() -> str:
    """LastModified as Lambda spells it: ``2025-10-14T22:26:11.234+0000``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def new_revision() -> str:
    return str(uuid.uuid4())


def load_version(plane: ControlPlane, name: str, version: str = LATEST) -> dict[str, Any] | None:
    row = plane.store.read_one(
        "SELECT config FROM versions WHERE function_name = ? AND version = ?", (name, version)
    )
    return json.loads(row["config"]) if row else None


def function_exists(plane: ControlPlane, name: str) -> bool:
    return plane.store.read_one("SELECT 1 FROM functions WHERE name = ?", (name,)) is not None


def function_not_found(plane: ControlPlane, name: str, qualifier: str | None = None) -> errors.ServiceError:
    """Lambda's 404 for a function, version or alias: ``Function not found: <its ARN>``."""
    return errors.ResourceNotFoundException(f"Function not found: {plane.settings.function_arn(name, qualifier)}")


def parse_target(plane: ControlPlane, params: dict[str, Any], *, namespaced: bool = True) -> tuple[FunctionRef, str | None]:
    """A call's FunctionName (name, partial ARN or ARN) and its effective qualifier (from the name and/or
    the Qualifier parameter), with Lambda's validation errors. Existence is the caller's to check."""
    ref = validate.parse_function_name(params["FunctionName"], plane.settings, namespaced=namespaced)
    return ref, validate.resolve_qualifier(ref, params.get("Qualifier"))


def require_function(plane: ControlPlane, ref: FunctionRef, version: str = LATEST) -> dict[str, Any]:
    config = load_version(plane, ref.name, version)
    if config is None:
        raise function_not_found(plane, ref.name, None if version == LATEST and not ref.qualifier else version)
    return config


def configuration(
    plane: ControlPlane, config: dict[str, Any], *, view: str = "get", qualified: bool = False
) -> dict[str, Any]:
    """A stored config as Lambda shows it.

    view: "create" (State Pending), "update" (LastUpdateStatus InProgress), "get" (settled) or
    "list" (no state fields). Local changes settle at once, so later reads are Active/Successful.
    """
    out = {key: value for key, value in config.items() if not key.startswith("_")}
    version = out.get("Version", LATEST)
    out["FunctionArn"] = plane.settings.function_arn(out["FunctionName"], version if qualified else None)
    if out.get("Runtime") and view != "list":  # a listing shows no RuntimeVersionConfig
        import hashlib  # only responses that show a configuration need it

        digest = hashlib.sha256(out["Runtime"].encode()).hexdigest()
        out["RuntimeVersionConfig"] = {
            "RuntimeVersionArn": f"arn:aws:lambda:{plane.settings.region}::runtime:{digest}"
        }
    if view == "create":
        out.update(State="Pending", StateReason="The function is being created.", StateReasonCode="Creating")
    elif view == "update":
        out.update(
            State="Active",
            LastUpdateStatus="InProgress",
            LastUpdateStatusReason="The function is being created.",
            LastUpdateStatusReasonCode="Creating",
        )
    elif view == "get":
        out.update(State="Active", LastUpdateStatus="Successful")
    else:
        out.pop("RuntimeVersionConfig", None)
    return dict(sorted(out.items(), key=lambda item: _ORDER.get(item[0], len(_ORDER))))
