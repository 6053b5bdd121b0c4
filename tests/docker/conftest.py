"""Docker-backend tests run against a real engine with images built here (no registry is reachable).

Every test in this directory is marked ``docker``. Without an engine, the session tries
``.ci/docker.sh start`` (root with dockerd installed); if none can be had the tests SKIP
with the reason, unless ``LAMBDACTL_REQUIRE_DOCKER=1`` (CI), where they FAIL.

No ``__init__.py`` here on purpose: with ``tests/`` on sys.path, a package named ``docker``
would shadow the docker library.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import stop_background_worker

REPO = Path(__file__).parents[2]
LABEL_OWNER = "lambdactl.owner"  # as lambdactl.backends.docker labels its containers


def _engine_answers() -> bool:
    return shutil.which("docker") is not None and subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, timeout=20).returncode == 0


def _start_engine() -> str | None:
    """None if an engine answers (starting one if we can), else why not."""
    if _engine_answers():
        return None
    if os.environ.get("DOCKER_HOST"):
        return f"no Docker engine answers at DOCKER_HOST={os.environ['DOCKER_HOST']}"
    if os.geteuid() != 0 or not shutil.which("dockerd"):
        return "no Docker engine answers and dockerd can't be started here (needs root and Debian's docker.io)"
    result = subprocess.run([str(REPO / ".ci" / "docker.sh"), "start"], capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not _engine_answers():
        return f"could not start dockerd: {result.stderr.strip()[-500:]}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def docker_engine() -> None:
    reason = _start_engine()
    if reason is None:
        return
    if os.environ.get("LAMBDACTL_REQUIRE_DOCKER") == "1":
        pytest.fail(f"LAMBDACTL_REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(f"docker tests need a Docker engine: {reason}")


@pytest.fixture(scope="session")
def lambda_images(docker_engine: None) -> None:
    """public.ecr.aws/lambda/python:3.12 (look-alike) and the test Image function, built once."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("lambdactl_test_images", Path(__file__).parent / "images" / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    build.ensure_images()


@pytest.fixture(autouse=True)
def _docker(lambda_images: None) -> None:
    """Every docker test needs the engine and the images."""


def our_containers(state_dir: Path) -> list[str]:
    out = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=lambdactl.state-dir={state_dir}"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


@pytest.fixture
def no_leftovers(state_dir: Path) -> Iterator[None]:
    """Fail a test that leaves a container of its state dir behind. Warm containers of the state dir's
    background worker are not left behind (the worker removes them when it exits): stop it first."""
    yield
    if killed := stop_background_worker(state_dir):
        pytest.fail(f"the background worker was killed: {killed}")
    deadline = time.monotonic() + 15  # the engine removes a stopped auto-remove container asynchronously
    while (left := our_containers(state_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        subprocess.run(["docker", "rm", "-f", *left], capture_output=True)
        pytest.fail(f"containers left behind: {left}")
