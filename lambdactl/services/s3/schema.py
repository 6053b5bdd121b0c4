"""The embedded S3's tables (applied with ``plane.store.ensure_schema("s3", MIGRATIONS)``)."""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "buckets-objects-uploads",
        """
        CREATE TABLE s3_buckets (
            name TEXT PRIMARY KEY,
            region TEXT NOT NULL,
            created_at REAL NOT NULL,
            notification TEXT                          -- NotificationConfiguration JSON, NULL = none
        );
        CREATE TABLE s3_objects (
            bucket TEXT NOT NULL REFERENCES s3_buckets(name),
            key TEXT NOT NULL,                         -- compared as bytes: S3's UTF-8 order
            blob TEXT NOT NULL,                        -- hex SHA-256 in the blob store
            size INTEGER NOT NULL,
            etag TEXT NOT NULL,                        -- without quotes (md5 hex, or md5-of-md5s-N)
            last_modified REAL NOT NULL,
            headers TEXT NOT NULL DEFAULT '{}',        -- ContentType, CacheControl, ... as the API names them
            metadata TEXT NOT NULL DEFAULT '{}',       -- x-amz-meta-*
            parts INTEGER,                             -- multipart objects: number of parts
            PRIMARY KEY (bucket, key)
        ) WITHOUT ROWID;
        CREATE TABLE s3_uploads (
            id TEXT PRIMARY KEY,
            bucket TEXT NOT NULL REFERENCES s3_buckets(name),
            key TEXT NOT NULL,
            created_at REAL NOT NULL,
            headers TEXT NOT NULL DEFAULT '{}',
            metadata TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE s3_parts (
            upload_id TEXT NOT NULL REFERENCES s3_uploads(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            blob TEXT NOT NULL,
            size INTEGER NOT NULL,
            etag TEXT NOT NULL,
            last_modified REAL NOT NULL,
            PRIMARY KEY (upload_id, number)
        ) WITHOUT ROWID;
        CREATE INDEX s3_objects_blob ON s3_objects (blob);
        CREATE INDEX s3_parts_blob ON s3_parts (blob);
        """,
    ),
]
