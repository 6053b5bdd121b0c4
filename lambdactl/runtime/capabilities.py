"""What this machine gives each backend and runtime: the checks behind ``lambdactl doctor``."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

DOCKER_SOCKET = "/var/run/docker.sock"


@dataclass
class Check:
    area: str
    ok: bool
    detail: str


def containment() -> Check:
    from lambdactl.backends.subprocess import describe_containment

    line = describe_containment().removeprefix("subprocess backend: ")
    return Check("subprocess backend", True, line)


def docker_engine() -> Check:
    """Whether an engine answers (the docker library is imported here only)."""
    host = os.environ.get("DOCKER_HOST") or f"unix://{DOCKER_SOCKET}"
    try:
        from lambdactl.backends.docker import connect

        version = connect().version().get("Version", "?")
    except Exception as exc:  # noqa: BLE001 - any failure to reach an engine is this check's answer
        message = getattr(exc, "message", None) or str(exc)
        return Check("docker backend", False, message)
    return Check("docker backend", True, f"engine {version} at {host}")


def runtimes() -> list[Check]:
    """Each runtime create-function accepts, on the subprocess backend: runs as itself, or what it lacks."""
    from lambdactl.model.validate import ACCEPTED_RUNTIMES
    from lambdactl.runtime.interpreters import unavailable

    checks = []
    for runtime in ACCEPTED_RUNTIMES:
        missing = unavailable(runtime, "subprocess")
        checks.append(Check(runtime, missing is None, "runs on the subprocess backend" if missing is None else missing))
    return checks


def is_supported_system() -> bool:
    return sys.platform.startswith("linux")
