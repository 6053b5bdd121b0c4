"""The state directory: one SQLite database (WAL) plus a content-addressed code store.

Every write is one short ``BEGIN IMMEDIATE`` transaction, so many lambdactl
processes can share a state directory: no record is lost or torn, and a process
killed at any point leaves a database that opens and reads.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from lambdactl.state.migrations import migrate

DB_NAME = "lambdactl.db"
BUSY_TIMEOUT_MS = 60_000


def default_state_dir() -> Path:
    """``--state-dir``, else ``LAMBDACTL_STATE_DIR``, else ``$XDG_STATE_HOME/lambdactl`` (~/.local/state/lambdactl)."""
    env = os.environ.get("LAMBDACTL_STATE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "lambdactl"


class Store:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._conn: sqlite3.Connection | None = None
        self._schemas: set[str] = set()  # services whose tables this connection has checked

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self.root.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.root / DB_NAME, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _enable_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.row_factory = sqlite3.Row
            migrate(conn)
            self._conn = conn
        return self._conn

    def ensure_schema(self, component: str, migrations: list[tuple[str, str]]) -> None:
        """Create or upgrade one embedded service's tables (once per connection, cheap after that)."""
        if component not in self._schemas:
            migrate(self.conn, component, migrations)
            self._schemas.add(component)

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: taken at once (IMMEDIATE) so readers never need to upgrade."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def read(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, args).fetchall()

    def read_one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, args).fetchone()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._schemas.clear()


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL (a no-op once the file is WAL). SQLite may answer SQLITE_BUSY here at once,
    without its busy handler, while another process recovers the WAL after a crash: retry."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
