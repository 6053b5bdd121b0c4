"""The background worker fires due schedules: it stays while any is enabled, and a worker killed with
kill -9 while a schedule is due fires it once after restart (no catch-up storm)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from tests.events.conftest import wait_until
from tests.processes import worker_pids

QUEUE = "arn:aws:sqs:us-east-1:123456789012:ticks"
QUEUE_URL = "http://sqs.us-east-1.localhost/123456789012/ticks"

pytestmark = pytest.mark.slow


def messages(cli) -> int:
    attributes = cli("sqs", "get-queue-attributes", "--queue-url", QUEUE_URL, "--attribute-names", "All").json
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def pass_time(state_dir, seconds: float) -> None:
    """Time goes by while no worker runs: move the state directory's clock without firing anything."""
    conn = sqlite3.connect(state_dir / "lambdactl.db")
    with conn:
        conn.execute("UPDATE events_clock SET offset_s = offset_s + ? WHERE id = 1", (seconds,))
    conn.close()


def test_worker_stays_while_a_schedule_is_enabled_and_leaves_after(cli, state_dir):
    cli.env["LAMBDACTL_WORKER_IDLE_S"] = "0.2"
    cli("events", "put-rule", "--name", "daily", "--schedule-expression", "rate(1 day)")
    [pid] = wait_until(lambda: worker_pids(state_dir), timeout=30)
    drained = cli("drain", "--timeout", "30")
    assert drained.stderr.strip() == "1 enabled schedule(s): the background worker keeps running to fire them."
    assert worker_pids(state_dir) == [pid]  # idle for longer than 0.2 s, kept by the schedule
    cli("events", "disable-rule", "--name", "daily")
    wait_until(lambda: not worker_pids(state_dir), timeout=30)
    assert cli("drain", "--timeout", "30").stderr == ""


def test_killed_at_a_due_time_the_schedule_fires_once_after_restart(cli, state_dir):
    cli.env["LAMBDACTL_AUTO_WORKER"] = "0"
    cli("sqs", "create-queue", "--queue-name", "ticks")
    cli("events", "put-rule", "--name", "minutely", "--schedule-expression", "rate(1 minute)")
    cli("events", "put-targets", "--rule", "minutely", "--targets", f"Id=q,Arn={QUEUE}")
    cli("advance-clock")  # creates the clock row
    pass_time(state_dir, 5 * 60 + 1)  # five firings missed while nothing ran

    def start() -> subprocess.Popen:
        env = cli.environment(LAMBDACTL_WORKER_IDLE_S="600")
        return subprocess.Popen([sys.executable, "-m", "lambdactl.server.worker", str(state_dir), "us-east-1"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip

    worker = start()
    try:
        wait_until(lambda: messages(cli) >= 1, timeout=30)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        assert messages(cli) == 1  # the missed firings were not replayed
        pass_time(state_dir, 60)  # it is due again while the worker is dead
        worker = start()
        wait_until(lambda: messages(cli) >= 2, timeout=30)
        assert cli("advance-clock").json["Firings"] == []  # nothing left due: fired once, not a storm
        assert messages(cli) == 2
    finally:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()


def test_a_worker_kept_by_schedules_leaves_once_its_state_directory_is_gone(cli, state_dir):
    import shutil

    cli.env["LAMBDACTL_WORKER_IDLE_S"] = "0.2"
    cli("events", "put-rule", "--name", "daily", "--schedule-expression", "rate(1 day)")
    wait_until(lambda: worker_pids(state_dir), timeout=30)
    shutil.rmtree(state_dir)
    wait_until(lambda: not worker_pids(state_dir), timeout=30)
