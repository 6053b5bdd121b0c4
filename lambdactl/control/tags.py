"""Tags on functions: TagResource, UntagResource, ListTags."""

from __future__ import annotations

import json
import re
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import function_exists, function_not_found
from lambdactl.model import validate

TAG_LIMIT = 50
RESOURCE_PATTERN = r"arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?"
RESOURCE_RE = re.compile(RESOURCE_PATTERN)


def _function_name(plane: ControlPlane, resource: str) -> str:
    """The function a tag operation's Resource names: a full, unqualified function ARN of this region."""
    if not RESOURCE_RE.fullmatch(resource):
        raise errors.validation_error(
            resource, "resource", f"Member must satisfy regular expression pattern: {RESOURCE_PATTERN}"
        )
    ref = validate.parse_function_name(resource, plane.settings.region)
    if ref.qualifier:
        raise errors.InvalidParameterValueException(
            "Tags on function aliases and versions are not supported. Please specify a function ARN."
        )
    if not function_exists(plane, ref.name):
        raise errors.ResourceNotFoundException(f"Function not found: {resource}")
    return ref.name


def _change_tags(plane: ControlPlane, name: str, edit: Any) -> dict[str, str]:
    with plane.store.write() as conn:
        row = conn.execute("SELECT tags FROM functions WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise function_not_found(plane, name)
        tags = json.loads(row[0])
        edit(tags)
        if len(tags) > TAG_LIMIT:
            raise errors.InvalidParameterValueException("Number of tags exceeds resource tag limit.")
        conn.execute("UPDATE functions SET tags = ? WHERE name = ?", (json.dumps(tags), name))
    return tags


@operation("TagResource")
def tag_resource(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function_name(plane, params["Resource"])
    _change_tags(plane, name, lambda tags: tags.update(params.get("Tags") or {}))
    return {}


@operation("UntagResource")
def untag_resource(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function_name(plane, params["Resource"])
    keys = params.get("TagKeys")
    if keys is None:
        raise errors.ValidationException(
            "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"
        )

    def remove(tags: dict[str, str]) -> None:
        for key in keys:
            tags.pop(key, None)

    _change_tags(plane, name, remove)
    return {}


@operation("ListTags")
def list_tags(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function_name(plane, params["Resource"])
    row = plane.store.read_one("SELECT tags FROM functions WHERE name = ?", (name,))
    return {"Tags": json.loads(row["tags"]) if row else {}}
