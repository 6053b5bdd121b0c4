"""Named, ordered schema migrations; each runs in one transaction.

The schema version is the number of migrations applied (recorded in ``meta``), so
a later issue adds a step at the end and every existing state directory catches up.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[tuple[str, str]] = [
    (
        "functions",
        """
        CREATE TABLE functions (
            name TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            last_version INTEGER NOT NULL DEFAULT 0,   -- highest published number, never reused
            tags TEXT NOT NULL DEFAULT '{}',
            reserved_concurrency INTEGER,
            policy TEXT
        );
        CREATE TABLE versions (
            function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
            version TEXT NOT NULL,                     -- '$LATEST' or '1', '2', ...
            config TEXT NOT NULL,                      -- FunctionConfiguration JSON, ARNs left out
            code_sha TEXT,                             -- hex SHA-256 of the zip in the code store
            PRIMARY KEY (function_name, version)
        );
        CREATE TABLE aliases (
            function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
            name TEXT NOT NULL,
            config TEXT NOT NULL,
            PRIMARY KEY (function_name, name)
        );
        CREATE TABLE log_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            log_group TEXT NOT NULL,
            log_stream TEXT NOT NULL,
            ts INTEGER NOT NULL,                       -- epoch milliseconds
            message TEXT NOT NULL
        );
        CREATE INDEX log_events_group_ts ON log_events (log_group, ts);
        """,
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database up to SCHEMA_VERSION; safe when several processes race to do it."""
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row and int(row[0]) >= SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        current = int(row[0]) if row else 0
        if current > SCHEMA_VERSION:
            raise RuntimeError(
                f"state directory schema {current} is newer than this lambdactl ({SCHEMA_VERSION})"
            )
        for _name, script in MIGRATIONS[current:]:
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
