"""What this machine gives each backend and runtime: the checks behind ``lambdactl doctor``."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

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


def cpu_limit() -> Check:
    from lambdactl.backends.subprocess import cpu_cgroup_base

    base = cpu_cgroup_base()
    if base is None:
        return Check("CPU limit", False, "subprocess functions run without one: no writable cgroup CPU controller "
                                         "(cgroup v1 `cpu`, or v2 with `cpu` delegated); the docker backend has it")
    return Check("CPU limit", True, f"MemorySize/1769 vCPU during invocations, init unthrottled (cgroup under {base})")


def bundled_sdk(state_dir: Path) -> list[Check]:
    """The AWS SDK Lambda bundles, per language: where it is installed, or the command that installs it."""
    from lambdactl.runtime import sdk

    checks = []
    for name, found in (("AWS SDK for Python", sdk.python_dir(state_dir)), ("AWS SDK for Node.js", sdk.node_dir(state_dir))):
        checks.append(Check(name, found is not None, str(found) if found else
                            "not installed: functions can't import it; run `lambdactl runtimes install-sdk`"))
    return checks


def docker_engine() -> Check:
    """Whether an engine answers (the engine client is imported here only)."""
    host = os.environ.get("DOCKER_HOST") or f"unix://{DOCKER_SOCKET}"
    try:
        from lambdactl.backends.docker import connect

        version = connect().version().get("Version", "?")
    except Exception as exc:  # noqa: BLE001 - any failure to reach an engine is this check's answer
        message = getattr(exc, "message", None) or str(exc)
        return Check("docker backend", False, message)
    return Check("docker backend", True, f"engine {version} at {host}")


def docker_network(state_dir: Path) -> Check:
    """What a docker function can reach on the network (``backends/netns.py``)."""
    from lambdactl.backends.docker import ISOLATED, network_choice

    chosen, reason = network_choice(state_dir)
    if reason is not None:
        return Check("docker network", False, f"host: functions reach every port on this machine's loopback, as "
                                              f"`isolated` can't be had: {reason}")
    if chosen not in (ISOLATED, "host") and (problem := network_problem(chosen)) is not None:
        from lambdactl.settings import DOCKER_NETWORK

        where = DOCKER_NETWORK.name if DOCKER_NETWORK.raw() is not None else "docker.json"
        return Check("docker network", False, f"`{chosen}` ({where}): {problem}; use isolated, host, or a network "
                                              "`docker network ls` lists")
    return Check("docker network", True, {
        ISOLATED: "isolated: functions reach only the Runtime API and the served AWS endpoints",
        "host": "host (chosen): functions reach every port on this machine's loopback",
    }.get(chosen, f"{chosen}: the Runtime API and the endpoints as host.docker.internal"))


def network_problem(name: str) -> str | None:
    """Why containers can't be put on the docker network ``name`` (a bridge or user-defined one), or None
    (they can, or no engine answers to ask: the docker backend's own check says so)."""
    from lambdactl.backends.docker import connect
    from lambdactl.backends.engine import EngineError

    if name == "none":  # docker's network without interfaces but loopback
        return "a network without interfaces: functions could not reach the Runtime API"
    try:
        engine = connect()
    except Exception:  # noqa: BLE001 - no engine: the docker backend check reports it
        return None
    try:
        if name == "default":  # docker's name for its bridge network
            return None if engine.has_network("bridge") else "the Docker engine has no bridge network, which it names"
        return None if engine.has_network(name) else "the Docker engine has no such network"
    except EngineError as exc:
        return f"the Docker engine says {exc}"


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
