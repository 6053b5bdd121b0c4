"""`build` and `deploy` progress: plain lines naming each resource when piped, a rich display on a terminal."""

from __future__ import annotations

import os
import pty
import re
import subprocess
from pathlib import Path

from tests.conftest import lambdactl_command
from templates.test_fast_paths import write

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_piped_build_and_deploy_print_a_plain_line_per_resource(cli, tmp_path: Path) -> None:
    write(tmp_path)
    build = cli("build").stderr
    assert not ANSI.search(build)
    assert "Building Fn (python3.12, x86_64)" in build
    deployed = cli("deploy", "--stack-name", "plain").stderr
    assert not ANSI.search(deployed)
    assert re.search(r"^Add +Fn \(AWS::Lambda::Function\)$", deployed, re.M)
    assert re.search(r"^Skip \(not run locally\) +Role \(AWS::IAM::Role\): IAM is not enforced here", deployed, re.M)
    ci = cli("deploy", "--stack-name", "ci", env={"CI": "true"}).stderr
    assert not ANSI.search(ci) and "Fn (AWS::Lambda::Function)" in ci


def on_terminal(cli, cwd: Path, *args: str) -> str:
    """Run the CLI with stdout and stderr on a pseudo-terminal; everything it drew."""
    env = {key: value for key, value in cli.environment().items() if key not in ("CI", "NO_COLOR")}
    env.update(TERM="xterm-256color", COLUMNS="100")
    main, child = pty.openpty()
    proc = subprocess.Popen([*lambdactl_command(), *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=child, stderr=child)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child's side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert proc.wait(timeout=120) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


def test_terminal_build_and_deploy_draw_a_rich_progress_display(cli, tmp_path: Path) -> None:
    write(tmp_path)
    drawn = on_terminal(cli, tmp_path, "build")
    assert ANSI.search(drawn) and "Building Fn" in drawn
    drawn = on_terminal(cli, tmp_path, "deploy", "--stack-name", "tty")
    assert "\x1b[?25l" in drawn  # rich's live display hides the cursor while it draws
    assert "Fn (AWS::Lambda::Function)" in ANSI.sub("", drawn)
