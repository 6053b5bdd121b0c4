"""Where an invocation gets its execution environment (``plane.environments``).

The CLI starts one cold environment per invoke and stops it afterwards; `serve`
swaps in a warm pool with the same ``run`` method. Both give the function's SDK the
embedded services' endpoint, which a server answers (``hosting``), so they live here.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING

from lambdactl.spec import EnvironmentSpec, InvocationRequest, InvocationResult, LazySpec

if TYPE_CHECKING:
    from lambdactl.plane import ControlPlane, Settings
    from lambdactl.runtime.pool import EnvironmentPool


class OneShotEnvironments:
    """An environment per invoke, in this process (the CLI's own): nothing is kept between invokes.
    ``debug_port`` (``invoke --debug-port``): the environment waits for a debugger there, and ``announce``
    is told once the environment passed its checks and is about to wait."""

    def __init__(self, settings: Settings, debug_port: int | None = None,
                 announce: Callable[[int], None] | None = None) -> None:
        self.settings = settings
        self.debug_port = debug_port
        self.announce = announce

    def close(self) -> None:
        """Nothing is kept."""

    def run(
        self, spec: EnvironmentSpec | LazySpec, request: InvocationRequest, reserved: int | None = None,
        unreserved: int | None = None,
    ) -> InvocationResult:
        """Start, invoke, stop; holding one of the function's reserved slots, shared with other processes.
        The function's SDK reaches the embedded services at this process's endpoint."""
        slots = None
        if reserved is not None:
            from lambdactl import errors
            from lambdactl.runtime.slots import ReservedSlots

            slots = ReservedSlots(self.settings.region_dir)
            if slots.take(spec.function_name, reserved) is None:  # else held until slots.close()
                slots.close()
                raise errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
        from lambdactl.server import hosting

        spec = dataclasses.replace(spec.resolve(), endpoints=hosting.endpoints(self.settings), debug_port=self.debug_port)
        from lambdactl.runtime.environment import Environment

        environment = Environment(spec)
        try:
            if self.debug_port and self.announce is not None:
                environment.check_debuggable()
                self.announce(self.debug_port)
            environment.start()
            return environment.invoke(request)
        finally:
            environment.stop()
            shutil.rmtree(spec.work_dir, ignore_errors=True)
            if slots is not None:
                slots.close()  # drops the lock


def warm_planes(settings: Settings, extra_env: dict[str, str] | None = None) -> tuple[EnvironmentPool, Callable[[], ControlPlane]]:
    """A warm pool and a factory of control planes that share it (one plane per thread:
    SQLite connections are not shared), with invocation logs written in batches. Close the pool
    when done (which commits the last batch)."""
    from lambdactl.control import logs
    from lambdactl.control.account import concurrency_limit
    from lambdactl.plane import ControlPlane
    from lambdactl.runtime.pool import EnvironmentPool
    from lambdactl.server import hosting

    from lambdactl.runtime.slots import ReservedSlots

    pool = EnvironmentPool(account_limit=concurrency_limit(), extra_env=extra_env,
                           slots=ReservedSlots(settings.region_dir))
    pool.endpoints = lambda: hosting.endpoints(settings)  # serve and the worker point them at themselves
    writer = logs.batch_writes(settings.region_dir)  # a warm invoke hands its log over and returns
    pool.on_close.append(lambda: logs.stop_batching(writer))

    def plane() -> ControlPlane:
        made = ControlPlane(settings)
        made.environments = pool
        return made

    return pool, plane
