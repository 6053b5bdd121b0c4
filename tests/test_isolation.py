"""The suite respects the person running it: no test reads or writes their default state directory or HOME,
and the README's quickstart runs twice in a row in any clone (its own temporary state directory)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import lambdactl_command

ROOT = Path(__file__).resolve().parent.parent
# A slice of the suite that starts lambdactl every way a test does: CLI subprocesses, `serve`, in-process planes.
SAMPLE = ["tests/ergonomics/test_function_output.py", "tests/server/test_lifecycle.py", "tests/state/test_store.py"]


def tree(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every path under ``root`` with its mode, mtime and content hash: what a write would change."""
    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[str(path.relative_to(root))] = (info.st_mode, info.st_mtime_ns, digest)
    return found


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_tests_leave_a_read_only_home_and_its_default_state_dir_untouched(tmp_path: Path) -> None:
    home = tmp_path / "home"
    user_state = home / ".local" / "state" / "lambdactl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAMBDACTL_", "AWS_")) and k != "XDG_STATE_HOME"}
    env.update(HOME=str(home), PYENV_ROOT=os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv")))
    code = tmp_path / "mine.zip"
    subprocess.run([sys.executable, "-m", "zipfile", "-c", str(code), str(ROOT / "samples/hello-python/app.py")], check=True)
    subprocess.run([*lambdactl_command(), "create-function", "--function-name", "users-own", "--runtime", "python3.12",
                    "--handler", "app.handler", "--zip-file", f"fileb://{code}"],
                   env=env, check=True, capture_output=True)  # fmt: skip
    assert (user_state / "lambdactl.db").is_file()  # the default state directory, as the user has it
    for path in [home, *home.rglob("*")]:  # read-only (binding for anyone but root; the hashes catch root)
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = tree(home)
    try:
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SAMPLE],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=540)  # fmt: skip
    finally:
        for path in [home, *home.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert re.search(r"\d+ passed", run.stdout)
    assert tree(home) == {k: (v[0] | stat.S_IWUSR, v[1], v[2]) for k, v in before.items()}


def quickstart() -> str:
    return re.findall(r"^```sh\n(.*?)^```$", (ROOT / "README.md").read_text(), re.MULTILINE | re.DOTALL)[0]


def test_quickstart_uses_its_own_state_directory() -> None:
    assert 'export LAMBDACTL_STATE_DIR="$(mktemp -d)"' in quickstart().split("create-function")[0]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_quickstart_runs_twice_in_a_fresh_clone(tmp_path: Path) -> None:
    """The README's first command, as a new user pastes it, twice, in a clone of this checkout."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    shutil.copytree(ROOT / "samples", clone / "samples", dirs_exist_ok=True)  # this checkout's samples, committed or not
    shutil.copy(ROOT / "README.md", clone / "README.md")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAMBDACTL_", "AWS_", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    for attempt in (1, 2):
        run = subprocess.run(["bash", "-c", quickstart()], cwd=clone, env=env, capture_output=True, text=True, timeout=280)
        assert run.returncode == 0, f"run {attempt}: {run.stdout[-2000:]}{run.stderr[-3000:]}"
        assert run.stdout.rstrip().endswith('{"hello": "you"}'), run.stdout[-500:]
