"""What a test leaves running in its directories is stopped after it, and a leak fails it (tests/processes.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from lambdactl.events.background import held
from lambdactl.state import discovery
from tests import processes
from tests.processes import processes_in, stop_left_behind, worker_pids
from tests.serving import wait_until

REPO = Path(__file__).parents[1]


def _sleeper(tmpdir: Path) -> subprocess.Popen[bytes]:
    """A stand-in for an environment: a process whose TMPDIR is an environment's work directory."""
    process = subprocess.Popen(["sleep", "600"], env={**os.environ, "TMPDIR": str(tmpdir)}, start_new_session=True)
    return wait_until(lambda: _running("sleep", process), what="sleep started")


def _running(program: str, process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes] | None:
    """``process`` once it runs ``program`` (until its exec, /proc shows the forked Python)."""
    return process if Path(f"/proc/{process.pid}/cmdline").read_bytes().startswith(program.encode()) else None


def test_the_worker_and_its_environment_stop_and_nothing_is_reported(cli, hello_zip, state_dir, tmp_path):
    cli.create("hello", hello_zip)
    cli("invoke", "--function-name", "hello", str(tmp_path / "out.json"))  # cold; starts the worker, warming hello
    wait_until(lambda: (discovery.find(state_dir, discovery.WORKER_FILE_NAME) or {}).get("url"), what="worker up")
    wait_until(lambda: [p for p in processes_in(tmp_path) if not p.is_lambdactl], what="its warm environment")
    assert worker_pids(state_dir) and held(state_dir)
    assert stop_left_behind(tmp_path) == []  # SIGTERM: the worker stopped its environment itself
    assert processes_in(tmp_path) == []
    assert not held(state_dir) and discovery.record(state_dir, discovery.WORKER_FILE_NAME) is None


def test_a_process_that_outlives_its_owner_is_killed_and_named(tmp_path, monkeypatch):
    monkeypatch.setattr(processes, "GONE_WAIT_S", 0.5)
    orphan = _sleeper(tmp_path / "state" / "run" / "1.2-abc" / "tmp")
    [left] = stop_left_behind(tmp_path)
    assert left == f"pid {orphan.pid}: sleep 600 (outlived the lambdactl processes)"
    assert orphan.wait(10) == -signal.SIGKILL


def test_other_directories_and_processes_that_only_look_are_left_alone(tmp_path):
    (tmp_path / "x.log").touch()
    others = [_sleeper(Path(f"{tmp_path}-other") / "state" / "run" / "x" / "tmp"),  # a name that starts like ours
              subprocess.Popen(["tail", "-f", str(tmp_path / "x.log")], stdout=subprocess.DEVNULL)]  # fmt: skip
    wait_until(lambda: _running("tail", others[1]), what="tail started")
    try:
        assert stop_left_behind(tmp_path) == []
        assert [other.poll() for other in others] == [None, None]
    finally:
        for other in others:
            other.kill()
            other.wait()


def test_a_test_that_leaves_a_process_running_fails(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_leaky.py").write_text(
        "import os, subprocess\n"
        "import tests.processes\n\n"
        "tests.processes.GONE_WAIT_S = 0.5\n\n"
        "def test_leaky(tmp_path):\n"
        "    left = subprocess.Popen(['sleep', '600'], env={**os.environ, 'TMPDIR': str(tmp_path / 'state' / 'run')},\n"
        "                            start_new_session=True)\n"
        "    while not open(f'/proc/{left.pid}/cmdline', 'rb').read().startswith(b'sleep'):  # until its exec\n"
        "        pass\n"
    )  # fmt: skip
    inner = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.processes", "-p", "no:cacheprovider", "-q",
         "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), f"--basetemp={tmp_path / 'inner'}",
         str(tmp_path / "test_leaky.py")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert inner.returncode == 1, inner.stdout + inner.stderr
    assert "1 passed, 1 error" in inner.stdout
    assert "ERROR at teardown of test_leaky" in inner.stdout
    assert "processes left running after the test, now killed:" in inner.stdout
    assert processes_in(tmp_path / "inner") == []
