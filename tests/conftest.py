"""Shared fixtures: a state directory, a control plane on it, the real `lambdactl` entry point, real zips.

``cli`` runs the installed console script (or ``python -m lambdactl`` when there is none) as a
subprocess, with ``LAMBDACTL_STATE_DIR`` pointing at the test's state directory and a clean AWS
environment. Like httpie's ``http()`` it fails loudly on an unexpected exit code and shows stderr;
a test that expects failure passes ``rc=<code>`` and asserts the message.
"""

from __future__ import annotations

import json
import os
import sqlite3
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import processes
from tests.processes import nothing_left_running, nothing_left_running_by_the_module  # noqa: F401 - autouse fixtures

# pytest loads this file as `conftest`; test modules import its helpers as `tests.conftest`. One module, not two
# (a second copy would make its own temporary HOME and state directories).
sys.modules.setdefault("tests.conftest", sys.modules[__name__])

HELLO_PY = 'def handler(event, context):\n    return {"hello": event.get("name", "world")}\n'
SUITE_HOME_BEFORE = pytest.StashKey[dict[str, tuple[int, int, str]]]()

try:
    # The awscli wheel here is the v2 code base: importing `awscli` (tests/render) installs an import hook that
    # aliases a *later* `import botocore` to awscli's vendored copy, whose data files differ (no .json.gz), which
    # broke tests/cli_input when both ran in one session. Importing the real botocore first keeps one botocore.
    import botocore  # noqa: F401
except ImportError:  # the test extras are not installed
    pass

# Never the user's: what a test could reach without naming a state directory (LAMBDACTL_STATE_DIR unset,
# XDG_STATE_HOME redirected here for this process and every lambdactl it starts).
ISOLATED_XDG_STATE = Path(tempfile.mkdtemp(prefix="lambdactl-tests-xdg-state-"))
processes.MORE_ROOTS.append(ISOLATED_XDG_STATE)  # a worker of the default state directory is stopped too
INHERITED_TARGETS = ("LAMBDACTL_STATE_DIR", "LAMBDACTL_ENDPOINT_URL", "LAMBDACTL_SERVE_STATE_DIR", "AWS_ENDPOINT_URL_LAMBDA")
# Nor the user's HOME: the suite and everything it starts (lambdactl, pip, npm, docker, rustup's proxies that pip
# asks for a version) run under SUITE_HOME, a read-only HOME whose default state directory holds a function, as a
# user's would. The last test, tests/test_isolation.py::test_the_suite_left_home_untouched, checks that no byte of
# it changed. Caches and tool state that a HOME would hold go to SUITE_SCRATCH instead.
SUITE_HOME = Path(tempfile.mkdtemp(prefix="lambdactl-tests-home-"))
SUITE_SCRATCH = Path(tempfile.mkdtemp(prefix="lambdactl-tests-scratch-"))
HOME_CHECK = "tests/test_isolation.py::test_the_suite_left_home_untouched"


