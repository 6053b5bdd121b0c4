"""Tags: TagResource, UntagResource, ListTags on functions, event source mappings and code signing configs,
and the Tags those resources take when they are created.

A function keeps its tags in its own row; the other resources' tags live in ``resource_tags`` by ARN
(dropped with the resource). Shapes and messages follow the responses recorded from AWS in LocalStack's
``tests/aws/services/lambda_/test_lambda_api.snapshot.json`` (``TestLambdaTag``, ``TestLambdaTags``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import function_exists, function_not_found
from lambdactl.model import validate

TAG_LIMIT = 50
# The TaggableResource pattern Lambda answers with (recorded: test_tag_exceptions invalid_arn_exception;
# the model's differs).
RESOURCE_PATTERN = (
    r"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:"
    r"(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}"
    r"|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|capacity-provider:[a-zA-Z0-9-_]+)"
)
RESOURCE_RE = re.compile(RESOURCE_PATTERN)
# What the other resource kinds answer when missing (recorded: test_tag_exceptions[event_source_mapping],
# [capacity_provider]; a code signing config as its own operations say).
NOT_FOUND = {
    "event-source-mapping": "Event source mapping not found: {arn}",
    "capacity-provider": "Capacity provider not found: {arn}",
    "layer": "Layer not found: {arn}",
    "code-signing-config": "The Lambda code signing configuration {arn} can not be found.",
}
SCHEMA = [
    (
        "resource_tags",
        """
        CREATE TABLE resource_tags (
            arn TEXT PRIMARY KEY,                        -- an event source mapping's or code signing config's
            tags TEXT NOT NULL                           -- JSON object
        );
        """,
    ),
]


def _resource(plane: ControlPlane, resource: str) -> tuple[str, str]:
    """(kind, key) of a tag operation's Resource: ("function", name) or (a resource kind, its ARN)."""
    if not RESOURCE_RE.fullmatch(resource):
        raise errors.validation_error(
            resource, "resource", f"Member must satisfy regular expression pattern: {RESOURCE_PATTERN}"
        )
    kind = resource.split(":")[5]
    if kind == "function":
        ref = validate.parse_function_name(resource, plane.settings)
        if ref.qualifier:
            raise errors.InvalidParameterValueException(
                "Tags on function aliases and versions are not supported. Please specify a function ARN."
            )
        if not function_exists(plane, ref.name):
            raise errors.ResourceNotFoundException(f"Function not found: {resource}")
        return kind, ref.name
    if not _exists(plane, kind, resource):
        raise errors.ResourceNotFoundException(NOT_FOUND[kind].format(arn=resource))
    return kind, resource


def _exists(plane: ControlPlane, kind: str, arn: str) -> bool:
    prefix = f"arn:aws:lambda:{plane.settings.region}:{plane.settings.account_id}:{kind}:"
    if not arn.startswith(prefix):
        return False
    if kind == "event-source-mapping":
        return plane.store.read_one("SELECT 1 FROM event_source_mappings WHERE uuid = ?", (arn[len(prefix):],)) is not None
    if kind == "code-signing-config":
        from lambdactl.control.code_signing import config_exists

        return config_exists(plane, arn)
    return False  # layers and capacity providers take no tags here


def _change_tags(plane: ControlPlane, kind: str, key: str, edit: Callable[[dict[str, str]], None]) -> None:
    if kind != "function":
        ensure_tables(plane)
    with plane.store.write() as conn:
        if kind == "function":
            row = conn.execute("SELECT tags FROM functions WHERE name = ?", (key,)).fetchone()
            if row is None:
                raise function_not_found(plane, key)
        else:
            row = conn.execute("SELECT tags FROM resource_tags WHERE arn = ?", (key,)).fetchone()
        tags = json.loads(row[0]) if row else {}
        edit(tags)
        if len(tags) > TAG_LIMIT:
            raise errors.InvalidParameterValueException("Number of tags exceeds resource tag limit.")
        if kind == "function":
            conn.execute("UPDATE functions SET tags = ? WHERE name = ?", (json.dumps(tags), key))
        else:
            conn.execute("INSERT OR REPLACE INTO resource_tags (arn, tags) VALUES (?, ?)", (key, json.dumps(tags)))


def ensure_tables(plane: ControlPlane) -> None:
    """Before a write transaction that tags or forgets a resource (a schema change can't run inside one)."""
    plane.store.ensure_schema("lambda.resource_tags", SCHEMA)


def tag_new_resource(conn: Any, arn: str, tags: dict[str, str] | None) -> None:
    """The Tags of a CreateEventSourceMapping / CreateCodeSigningConfig, in the transaction creating it
    (``ensure_tables`` first)."""
    if not tags:
        return
    if len(tags) > TAG_LIMIT:
        raise errors.InvalidParameterValueException("Number of tags exceeds resource tag limit.")
    conn.execute("INSERT OR REPLACE INTO resource_tags (arn, tags) VALUES (?, ?)", (arn, json.dumps(tags)))


def forget(conn: Any, arn: str) -> None:
    """A deleted resource's tags go with it (in the transaction deleting it; ``ensure_tables`` first)."""
    conn.execute("DELETE FROM resource_tags WHERE arn = ?", (arn,))


@operation("TagResource")
def tag_resource(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    kind, key = _resource(plane, params["Resource"])
    if not params.get("Tags"):  # recorded: test_tag_exceptions tag_empty_tags
        raise errors.InvalidParameterValueException("An error occurred and the request cannot be processed.")
    _change_tags(plane, kind, key, lambda tags: tags.update(params["Tags"]))
    return {}


@operation("UntagResource")
def untag_resource(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    kind, key = _resource(plane, params["Resource"])
    keys = params.get("TagKeys")
    if keys is None:
        raise errors.ValidationException(
            "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"
        )

    def remove(tags: dict[str, str]) -> None:
        for name in keys:
            tags.pop(name, None)

    _change_tags(plane, kind, key, remove)
    return {}


@operation("ListTags")
def list_tags(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    kind, key = _resource(plane, params["Resource"])
    if kind == "function":
        row = plane.store.read_one("SELECT tags FROM functions WHERE name = ?", (key,))
    else:
        ensure_tables(plane)
        row = plane.store.read_one("SELECT tags FROM resource_tags WHERE arn = ?", (key,))
    return {"Tags": json.loads(row["tags"]) if row else {}}
