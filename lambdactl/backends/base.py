"""What an execution environment needs from a backend: start, limit, measure, kill.

The environment decides *what* to run (argv, env, cwd, memory) and owns the Runtime
API; a backend decides *how* (a host process group, or a container). Backends are
looked up by the ``EnvironmentSpec.backend`` name with ``get_backend``.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lambdactl.runtime.spec import EnvironmentSpec


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    memory_mb: int
    kind: str = "native"  # "python" | "node" | "native": how much address space to allow without cgroups
    label: str = ""  # names the environment in cgroup/process bookkeeping
    spec: EnvironmentSpec | None = None  # the whole spec, for backends that build more than a process (images, mounts)


class Process(Protocol):
    """A started runtime: one process tree that lives and dies as a whole."""

    pid: int

    def drain(self) -> None:
        """Deliver (synchronously, to ``on_output``) everything the tree has written so far."""

    def max_memory_used_mb(self) -> int:
        """Peak memory of the tree since it started, in MB (as REPORT's Max Memory Used)."""

    def out_of_memory(self) -> bool:
        """True if the memory limit was hit and the kernel killed something for it."""

    def kill(self) -> None:
        """Kill the whole tree and release its resources; idempotent, returns once reaped."""


class Backend(Protocol):
    """A way to run runtimes. A backend with ``contained = True`` (docker) runs the image's own
    entrypoint: the environment gives it an empty argv and container paths in the env."""

    name: str

    def spawn(
        self,
        launch: Launch,
        on_output: Callable[[bytes], None],
        on_exit: Callable[[int], None],
    ) -> Process:
        """Start ``launch``; call ``on_output`` with log bytes (from any thread, in order)
        and ``on_exit`` once with the return code (negative = killed by that signal)."""


def describe_exit(returncode: int) -> str:
    """Go's ProcessState wording, as Lambda reports it: ``exit status 1``, ``signal: killed``."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.strsignal(-returncode) or f"signal {-returncode}"
    except ValueError:
        name = f"signal {-returncode}"
    return f"signal: {name.lower()}"


def get_backend(name: str) -> Backend:
    if name == "subprocess":
        from lambdactl.backends.subprocess import SubprocessBackend

        return SubprocessBackend()
    if name == "docker":
        from lambdactl.backends.docker import DockerBackend

        return DockerBackend()
    from lambdactl import errors

    raise errors.ServiceException(f"Unknown execution backend: {name}")