def home_tree(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every path under ``root`` with its mode, mtime and content hash: what a write would change."""
    import hashlib

    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[str(path.relative_to(root))] = (info.st_mode, info.st_mtime_ns, digest)
    return found


def _set_read_only(root: Path, read_only: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222 if read_only else mode | 0o200)


def _prepare_suite_home() -> None:
    """A user's HOME in miniature: ``~/.local/state/lambdactl`` with a function in it; then read-only."""
    real_home = Path.home()
    if "PYENV_ROOT" not in os.environ and (real_home / ".pyenv").is_dir():
        os.environ["PYENV_ROOT"] = str(real_home / ".pyenv")  # pyenv's shims find their interpreters there
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAMBDACTL_")) and k != "XDG_STATE_HOME"}
    env["HOME"] = str(SUITE_HOME)
    code = SUITE_SCRATCH / "users-own.zip"
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("app.py", HELLO_PY)
    subprocess.run([*lambdactl_command(), "create-function", "--function-name", "users-own", "--runtime",
                    "python3.12", "--handler", "app.handler", "--role", "arn:aws:iam::123456789012:role/r",
                    "--zip-file", f"fileb://{code}"], env=env, check=True, capture_output=True)  # fmt: skip
    assert (SUITE_HOME / ".local/state/lambdactl/lambdactl.db").is_file()
    os.environ["HOME"] = str(SUITE_HOME)
    os.environ["XDG_CACHE_HOME"] = str(SUITE_SCRATCH / "cache")  # pip's cache
    os.environ["npm_config_cache"] = str(SUITE_SCRATCH / "npm")
    os.environ["RUSTUP_HOME"] = str(SUITE_SCRATCH / "rustup")  # the rustc proxy writes its settings.toml there
    os.environ["DOCKER_CONFIG"] = str(SUITE_SCRATCH / "docker")
    _set_read_only(SUITE_HOME, True)


def pytest_configure(config: pytest.Config) -> None:
    os.environ["XDG_STATE_HOME"] = str(ISOLATED_XDG_STATE)
    for key in INHERITED_TARGETS:
        os.environ.pop(key, None)
    _prepare_suite_home()
    config.stash[SUITE_HOME_BEFORE] = home_tree(SUITE_HOME)


def pytest_unconfigure(config: pytest.Config) -> None:
    _set_read_only(SUITE_HOME, False)
    for path in (ISOLATED_XDG_STATE, SUITE_HOME, SUITE_SCRATCH):
        shutil.rmtree(path, ignore_errors=True)


# Where every test runs containers, real pollers, kill -9 rounds or many processes (seconds each): with the
# tests marked one by one, they are left out of the quick run, `pytest -m "not slow"`.
SLOW_MODULES = (
    "tests/docker/",
    "tests/mappings/test_sqs_mappings.py",
    "tests/mappings/test_stream_mappings.py",
    "tests/mappings/test_external.py",
    "tests/runtime/test_lifecycle.py",
    "tests/state/test_concurrency.py",
)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects on the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW_MODULES) and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.nodeid == HOME_CHECK)  # last: it checks what every other test did


def lambdactl_command() -> list[str]:
    """The installed entry point next to this interpreter, else ``python -m lambdactl``."""
    script = Path(sys.executable).with_name("lambdactl")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "lambdactl"]


def clean_env(state_dir: Path, **extra: str) -> dict[str, str]:
    """The process environment minus anything AWS/lambdactl that could change results, plus the state dir."""
    keep = ("LAMBDACTL_PYTHON", "LAMBDACTL_NODE", "LAMBDACTL_JAVA", "LAMBDACTL_REQUIRE_DOCKER")  # where interpreters live, CI policy
    env = {
        key: value
        for key, value in os.environ.items()
        if key.startswith(keep) or not key.startswith(("AWS_", "LAMBDACTL_"))
    }
    env["XDG_STATE_HOME"] = str(ISOLATED_XDG_STATE)
    env["LAMBDACTL_STATE_DIR"] = str(state_dir)
    env["AWS_CONFIG_FILE"] = os.devnull  # never read the developer's ~/.aws/config
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    # Every invoke starts the state directory's background worker (warm invokes): in a suite of
    # hundreds of state directories, let each leave soon after its test instead of after 30 s.
    env["LAMBDACTL_WORKER_IDLE_S"] = "5"
    env.update(extra)
    return env


@dataclass
class Result:
    args: list[str]
    rc: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


