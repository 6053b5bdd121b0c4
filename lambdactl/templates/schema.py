"""The stacks' own tables: what each template deploy made, resource by resource."""

from __future__ import annotations

MIGRATIONS = [
    (
        "stacks_resources",
        """
        CREATE TABLE stacks (
            name TEXT PRIMARY KEY,
            template TEXT NOT NULL,                    -- the template's path when last deployed
            parameters TEXT NOT NULL,                  -- the --parameter-overrides (JSON)
            status TEXT NOT NULL,                      -- CREATE_COMPLETE, UPDATE_COMPLETE, UPDATE_FAILED...
            updated_at REAL NOT NULL
        );
        CREATE TABLE stack_resources (
            stack TEXT NOT NULL REFERENCES stacks(name),
            logical_id TEXT NOT NULL,
            type TEXT NOT NULL,
            physical_id TEXT NOT NULL,
            digest TEXT NOT NULL,                      -- of the resolved properties (and code): unchanged -> no work
            attributes TEXT NOT NULL,                  -- what Ref / Fn::GetAtt give (JSON)
            position INTEGER NOT NULL,                 -- apply order; deletes run in reverse
            PRIMARY KEY (stack, logical_id)
        );
        """,
    ),
    (
        "stacks_fingerprint",
        """
        ALTER TABLE stacks ADD COLUMN fingerprint TEXT;  -- of what the last complete deploy read (noop.py), NULL if unknown
        ALTER TABLE stacks ADD COLUMN sources TEXT;      -- the code folders and zips it packaged (JSON list)
        ALTER TABLE stacks ADD COLUMN unchanged TEXT;    -- what a no-op redeploy answers (JSON, the skipped resources)
        """,
    ),
]
