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


COUNTER = re.compile(r"\b(\d+)/(\d+)\b")


def counters(drawn: str) -> list[tuple[int, int]]:
    """Every ``done/total`` the progress bar drew."""
    return [(int(done), int(total)) for done, total in COUNTER.findall(ANSI.sub("", drawn))]


def test_terminal_progress_counts_each_step_once(cli, tmp_path: Path) -> None:
    write(tmp_path)
    drawn = on_terminal(cli, tmp_path, "build")
    assert counters(drawn) and all(done <= total == 1 for done, total in counters(drawn)), counters(drawn)
    assert "Build Succeeded" in drawn  # said once the bar is done, not counted as a step
    template = (tmp_path / "template.yaml").read_text()
    (tmp_path / "template.yaml").write_text(template.replace("Resources:", (
        "Conditions:\n  Never: !Equals [a, b]\nResources:\n  Extra:\n    Type: AWS::SQS::Queue\n"
        "  Skipped:\n    Type: AWS::SQS::Queue\n    Condition: Never\n"), 1))
    drawn = on_terminal(cli, tmp_path, "deploy", "--template", "template.yaml", "--stack-name", "count")
    # Role (skipped), Extra, Skipped (its condition is false: nothing to do, still a step) and Fn
    assert (4, 4) in counters(drawn) and all(done <= total == 4 for done, total in counters(drawn)), counters(drawn)
    (tmp_path / "template.yaml").write_text(template)  # Extra goes: its deletion is a step of its own
    drawn = on_terminal(cli, tmp_path, "deploy", "--template", "template.yaml", "--stack-name", "count")
    assert "Delete" in drawn and (3, 3) in counters(drawn), counters(drawn)
    assert all(done <= total for done, total in counters(drawn)), counters(drawn)