class CLI:
    """``cli("get-function", "--function-name", "f")`` -> Result; fails unless the exit code is ``rc``."""

    def __init__(self, state_dir: Path, cwd: Path) -> None:
        self.state_dir = state_dir
        self.cwd = cwd
        self.env: dict[str, str] = {}

    def __call__(self, *args: str, rc: int = 0, env: dict[str, str] | None = None,
                 input: str | None = None, timeout: float = 60) -> Result:  # noqa: A002
        proc = subprocess.run(
            [*lambdactl_command(), *args],
            env=clean_env(self.state_dir, **self.env, **(env or {})),
            cwd=self.cwd,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result = Result(list(args), proc.returncode, proc.stdout, proc.stderr)
        if proc.returncode != rc:
            pytest.fail(
                f"lambdactl {' '.join(args)}\nexpected exit {rc}, got {proc.returncode}\n"
                f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}",
                pytrace=False,
            )
        if "Traceback" in proc.stderr and "--debug" not in args:
            pytest.fail(f"lambdactl {' '.join(args)} printed a traceback:\n{proc.stderr}", pytrace=False)
        return result

    def environment(self, **extra: str) -> dict[str, str]:
        """The environment the CLI runs with (for running other processes alongside it)."""
        return clean_env(self.state_dir, **self.env, **extra)

    def create(self, name: str, zip_path: Path, *extra: str, rc: int = 0, **kwargs: Any) -> Result:
        return self(*create_args(name, zip_path, *extra), rc=rc, **kwargs)

    def popen(self, *args: str, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.Popen:
        return subprocess.Popen(
            [*lambdactl_command(), *args],
            env=clean_env(self.state_dir, **self.env, **(env or {})),
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )


def build_zip(path: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """A real zip at ``path`` holding ``files`` (default: a Python hello handler as app.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (files or {"app.py": HELLO_PY}).items():
            archive.writestr(name, content)
    return path


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def plane(state_dir: Path):
    from lambdactl.plane import ControlPlane, Settings

    control = ControlPlane(Settings(state_dir=state_dir, region="us-east-1", account_id="123456789012"))
    yield control
    control.close()


@pytest.fixture
def cli(state_dir: Path, tmp_path: Path) -> CLI:
    return CLI(state_dir, tmp_path)


@pytest.fixture
def make_zip(tmp_path: Path):
    """``make_zip()`` / ``make_zip({"app.py": "..."}, name="x.zip")`` -> path of a real zip in tmp_path."""
    counter = iter(range(10**6))

    def make(files: dict[str, str | bytes] | None = None, name: str | None = None) -> Path:
        return build_zip(tmp_path / "zips" / (name or f"code{next(counter)}.zip"), files)

    return make


@pytest.fixture
def state_snapshot():
    """``state_snapshot(state_dir)`` -> (sqlite dump, code-store files) to compare before/after."""
    return snapshot


@pytest.fixture
def hello_zip(make_zip) -> Path:
    return make_zip(name="hello.zip")


def create_args(name: str, zip_path: Path, *extra: str) -> list[str]:
    return ["create-function", "--function-name", name, "--runtime", "python3.12",
            "--handler", "app.handler", "--zip-file", f"fileb://{zip_path}", *extra]  # fmt: skip


def snapshot(state_dir: Path) -> tuple[list[str], list[tuple[str, int, bytes]]]:
    """Everything a command could change: the database's logical content and the code store's files."""
    dump: list[str] = []
    db = state_dir / "lambdactl.db"
    if db.exists():
        conn = sqlite3.connect(db)
        try:
            dump = list(conn.iterdump())
        finally:
            conn.close()
    files = sorted(
        (str(path.relative_to(state_dir)), path.stat().st_size, path.read_bytes())
        for path in state_dir.rglob("*")
        if path.is_file() and not path.name.startswith("lambdactl.db")
        and path != state_dir / "region"  # which region the directory's top holds: like the database itself
    ) if state_dir.exists() else []
    return dump, files


@pytest.fixture(scope="session")
def cli_for():
    """``cli_for(state_dir, cwd)`` -> a CLI on another state directory (for module-scoped fixtures)."""
    return CLI


@pytest.fixture(scope="session")
def zip_bytes() -> bytes:
    """The bytes of a small real zip (for building state through the control plane)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", HELLO_PY)
    return buffer.getvalue()
