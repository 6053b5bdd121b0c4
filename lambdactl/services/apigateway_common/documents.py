"""API Gateway's resources as JSON documents, one table per flavour (REST and HTTP APIs).

Every resource belongs to one API (the API itself is kind ``api`` under its own id) and is
kept in its result shape (model member names), plus private ``_``-prefixed keys that never
leave the control plane (e.g. a deployment's snapshot of the routes it froze).
"""

from __future__ import annotations

import json
import secrets
import string
import time
from typing import Any

from lambdactl.plane import ControlPlane

_ALPHABET = string.ascii_lowercase + string.digits


def migrations(service: str) -> list[tuple[str, str]]:
    """The documents table, and triggers that bump the configuration generation on every change
    (``state/generation.py``), so ``serve`` keeps what it read of an API while nothing changed."""
    return [
        (
            f"{service} documents",
            f"""CREATE TABLE {service}_documents (
                api_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
                PRIMARY KEY (api_id, kind, id));""",
        ),
        (
            f"{service} documents bump the configuration generation",
            "".join(
                f"""CREATE TRIGGER {service}_documents_{event.lower()}_generation AFTER {event} ON {service}_documents
                BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;"""
                for event in ("INSERT", "UPDATE", "DELETE")
            ),
        ),
    ]


def new_id(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now() -> float:
    return round(time.time(), 3)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A document as the API returns it (private keys dropped)."""
    return {key: value for key, value in doc.items() if not key.startswith("_")}


class Documents:
    """One flavour's documents over a control plane's store."""

    def __init__(self, plane: ControlPlane, service: str, schema: list[tuple[str, str]]) -> None:
        self.store = plane.store
        self.table = f"{service}_documents"
        self.store.ensure_schema(service, schema)

    def get(self, api_id: str, kind: str, item_id: str) -> dict[str, Any] | None:
        row = self.store.read_one(
            f"SELECT body FROM {self.table} WHERE api_id = ? AND kind = ? AND id = ?", (api_id, kind, item_id)
        )
        return json.loads(row["body"]) if row else None

    def list(self, api_id: str | None, kind: str) -> list[dict[str, Any]]:
        if api_id is None:
            rows = self.store.conn.execute(f"SELECT body FROM {self.table} WHERE kind = ? ORDER BY rowid", (kind,))
        else:
            rows = self.store.conn.execute(
                f"SELECT body FROM {self.table} WHERE api_id = ? AND kind = ? ORDER BY rowid", (api_id, kind)
            )
        return [json.loads(row["body"]) for row in rows]

    def of_api(self, api_id: str) -> dict[str, Any]:  # kind -> its documents
        """Everything of one API but its deployments (large, read one at a time), by kind: one query
        per served request."""
        found: dict[str, list[dict[str, Any]]] = {}
        for kind, body in self.store.conn.execute(
            f"SELECT kind, body FROM {self.table} WHERE api_id = ? AND kind != 'deployment' ORDER BY rowid", (api_id,)
        ):
            found.setdefault(kind, []).append(json.loads(body))
        return found

    def put(self, api_id: str, kind: str, item_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        with self.store.write() as conn:
            conn.execute(
                f"INSERT INTO {self.table} (api_id, kind, id, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (api_id, kind, id) DO UPDATE SET body = excluded.body",
                (api_id, kind, item_id, json.dumps(doc)),
            )
        return doc

    def delete(self, api_id: str, kind: str | None = None, item_id: str | None = None) -> None:
        """One document, every document of a kind, or (no kind) the whole API."""
        sql, args = f"DELETE FROM {self.table} WHERE api_id = ?", [api_id]
        if kind is not None:
            sql, args = sql + " AND kind = ?", [*args, kind]
        if item_id is not None:
            sql, args = sql + " AND id = ?", [*args, item_id]
        with self.store.write() as conn:
            conn.execute(sql, args)
