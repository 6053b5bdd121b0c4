"""EventBridge's tables, and the timers shared with EventBridge Scheduler."""

from __future__ import annotations

MIGRATIONS = [
    (
        "buses_rules_targets_timers",
        """
        CREATE TABLE events_buses (
            name TEXT PRIMARY KEY,
            description TEXT,
            created_at REAL NOT NULL
        );
        CREATE TABLE events_rules (
            bus TEXT NOT NULL REFERENCES events_buses(name),
            name TEXT NOT NULL,
            arn TEXT NOT NULL UNIQUE,
            event_pattern TEXT,                        -- the JSON text as given
            schedule TEXT,
            state TEXT NOT NULL,                       -- ENABLED | DISABLED
            description TEXT,
            role_arn TEXT,
            created_at REAL NOT NULL,
            PRIMARY KEY (bus, name)
        );
        CREATE TABLE events_targets (
            rule_arn TEXT NOT NULL REFERENCES events_rules(arn) ON DELETE CASCADE,
            id TEXT NOT NULL,
            position INTEGER NOT NULL,
            target TEXT NOT NULL,                      -- the Target as given (JSON)
            PRIMARY KEY (rule_arn, id)
        );
        CREATE TABLE events_timers (
            arn TEXT PRIMARY KEY,                      -- an enabled scheduled rule or Scheduler schedule
            kind TEXT NOT NULL,                        -- rule | schedule
            expression TEXT NOT NULL,
            timezone TEXT NOT NULL,
            anchor REAL NOT NULL,                      -- rates count from here (creation, enabling, StartDate)
            end_at REAL,
            window_s REAL NOT NULL DEFAULT 0,          -- flexible time window
            due_at REAL NOT NULL,                      -- the next firing's scheduled time (clock seconds)
            fire_at REAL NOT NULL                      -- due_at plus its flexible-window delay
        );
        CREATE INDEX events_timers_fire ON events_timers (fire_at);
        CREATE TABLE events_clock (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            offset_s REAL NOT NULL                     -- lambdactl's clock = wall clock + offset
        );
        """,
    ),
    (
        "bus_outbox",
        """
        CREATE TABLE events_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            entry TEXT NOT NULL                        -- a PutEvents entry (JSON), published by the worker
        );
        """,
    ),
    (  # with the tables, not on first use: a read in a region without state writes nothing (RegionStore)
        "default_bus",
        "INSERT OR IGNORE INTO events_buses (name, created_at) VALUES ('default', (julianday('now') - 2440587.5) * 86400.0);",
    ),
]
