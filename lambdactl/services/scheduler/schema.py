"""EventBridge Scheduler's tables (the timers themselves live with EventBridge's)."""

from __future__ import annotations

MIGRATIONS = [
    (
        "groups_schedules",
        """
        CREATE TABLE scheduler_groups (
            name TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            modified_at REAL NOT NULL
        );
        CREATE TABLE scheduler_schedules (
            grp TEXT NOT NULL REFERENCES scheduler_groups(name),
            name TEXT NOT NULL,
            arn TEXT NOT NULL UNIQUE,
            config TEXT NOT NULL,                      -- the schedule as GetSchedule shows it (JSON)
            PRIMARY KEY (grp, name)
        );
        """,
    ),
    (  # with the tables, not on first use: a read in a region without state writes nothing (RegionStore)
        "default_group",
        "INSERT OR IGNORE INTO scheduler_groups VALUES ('default', (julianday('now') - 2440587.5) * 86400.0, "
        "(julianday('now') - 2440587.5) * 86400.0);",
    ),
]
