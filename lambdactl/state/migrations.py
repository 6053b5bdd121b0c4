"""Named, ordered schema migrations; each runs in one transaction.

The schema version is the number of migrations applied (recorded in ``meta``), so
a later issue adds a step at the end and every existing state directory catches up.
"""

from __future__ import annotations

import sqlite3

from lambdactl import errors

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
    (
        "async_events",
        """
        CREATE TABLE async_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,      -- order of arrival
            function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
            qualifier TEXT,                            -- as invoked (NULL = unqualified)
            payload BLOB NOT NULL,
            request_id TEXT NOT NULL,
            created_at REAL NOT NULL,                  -- epoch seconds, for the event's age
            attempts INTEGER NOT NULL DEFAULT 0,       -- completed runs of the function
            deferrals INTEGER NOT NULL DEFAULT 0,      -- throttles / environment failures so far
            next_attempt_at REAL NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued',     -- queued | in-flight | succeeded | failed
            lease_owner TEXT,
            lease_expires REAL,
            last_error TEXT,
            last_response TEXT,                        -- JSON: statusCode, executedVersion, functionError, payload
            finished_at REAL
        );
        CREATE INDEX async_events_ready ON async_events (status, next_attempt_at, id);
        CREATE INDEX async_events_function ON async_events (function_name, status);
        CREATE TABLE event_invoke_configs (
            function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
            qualifier TEXT NOT NULL,                   -- '$LATEST', a version or an alias
            config TEXT NOT NULL,                      -- MaximumRetryAttempts, MaximumEventAgeInSeconds, DestinationConfig
            last_modified REAL NOT NULL,
            PRIMARY KEY (function_name, qualifier)
        );
        """,
    ),
    (
        "versions_layers_policies",
        """
        CREATE TABLE layers (
            name TEXT PRIMARY KEY,
            last_version INTEGER NOT NULL DEFAULT 0    -- highest published number, never reused
        );
        CREATE TABLE layer_versions (
            layer_name TEXT NOT NULL REFERENCES layers(name),
            version INTEGER NOT NULL,
            config TEXT NOT NULL,                      -- Description, CompatibleRuntimes, CreatedDate, ...
            code_sha TEXT NOT NULL,                    -- hex SHA-256 of the zip in the code store
            policy TEXT,                               -- {"Statement": [...], "RevisionId": "..."}
            PRIMARY KEY (layer_name, version)
        );
        CREATE TABLE policies (
            function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
            qualifier TEXT NOT NULL,                   -- '' (unqualified), a version or an alias
            statements TEXT NOT NULL,                  -- JSON list of policy statements
            revision_id TEXT NOT NULL,
            PRIMARY KEY (function_name, qualifier)
        );
        """,
    ),
    (
        "provisioned_and_urls",
        """
        CREATE TABLE provisioned_concurrency (
            function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
            qualifier TEXT NOT NULL,                   -- a published version or an alias
            requested INTEGER NOT NULL,
            last_modified TEXT NOT NULL,
            PRIMARY KEY (function_name, qualifier)
        );
        CREATE TABLE function_urls (
            function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
            qualifier TEXT NOT NULL,                   -- '$LATEST' or an alias
            url_id TEXT NOT NULL UNIQUE,               -- 32 [a-z0-9], the URL's host label
            config TEXT NOT NULL,                      -- AuthType, Cors, InvokeMode, CreationTime, LastModifiedTime
            PRIMARY KEY (function_name, qualifier)
        );
        """,
    ),
    (
        "event_source_mappings",
        """
        CREATE TABLE event_source_mappings (
            uuid TEXT PRIMARY KEY,
            function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
            qualifier TEXT,                            -- as given in FunctionName (NULL = unqualified)
            event_source_arn TEXT NOT NULL,
            config TEXT NOT NULL,                      -- the mapping's settings (EventSourceMappingConfiguration JSON)
            state TEXT NOT NULL,                       -- Creating | Enabled | Disabled | ...
            last_modified REAL NOT NULL,
            created_at REAL NOT NULL                   -- LATEST starts reading streams from here
        );
        CREATE INDEX event_source_mappings_source ON event_source_mappings (event_source_arn);
        CREATE TABLE esm_checkpoints (
            uuid TEXT NOT NULL REFERENCES event_source_mappings(uuid) ON DELETE CASCADE,
            shard_id TEXT NOT NULL,
            sequence_number TEXT NOT NULL,             -- last record processed (or skipped) on this shard
            PRIMARY KEY (uuid, shard_id)
        );
        """,
    ),
    (
        "event_sources",
        """
        CREATE TABLE sqs_queues (
            arn TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            attributes TEXT NOT NULL,                  -- JSON: the settable attributes, as strings
            created_at REAL NOT NULL,
            modified_at REAL NOT NULL,
            last_sequence INTEGER NOT NULL DEFAULT 0   -- FIFO SequenceNumber counter
        );
        CREATE TABLE sqs_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,      -- order of arrival
            queue_arn TEXT NOT NULL REFERENCES sqs_queues(arn) ON DELETE CASCADE,
            message_id TEXT NOT NULL,
            body TEXT NOT NULL,
            message_attributes TEXT NOT NULL,          -- JSON, API shape (BinaryValue as base64)
            sent_at REAL NOT NULL,                     -- epoch seconds
            visible_at REAL NOT NULL,                  -- end of delay or of visibility timeout
            receive_count INTEGER NOT NULL DEFAULT 0,
            first_received_at REAL,
            receipt_nonce TEXT,                        -- of the latest receipt handle
            group_id TEXT,
            dedup_id TEXT,
            sequence_number TEXT
        );
        CREATE INDEX sqs_messages_queue ON sqs_messages (queue_arn, visible_at, id);
        CREATE TABLE sqs_dedup (
            queue_arn TEXT NOT NULL REFERENCES sqs_queues(arn) ON DELETE CASCADE,
            dedup_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            sequence_number TEXT NOT NULL,
            expires_at REAL NOT NULL,
            PRIMARY KEY (queue_arn, dedup_id)
        );
        CREATE TABLE streams (
            arn TEXT PRIMARY KEY,
            kind TEXT NOT NULL,                        -- kinesis | dynamodb
            name TEXT NOT NULL,                        -- stream name, or table name
            retention_hours INTEGER NOT NULL,
            created_at REAL NOT NULL,
            extra TEXT NOT NULL DEFAULT '{}'           -- JSON: StreamViewType, tags
        );
        CREATE TABLE stream_shards (
            stream_arn TEXT NOT NULL REFERENCES streams(arn) ON DELETE CASCADE,
            shard_id TEXT NOT NULL,
            position INTEGER NOT NULL,                 -- 0, 1, ... in the stream
            start_hash TEXT NOT NULL,                  -- decimal 128-bit hash-key range
            end_hash TEXT NOT NULL,
            seq_prefix TEXT NOT NULL,                  -- SequenceNumber = prefix + zero-padded counter
            last_counter INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (stream_arn, shard_id)
        );
        CREATE TABLE stream_records (
            stream_arn TEXT NOT NULL REFERENCES streams(arn) ON DELETE CASCADE,
            shard_id TEXT NOT NULL,
            counter INTEGER NOT NULL,                  -- 1, 2, ... per shard
            partition_key TEXT NOT NULL,
            data BLOB NOT NULL,
            arrived_at REAL NOT NULL,
            PRIMARY KEY (stream_arn, shard_id, counter)
        );
        CREATE INDEX stream_records_arrival ON stream_records (stream_arn, shard_id, arrived_at);
        """,
    ),
    (
        "config_generation",
        # Every change to functions, versions or aliases bumps one counter, whoever writes it: a
        # long-running process (serve) can keep what it read as long as the counter stands still.
        """
        INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0);
        """
        + "".join(
            f"""
        CREATE TRIGGER {table}_{event.lower()}_generation AFTER {event} ON {table}
        BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
        """
            for table in ("functions", "versions", "aliases")
            for event in ("INSERT", "UPDATE", "DELETE")
        ),
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, component: str = "", migrations: list[tuple[str, str]] | None = None) -> None:
    """Bring one component's tables up to date; safe when several processes race to do it.

    The core (Lambda) schema is recorded as ``schema_version``; each embedded service keeps its own
    tables and migration list (``lambdactl/services/<service>/schema.py``), recorded as
    ``schema_version:<service>``, so services add tables without renumbering each other's steps.
    """
    steps = MIGRATIONS if migrations is None else migrations
    key = f"schema_version:{component}" if component else "schema_version"
    target = len(steps)
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row and int(row[0]) == target:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        current = int(row[0]) if row else 0
        if current > target:
            raise errors.ConfigurationError(
                f"The state directory's {component or 'core'} schema ({current}) is newer than this "
                f"lambdactl's ({target}): upgrade lambdactl or use another --state-dir."
            )
        for _name, script in steps[current:]:
            for statement in _statements(script):
                conn.execute(statement)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(target)))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a script into statements (a trigger's body holds semicolons of its own)."""
    statements, buffer = [], ""
    for part in script.split(";"):
        buffer += part + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                statements.append(buffer)
            buffer = ""
    return statements
