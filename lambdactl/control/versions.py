"""Published versions: immutable copies of $LATEST, numbered and never reused."""

from __future__ import annotations

import json
from typing import Any

from lambdactl import errors
from lambdactl.control import paging
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import (
    LATEST,
    configuration,
    function_not_found,
    new_revision,
    now_lambda,
)
from lambdactl.model import validate

REVISION_MISMATCH = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)


def publish(plane: ControlPlane, name: str, description: str | None = None) -> dict[str, Any]:
    """Freeze $LATEST as the next version, or return the last version when nothing changed."""
    return _publish(plane, name, description)


def _publish(
    plane: ControlPlane,
    name: str,
    description: str | None = None,
    code_sha256: str | None = None,
    revision_id: str | None = None,
) -> dict[str, Any]:
    """The version's config (the last one when $LATEST is unchanged); checks the CodeSha256/RevisionId preconditions."""
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT v.config, f.last_version FROM versions v JOIN functions f ON f.name = v.function_name "
            "WHERE v.function_name = ? AND v.version = ?",
            (name, LATEST),
        ).fetchone()
        if row is None:
            raise function_not_found(plane, name)
        latest, last_number = json.loads(row[0]), row[1]
        if code_sha256 is not None and code_sha256 != latest["CodeSha256"]:
            raise errors.InvalidParameterValueException(
                f"CodeSHA256 ({code_sha256}) is different from current CodeSHA256 in $LATEST "
                f"({latest['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST."
            )
        if revision_id is not None and revision_id != latest["RevisionId"]:
            raise errors.PreconditionFailedException(REVISION_MISMATCH)
        if last_number:
            previous = conn.execute(
                "SELECT config FROM versions WHERE function_name = ? AND version = ?", (name, str(last_number))
            ).fetchone()
            if previous and json.loads(previous[0]).get("_PublishedFrom") == latest["RevisionId"]:
                return json.loads(previous[0])
        number = last_number + 1
        frozen = {
            **latest,
            "Version": str(number),
            "LastModified": now_lambda(),
            "RevisionId": new_revision(),
            "_PublishedFrom": latest["RevisionId"],
        }
        if description is not None:
            frozen["Description"] = description
        conn.execute(
            "INSERT INTO versions (function_name, version, config, code_sha) VALUES (?, ?, ?, ?)",
            (name, str(number), json.dumps(frozen), latest.get("_CodeSha")),
        )
        conn.execute("UPDATE functions SET last_version = ? WHERE name = ?", (number, name))
    return frozen


@operation("PublishVersion")
def publish_version(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref = validate.parse_function_name(params["FunctionName"], plane.settings, namespaced=False)
    validate.check_length(params.get("Description"), "description", 256)
    config = _publish(
        plane, ref.name, params.get("Description"), params.get("CodeSha256"), params.get("RevisionId")
    )
    # Active and Successful at once, a new version as a repeated publish (recorded: LocalStack's
    # test_lambda_api.snapshot.json, test_version_lifecycle first_publish_response).
    return configuration(plane, config, view="get", qualified=True)


def _sort_key(version: str) -> int:
    return -1 if version == LATEST else int(version)


@operation("ListVersionsByFunction")
def list_versions_by_function(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref = validate.parse_function_name(params["FunctionName"], plane.settings)
    limit = paging.limit(params, maximum=paging.MAX_ITEMS)
    rows = plane.store.read("SELECT version, config FROM versions WHERE function_name = ?", (ref.name,))
    if not rows:
        raise function_not_found(plane, ref.name)
    marker = params.get("Marker")
    after = -2
    if marker:
        if not marker.lstrip("-").isdigit():
            raise paging.invalid_marker(marker)
        after = int(marker)
    ordered = sorted((row for row in rows if _sort_key(row["version"]) > after), key=lambda r: _sort_key(r["version"]))
    page, next_marker = paging.page(ordered, limit, key=lambda row: str(_sort_key(row["version"])))
    versions = [configuration(plane, json.loads(row["config"]), view="list", qualified=True) for row in page]
    return paging.listing("Versions", versions, next_marker)
