"""Published versions: immutable copies of $LATEST, numbered and never reused."""

from __future__ import annotations

import json
from typing import Any

from lambdactl import errors
from lambdactl.control.plane import ControlPlane
from lambdactl.control.records import LATEST, new_revision, now_lambda


def publish(plane: ControlPlane, name: str, description: str | None = None) -> dict[str, Any]:
    """Freeze $LATEST as the next version, or return the last version when nothing changed."""
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT v.config, f.last_version FROM versions v JOIN functions f ON f.name = v.function_name "
            "WHERE v.function_name = ? AND v.version = ?",
            (name, LATEST),
        ).fetchone()
        if row is None:
            raise errors.ResourceNotFoundException(f"Function not found: {plane.settings.function_arn(name)}")
        latest, last_number = json.loads(row[0]), row[1]
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
