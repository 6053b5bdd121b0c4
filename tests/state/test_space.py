"""Space given back: after log retention trims a burst (and after deletes), the database and its WAL
shrink back near their size before it, while other processes keep the database open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from serving import wait_until

NOISY = '''
import sys

def handler(event, context):
    line = "x" * 999 + "\\n"
    for _ in range(event.get("kb", 0)):
        sys.stdout.write(line)
    return "done"
'''
RETAINED = "100"  # log events kept per group: a burst's thousands of lines are trimmed at once
SLACK = 1 << 20  # the database and WAL may end this much above their size before the bursts


def on_disk(state_dir: Path) -> int:
    return sum(path.stat().st_size for path in state_dir.glob("lambdactl.db*") if path.name != "lambdactl.db-shm")


@pytest.mark.slow
def test_trimmed_log_bursts_give_their_space_back(cli, make_zip, state_dir):
    cli.env["LAMBDACTL_LOG_RETENTION_EVENTS"] = RETAINED
    cli("create-function", "--function-name", "noisy", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{make_zip({'app.py': NOISY})}")
    for _ in range(3):  # the group holds its retention; the database reaches its working size
        cli("invoke", "--function-name", "noisy", "--cli-binary-format", "raw-in-base64-out", "--payload",
            '{"kb": 1}', "/dev/null")
    baseline = on_disk(state_dir)
    for _ in range(3):  # 3 x 20 MB printed, 8 MB kept of each, trimmed to the last 100 events
        cli("invoke", "--function-name", "noisy", "--cli-binary-format", "raw-in-base64-out", "--payload",
            '{"kb": 20000}', "/dev/null")
    with sqlite3.connect(state_dir / "lambdactl.db") as db:
        kept = db.execute("SELECT count(*) FROM log_events WHERE log_group = '/aws/lambda/noisy'").fetchone()[0]
    assert kept <= int(RETAINED) * 1.05 + 10, kept
    wait_until(lambda: on_disk(state_dir) <= baseline + SLACK, timeout=30,
               what=f"database and WAL back near {baseline} bytes (now {on_disk(state_dir)})")


def test_a_database_made_before_incremental_vacuum_is_converted(cli, state_dir):
    """An older lambdactl's database (auto_vacuum NONE, WAL) is made INCREMENTAL on first open."""
    state_dir.mkdir(mode=0o700)
    with sqlite3.connect(state_dir / "lambdactl.db") as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE filler (x)")
    with sqlite3.connect(state_dir / "lambdactl.db") as db:
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    cli("list-functions", "--function-version", "ALL")  # opens the database
    with sqlite3.connect(state_dir / "lambdactl.db") as db:
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
        assert db.execute("SELECT count(*) FROM filler").fetchone()[0] == 0
