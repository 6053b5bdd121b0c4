"""Long waits show progress to a person at a terminal and stay silent in logs and CI."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
from pathlib import Path

import pytest

from tests.conftest import lambdactl_command

SLOW = "import time\ndef handler(event, context):\n    time.sleep(0.4)\n    return 1\n"
ROOT = Path(__file__).resolve().parents[2]


def queue_events(cli, make_zip, count: int) -> None:
    cli.create("slow", make_zip({"app.py": SLOW}))
    for _ in range(count):
        cli("invoke", "--function-name", "slow", "--invocation-type", "Event", "out.json",
            env={"LAMBDACTL_AUTO_WORKER": "0"})  # fmt: skip


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stderr (and stdout) on a pseudo-terminal; returns (exit code, what the terminal showed)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.wait(timeout=60), shown.decode(errors="replace")


def test_drain_shows_what_is_left_on_a_terminal(cli, make_zip) -> None:
    queue_events(cli, make_zip, 4)
    env = cli.environment()
    env.pop("CI", None)
    env.pop("NO_COLOR", None)
    code, shown = run_on_a_terminal([*lambdactl_command(), "drain", "--timeout", "60"], env)
    assert code == 0, shown
    assert re.search(r"Draining: [1-4] async event\(s\) pending, 0 mapping\(s\) with records left", shown), shown


@pytest.mark.parametrize("ci", ["", "true"])
def test_drain_is_silent_when_piped_or_under_ci(cli, make_zip, ci: str) -> None:
    queue_events(cli, make_zip, 2)
    if ci:  # a terminal, but CI says so: no spinner in its log
        code, shown = run_on_a_terminal([*lambdactl_command(), "drain", "--timeout", "60"], cli.environment(CI="true"))
        assert code == 0 and "Draining" not in shown
    else:
        result = cli("drain", "--timeout", "60")
        assert result.stderr == "" and result.stdout == ""


def test_samples_install_lambdactl_from_the_checkout() -> None:
    """lambdactl is not on a package index: a sample that `pip install lambdactl`s would run a stranger's code."""
    for path in (ROOT / "samples").rglob("*"):
        if path.is_file() and path.suffix in ("", ".sh", ".mk") or path.name == "Makefile":
            commands = [line for line in path.read_text(errors="replace").splitlines() if not line.lstrip().startswith("#")]
            for line in commands:
                assert not re.search(r"pip[3]? install[^#]*\blambdactl\b(?![-\w/.])", line), (path, line)
    assert 'pip" install --quiet "$CHECKOUT"' in (ROOT / "samples" / "ci-example.sh").read_text()
