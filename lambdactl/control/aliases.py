"""Aliases: named pointers to a version, optionally splitting traffic with a second one.

Qualifier resolution for every operation that takes one lives here:
``resolve(plane, name, qualifier)`` gives the version a qualifier stands for (an alias's
primary version), ``route(...)`` the version an invocation runs (weighted for aliases).
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from lambdactl import errors
from lambdactl.control import paging
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import (
    LATEST,
    function_exists,
    function_not_found,
    load_version,
    new_revision,
    parse_target,
)
from lambdactl.control.versions import REVISION_MISMATCH
from lambdactl.model import validate

ALIAS_PATTERN = r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)"
ALIAS_RE = re.compile(ALIAS_PATTERN)
VERSION_PATTERN = r"(\$LATEST(\.PUBLISHED)?|[0-9]+)"
VERSION_RE = re.compile(VERSION_PATTERN)


def load_alias(plane: ControlPlane, name: str, alias: str) -> dict[str, Any] | None:
    row = plane.store.read_one("SELECT config FROM aliases WHERE function_name = ? AND name = ?", (name, alias))
    return json.loads(row["config"]) if row else None


def resolve(plane: ControlPlane, name: str, qualifier: str | None) -> str:
    """The version ``qualifier`` names ($LATEST, a number, or an alias's primary version); it must exist."""
    if qualifier is None or qualifier == LATEST or qualifier.isdigit():
        version = qualifier or LATEST
    else:
        alias = load_alias(plane, name, qualifier)
        if alias is None:
            raise function_not_found(plane, name, qualifier)
        version = alias["FunctionVersion"]
    if load_version(plane, name, version) is None:
        raise function_not_found(plane, name, qualifier)
    return version


def pick(alias: dict[str, Any], rng: Any = None) -> str:
    """The version one invocation of ``alias`` runs: the extra version with probability = its weight."""
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    if rng is None:
        import random as rng  # only weighted aliases need it
    draw = rng.random()
    for version, weight in weights.items():
        if draw < weight:
            return version
        draw -= weight
    return alias["FunctionVersion"]


def route(plane: ControlPlane, name: str, qualifier: str | None, rng: Any = None) -> str:
    """The version an invocation with ``qualifier`` runs (weighted for aliases with a RoutingConfig)."""
    if qualifier is not None and qualifier != LATEST and not qualifier.isdigit():
        alias = load_alias(plane, name, qualifier)
        if alias is not None and (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights"):
            return pick(alias, rng)
    return resolve(plane, name, qualifier)


def _function(plane: ControlPlane, params: dict[str, Any]) -> str:
    """The (existing) function of an alias operation; a qualifier on its name is ignored."""
    ref, _ = parse_target(plane, params, namespaced=False)
    if not function_exists(plane, ref.name):
        raise function_not_found(plane, ref.name)
    return ref.name


def _check_name(alias: str) -> None:
    if not ALIAS_RE.fullmatch(alias) or len(alias) > 128:
        raise errors.validation_error(alias, "name", f"Member must satisfy regular expression pattern: {ALIAS_PATTERN}")


def _check_version(plane: ControlPlane, name: str, version: str) -> None:
    if not VERSION_RE.fullmatch(version):
        raise errors.validation_error(
            version, "functionVersion", f"Member must satisfy regular expression pattern: {VERSION_PATTERN}"
        )
    if load_version(plane, name, version) is None:
        raise function_not_found(plane, name, version)


def _check_routing(plane: ControlPlane, name: str, primary: str, routing: dict[str, Any] | None) -> None:
    weights = (routing or {}).get("AdditionalVersionWeights") or {}
    if len(weights) > 1:
        raise errors.InvalidParameterValueException(
            "Number of items in AdditionalVersionWeights cannot be greater than 1"
        )
    # texts as recorded (test_notfound_and_invalid_routingconfigs): a weight shows as a float ({2=2.0}),
    # and the key constraint list ends with the pattern
    for version, weight in weights.items():
        if not 0.0 <= weight <= 1.0:
            raise errors.ValidationException(
                f"1 validation error detected: Value '{{{version}={float(weight)}}}' at "
                "'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy "
                "constraint: [Member must have value less than or equal to 1.0, Member must have value greater "
                "than or equal to 0.0, Member must not be null]"
            )
        if not version.isdigit():
            raise errors.ValidationException(
                f"1 validation error detected: Value '{{{version}={float(weight)}}}' at "
                "'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy "
                "constraint: [Member must have length less than or equal to 1024, Member must have length "
                "greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]"
            )
        if version == primary:
            raise errors.InvalidParameterValueException(
                f"Invalid function version {version}. Function version {version} is already included in "
                "routing configuration."
            )
        if primary == LATEST:
            raise errors.InvalidParameterValueException(
                "$LATEST is not supported for an alias pointing to more than 1 version"
            )
        if load_version(plane, name, version) is None:
            raise function_not_found(plane, name, version)


def _shown(plane: ControlPlane, name: str, alias: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AliasArn": plane.settings.function_arn(name, alias["Name"]),
        "Name": alias["Name"],
        "FunctionVersion": alias["FunctionVersion"],
        "Description": alias.get("Description", ""),
    }
    if (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights"):
        out["RoutingConfig"] = alias["RoutingConfig"]
    out["RevisionId"] = alias["RevisionId"]
    return out


def _missing_alias(plane: ControlPlane, name: str, alias: str) -> errors.ServiceError:
    return errors.ResourceNotFoundException(f"Cannot find alias arn: {plane.settings.function_arn(name, alias)}")


@operation("CreateAlias")
def create_alias(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function(plane, params)
    alias_name, version = params["Name"], params["FunctionVersion"]
    _check_name(alias_name)
    validate.check_length(params.get("Description"), "description", 256)
    _check_version(plane, name, version)
    _check_routing(plane, name, version, params.get("RoutingConfig"))
    alias = {
        "Name": alias_name,
        "FunctionVersion": version,
        "Description": params.get("Description") or "",
        "RoutingConfig": params.get("RoutingConfig"),
        "RevisionId": new_revision(),
    }
    with plane.store.write() as conn:
        exists = conn.execute(
            "SELECT 1 FROM aliases WHERE function_name = ? AND name = ?", (name, alias_name)
        ).fetchone()
        if exists:
            raise errors.ResourceConflictException(
                f"Alias already exists: {plane.settings.function_arn(name, alias_name)}"
            )
        conn.execute(
            "INSERT INTO aliases (function_name, name, config) VALUES (?, ?, ?)", (name, alias_name, json.dumps(alias))
        )
    return _shown(plane, name, alias)


@operation("GetAlias")
def get_alias(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function(plane, params)
    alias = load_alias(plane, name, params["Name"])
    if alias is None:
        raise _missing_alias(plane, name, params["Name"])
    return _shown(plane, name, alias)


@operation("UpdateAlias")
def update_alias(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function(plane, params)
    alias_name = params["Name"]
    validate.check_length(params.get("Description"), "description", 256)
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT config FROM aliases WHERE function_name = ? AND name = ?", (name, alias_name)
        ).fetchone()
        if row is None:  # UpdateAlias has its own wording (recorded: test_non_existent_alias_update)
            raise errors.ResourceNotFoundException(f"Alias not found: {plane.settings.function_arn(name, alias_name)}")
        alias = json.loads(row[0])
        if params.get("RevisionId") is not None and params["RevisionId"] != alias["RevisionId"]:
            raise errors.PreconditionFailedException(REVISION_MISMATCH)
        if params.get("FunctionVersion") is not None:
            _check_version(plane, name, params["FunctionVersion"])
            alias["FunctionVersion"] = params["FunctionVersion"]
        if params.get("Description") is not None:
            alias["Description"] = params["Description"]
        if params.get("RoutingConfig") is not None:
            alias["RoutingConfig"] = params["RoutingConfig"]
        _check_routing(plane, name, alias["FunctionVersion"], alias.get("RoutingConfig"))
        alias["RevisionId"] = new_revision()
        conn.execute(
            "UPDATE aliases SET config = ? WHERE function_name = ? AND name = ?", (json.dumps(alias), name, alias_name)
        )
    return _shown(plane, name, alias)


@operation("DeleteAlias")
def delete_alias(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function(plane, params)
    from lambdactl.control import provisioned  # it imports this module

    provisioned.drop(plane, name, params["Name"])
    with plane.store.write() as conn:
        conn.execute("DELETE FROM aliases WHERE function_name = ? AND name = ?", (name, params["Name"]))
        conn.execute("DELETE FROM policies WHERE function_name = ? AND qualifier = ?", (name, params["Name"]))
    return {}


@operation("ListAliases")
def list_aliases(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function(plane, params)
    limit = paging.limit(params, maximum=paging.MAX_ITEMS)
    version = params.get("FunctionVersion")
    rows = plane.store.read(
        "SELECT name, config FROM aliases WHERE function_name = ? AND name > ? ORDER BY name",
        (name, params.get("Marker") or ""),
    )
    aliases = [json.loads(row["config"]) for row in rows]
    if version is not None:
        aliases = [alias for alias in aliases if alias["FunctionVersion"] == version]
    aliases, next_marker = paging.page(aliases, limit, key=lambda alias: alias["Name"])
    return paging.listing("Aliases", [_shown(plane, name, alias) for alias in aliases], next_marker)


def aliases_of(conn: sqlite3.Connection, name: str, version: str) -> list[str]:
    """Names of the aliases that route to ``version`` (as primary or additional version)."""
    rows = conn.execute("SELECT name, config FROM aliases WHERE function_name = ? ORDER BY name", (name,)).fetchall()
    return [
        row[0]
        for row in rows
        if version == (config := json.loads(row[1]))["FunctionVersion"]
        or version in ((config.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})
    ]
