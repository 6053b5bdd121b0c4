"""The suite respects the person running it: no test reads or writes their default state directory or HOME,
and the README's quickstart runs twice in a row in any clone (its own temporary state directory)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SUITE_HOME, SUITE_HOME_BEFORE, home_tree

ROOT = Path(__file__).resolve().parent.parent


def test_the_suite_left_home_untouched(pytestconfig: pytest.Config) -> None:
    """Runs last (tests/conftest.py orders it): not a byte of the read-only HOME, and of the function in its
    default state directory, changed while every other test ran."""
    assert os.environ["HOME"] == str(SUITE_HOME) and (SUITE_HOME / ".local/state/lambdactl/lambdactl.db").is_file()
    assert home_tree(SUITE_HOME) == pytestconfig.stash[SUITE_HOME_BEFORE]


@pytest.mark.slow
def test_a_test_that_writes_home_fails_the_suite(tmp_path: Path) -> None:
    stray = tmp_path / "test_stray.py"
    stray.write_text("from pathlib import Path\n\n\ndef test_writes_home():\n"
                     "    (Path.home() / '.local/state/lambdactl/stray').write_text('x')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(stray),
                          "tests/test_isolation.py::test_the_suite_left_home_untouched"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 1, run.stdout[-3000:]
    if os.geteuid() == 0:  # root writes through the read-only bits: the hash check is what catches it
        assert re.search(r"FAILED tests/test_isolation.py::test_the_suite_left_home_untouched", run.stdout), run.stdout
    else:
        assert "PermissionError" in run.stdout, run.stdout


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
