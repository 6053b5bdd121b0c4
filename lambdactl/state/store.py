"""The state directory: one SQLite database (WAL) plus a content-addressed code store.

Every write is one short ``BEGIN IMMEDIATE`` transaction, so many lambdactl
processes can share a state directory: no record is lost or torn, and a process
killed at any point leaves a database that opens and reads.

The state directory holds secrets (functions' environment variables), so it is private: created
0700 (with any parent lambdactl creates, e.g. ``~/.local/state``), tightened with a one-line notice
when found open to others, and the database (hence its ``-wal``/``-shm``, which SQLite creates with
the database's mode) is 0600.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdactl.settings import DB_NAME
from lambdactl.state import generation
from lambdactl.state.migrations import migrate

if TYPE_CHECKING:
    from lambdactl.settings import Settings

__all__ = ["DB_NAME", "RegionStore", "Store"]
BUSY_TIMEOUT_MS = 60_000
RECLAIM_WAIT_MS = 200  # how long giving space back waits for other connections, then leaves it for later
INCREMENTAL = 2  # PRAGMA auto_vacuum's value for INCREMENTAL
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_checked: set[str] = set()  # state dirs this process made sure are private


def private_state_dir(root: str | os.PathLike[str]) -> Path:
    """``root``, created (with missing parents) 0700, or tightened to 0700 once per process."""
    root = Path(root)
    key = str(root)
    if key in _checked:
        return root
    missing = []
    for path in (root, *root.parents):
        if path.exists():
            break
        missing.append(path)
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # a racing lambdactl made it
            pass
    if not missing:
        mode = root.stat().st_mode & 0o777
        if mode & 0o077 and root.is_dir() and root.stat().st_uid == os.geteuid():
            root.chmod(mode & PRIVATE_DIR)
            print(f"lambdactl: made the state directory {root} private (mode {mode:o} -> {mode & PRIVATE_DIR:o}): "
                  "it holds functions' environment variables", file=sys.stderr)
    _checked.add(key)
    return root


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new or truncated 0600 file."""
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE), "w") as handle:
        handle.write(text)


def create_private(path: Path) -> None:
    """Create ``path`` empty and 0600 unless it exists (so what SQLite or a writer adds stays private)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass


class Store:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._conn: sqlite3.Connection | None = None
        self._schemas: set[str] = set()  # services whose tables this connection has checked
        self._watch: generation.Watch | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            private_state_dir(self.root)
            create_private(self.root / DB_NAME)
            conn = sqlite3.connect(
                self.root / DB_NAME, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _enable_wal(conn)
            _enable_incremental_vacuum(conn)
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
            before = generation.current(conn)
            yield conn
            after = generation.current(conn)
            if after != before:  # the configuration changed: say so before it is visible
                generation.publish(self.root, after)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def generation(self) -> int:
        """The configuration generation, from the database."""
        return generation.current(self.conn)

    def generation_hint(self) -> int:
        """The configuration generation as last published (a memory read once mapped): when it equals
        a generation read from the database earlier, nothing has changed since."""
        if self._watch is None:
            self._watch = generation.Watch(self.root, self.conn)
        return self._watch.value()

    def read(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, args).fetchall()

    def read_one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, args).fetchone()

    def reclaim(self) -> bool:
        """Give deleted rows' space back to the file system (after a log trim, a deleted function):
        free pages are cut off the database's end (it is INCREMENTAL) and the WAL is checkpointed and
        truncated. Waits at most RECLAIM_WAIT_MS for other connections: a busy database keeps its
        space until the next call. True when the WAL was truncated."""
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {RECLAIM_WAIT_MS}")
        try:
            conn.executescript("PRAGMA incremental_vacuum;")  # execute() would free one page per call
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.OperationalError:  # locked past the wait
            return False
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return not busy

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._schemas.clear()


class RegionStore(Store):
    """The database of a region that may have no state yet (``Settings.region_dir``). While it has
    none, reads see an empty region (an in-memory database with the same tables) and nothing is
    created, so a read in a mistyped region leaves no trace; the first write claims the region's folder
    (``Settings.claim_region_dir``) and makes its database. A region made meanwhile (by another
    process, or another store of a server's pool) is found on the next use."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.region_dir)
        self.settings = settings
        self._empty: sqlite3.Connection | None = None  # the stand-in while the region has no database
        self._applied: dict[str, list[tuple[str, str]]] = {}  # services' migrations, for the database once made

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            if self._unmade():
                return _StandIn(self)  # type: ignore[return-value]
            self._open()
        return super().conn

    def ensure_schema(self, component: str, migrations: list[tuple[str, str]]) -> None:
        self._applied[component] = migrations
        if self._conn is None and self._unmade():
            # On the stand-in itself, not through ``conn``: the region's database may be made meanwhile,
            # and a migration's transaction must not begin on one connection and end on the other.
            empty = self._empty
            assert empty is not None
            with _writable(empty):
                migrate(empty, component, migrations)
        else:
            super().ensure_schema(component, migrations)

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        if self._conn is None and self._unmade():
            self.root = self.settings.claim_region_dir()
            self._open()
        with super().write() as conn:
            yield conn

    def generation_hint(self) -> int:
        if self._conn is None and self._unmade():
            return generation.current(self.conn)
        return super().generation_hint()

    def close(self) -> None:
        super().close()
        self._empty = None

    def _unmade(self) -> bool:
        """Whether the region still has no database (the stand-in ready if so)."""
        self.root = self.settings.region_dir
        if (self.root / DB_NAME).exists():
            return False
        if self._empty is None:
            empty = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            empty.row_factory = sqlite3.Row
            migrate(empty)
            for component, migrations in self._applied.items():
                migrate(empty, component, migrations)
            empty.execute("PRAGMA query_only = ON")  # a write that bypasses write() fails, never vanishes
            self._empty = empty
        return True

    def _open(self) -> None:
        """Open (and make) the region's database in place of the stand-in, with the services' tables
        the stand-in had."""
        conn = super().conn
        for component, migrations in self._applied.items():
            migrate(conn, component, migrations)
            self._schemas.add(component)
        self._empty = None  # not closed: a cursor of it being read (made by another process meanwhile) keeps it


@contextlib.contextmanager
def _writable(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("PRAGMA query_only = OFF")
    try:
        yield
    finally:
        conn.execute("PRAGMA query_only = ON")


class _StandIn:
    """The connection ``RegionStore.conn`` hands out while its region has no database: the in-memory
    stand-in's, and once a write made the region, its database's (so a caller that took the
    connection before its first write reads what it wrote)."""

    def __init__(self, store: RegionStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        store = self._store
        if store._conn is None and store._unmade():
            return getattr(store._empty, name)
        return getattr(store.conn, name)


def reclaim_space(root: Path) -> None:
    """``Store.reclaim`` on a connection of its own (a long-running process leaving)."""
    store = Store(root)
    try:
        store.reclaim()
    finally:
        store.close()


def _enable_incremental_vacuum(conn: sqlite3.Connection) -> None:
    """Make the database INCREMENTAL, so ``Store.reclaim`` can cut free pages off its end. That takes
    a VACUUM (the WAL switch has written the first page): a few milliseconds for a new database, once
    for one an older lambdactl made. VACUUM is one write transaction, safe beside other processes'
    readers and writers; a database busy past the busy timeout is converted by a later connection."""
    if conn.execute("PRAGMA auto_vacuum").fetchone()[0] == INCREMENTAL:
        return
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    try:
        conn.execute("VACUUM")
    except sqlite3.OperationalError:
        pass


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
