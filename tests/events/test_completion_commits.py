"""An async event's completion is committed with its log, in the batch of everything finishing at the
same moment (``logs.write_after``): fewer events run but unrecorded when a worker is killed."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from lambdactl.control import logs


@pytest.fixture
def writer(plane):
    with plane.store.write() as conn:
        conn.execute("CREATE TABLE done (id INTEGER PRIMARY KEY)")
    writer = logs.batch_writes(plane.settings.region_dir)
    yield writer
    logs.stop_batching(writer)


def _done(plane) -> list[int]:
    with sqlite3.connect(plane.settings.region_dir / "lambdactl.db") as db:
        return sorted(row[0] for row in db.execute("SELECT id FROM done"))


def test_many_threads_writes_share_commits_and_a_failing_one_is_undone_alone(plane, writer):
    def record(n: int):
        def write(conn) -> int:
            conn.execute("INSERT INTO done (id) VALUES (?)", (n,))
            if n == 7:
                raise ValueError("seven")
            return n * 10
        return write

    results: dict[int, object] = {}
    gate = threading.Barrier(40)

    def one(n: int) -> None:
        logs.append(plane, "/aws/lambda/f", f"stream-{n}", f"line {n}\n")
        gate.wait()
        try:
            results[n] = logs.write_after(plane, record(n))
        except ValueError as exc:
            results[n] = exc

    threads = [threading.Thread(target=one, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(results[7], ValueError)
    assert {n: r for n, r in results.items() if n != 7} == {n: n * 10 for n in range(40) if n != 7}
    assert _done(plane) == [n for n in range(40) if n != 7]  # seven's insert undone, nobody else's
    with sqlite3.connect(plane.settings.region_dir / "lambdactl.db") as db:  # each log before its write returned
        assert db.execute("SELECT count(*) FROM log_events WHERE log_group = '/aws/lambda/f'").fetchone()[0] == 40


def test_without_a_batch_writer_the_write_is_its_own_transaction(plane):
    with plane.store.write() as conn:
        conn.execute("CREATE TABLE done (id INTEGER PRIMARY KEY)")
    assert logs.write_after(plane, lambda conn: conn.execute("INSERT INTO done (id) VALUES (1)").rowcount) == 1
    assert _done(plane) == [1]
