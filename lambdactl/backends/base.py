"""What an execution environment needs from a backend: start, limit, measure, kill.

The environment decides *what* to run (argv, env, cwd, memory) and owns the Runtime
API; a backend decides *how* (a host process group, or a container). Backends are
looked up by the ``EnvironmentSpec.backend`` name with ``get_backend``.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lambdactl.spec import EnvironmentSpec

VCPU_MB = 1769  # Lambda allocates one vCPU per 1769 MB of memory
CFS_PERIOD_US = 10_000  # short, so a throttled function is slowed smoothly, not stalled in 100 ms steps


def cpu_quota(memory_mb: int) -> tuple[int, int]:
    """(quota, period) in µs for MemorySize / 1769 vCPU: a 10 ms CFS period, longer below 177 MB,
    where the quota would fall under the kernel's 1 ms minimum (128 MB: 1 ms every 13.8 ms)."""
    period = max(CFS_PERIOD_US, -(-1000 * VCPU_MB // memory_mb))
    return max(period * memory_mb // VCPU_MB, 1000), period


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    memory_mb: int
    kind: str = "native"  # "python" | "node" | "java" | "native": how much address space to allow without cgroups
    label: str = ""  # names the environment in cgroup/process bookkeeping
    spec: EnvironmentSpec | None = None  # the whole spec, for backends that build more than a process (images, mounts)
    # Serves the Runtime API on one more listening socket (a backend that gives the runtime a network of its own).
    serve_runtime_api: Callable[[socket.socket], None] | None = None


class Process(Protocol):
    """A started runtime: one process tree that lives and dies as a whole."""

    pid: int
    started: float  # time.perf_counter() when the runtime itself began (its sandbox made): Init Duration's start

    def drain(self) -> None:
        """Deliver (synchronously, to ``on_output``) everything the tree has written so far."""

    def end_init(self) -> None:
        """Init is over (the runtime asked for its first event): apply the invoke-phase CPU limit,
        MemorySize / 1769 vCPU. Lambda runs init unthrottled, so until now there was none."""

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
    contained: bool

    def spawn(
        self,
        launch: Launch,
        on_output: Callable[[bytes], None],
        on_exit: Callable[[int], None],
    ) -> Process:
        """Start ``launch``; call ``on_output`` with log bytes (from any thread, in order)
        and ``on_exit`` once with the return code (negative = killed by that signal)."""


class OutputPipe:
    """The read end of a runtime's output pipe (or FIFO), delivered to ``on_output`` in order.

    ``read_loop`` (a reader thread's target) delivers until EOF, when every writer is gone,
    then closes the fd; ``drain`` delivers, synchronously, whatever is readable now. Every
    read+deliver happens under one lock, so once ``drain`` returns the caller has seen all
    that was written before it was called.
    """

    def __init__(self, fd: int, on_output: Callable[[bytes], None]) -> None:
        os.set_blocking(fd, False)
        self._fd = fd
        self._on_output = on_output
        self._lock = threading.Lock()

    def read_loop(self) -> None:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN | select.POLLHUP)
        while True:
            poller.poll()
            if not self.read_available():
                break
        with self._lock:
            os.close(self._fd)
            self._fd = -1

    def read_available(self) -> bool:
        """Read what's in the pipe now; False at EOF (or once closed)."""
        with self._lock:
            if self._fd < 0:
                return False
            while True:
                try:
                    data = os.read(self._fd, 65536)
                except BlockingIOError:
                    return True
                if not data:
                    return False
                self._on_output(data)

    def drain(self) -> None:
        self.read_available()


def start_threads(label: str, reader: Callable[[], None], waiter: Callable[[], None]) -> tuple[threading.Thread, threading.Thread]:
    """Start a process's output reader (``log-<label>``) and exit waiter (``wait-<label>``), as daemons."""
    threads = (threading.Thread(target=reader, name=f"log-{label}", daemon=True),
               threading.Thread(target=waiter, name=f"wait-{label}", daemon=True))
    for thread in threads:
        thread.start()
    return threads


def join_threads(threads: tuple[threading.Thread, ...], timeout: float) -> None:
    """Join each thread (at most ``timeout`` each), except the calling one (kill() may run on either)."""
    for thread in threads:
        if thread is not threading.current_thread():
            thread.join(timeout)


def describe_exit(returncode: int) -> str:
    """Go's ProcessState wording, as Lambda reports it: ``exit status 1``, ``signal: killed``."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.strsignal(-returncode) or f"signal {-returncode}"
    except ValueError:
        name = f"signal {-returncode}"
    return f"signal: {name.lower()}"


BACKENDS = {  # name -> "module:class"; imported when first used, so this registry imports none of them
    "subprocess": "lambdactl.backends.subprocess:SubprocessBackend",
    "docker": "lambdactl.backends.docker:DockerBackend",
}


def get_backend(name: str) -> Backend:
    import importlib

    from lambdactl import errors

    if name not in BACKENDS:
        raise errors.ServiceException(f"Unknown execution backend: {name}")
    module, _, attr = BACKENDS[name].partition(":")
    backend: Backend = getattr(importlib.import_module(module), attr)()
    return backend
