"""Where an invocation gets its execution environment.

The CLI starts one cold environment per invoke and stops it afterwards; `serve`
swaps in a warm pool with the same ``run`` method.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING

from lambdactl.runtime.spec import EnvironmentSpec, InvocationRequest, InvocationResult, LazySpec

if TYPE_CHECKING:
    from lambdactl.control.plane import ControlPlane, Settings
    from lambdactl.runtime.pool import EnvironmentPool


class OneShotEnvironments:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def run(
        self, spec: EnvironmentSpec | LazySpec, request: InvocationRequest, reserved: int | None = None,
        unreserved: int | None = None,
    ) -> InvocationResult:
        """Start, invoke, stop. (Reserved concurrency is not counted across CLI processes.)
        The function's SDK reaches the embedded services at this process's endpoint."""
        from lambdactl.server import hosting

        spec = dataclasses.replace(spec.resolve(), endpoints=hosting.endpoints(self.settings))
        from lambdactl.runtime.environment import Environment

        environment = Environment(spec)
        try:
            environment.start()
            return environment.invoke(request)
        finally:
            environment.stop()
            shutil.rmtree(spec.work_dir, ignore_errors=True)


def warm_planes(settings: Settings, extra_env: dict[str, str] | None = None) -> tuple[EnvironmentPool, Callable[[], ControlPlane]]:
    """A warm pool and a factory of control planes that share it (one plane per thread:
    SQLite connections are not shared). Close the pool when done."""
    from lambdactl.control.account import concurrency_limit
    from lambdactl.control.plane import ControlPlane
    from lambdactl.runtime.pool import EnvironmentPool
    from lambdactl.server import hosting

    pool = EnvironmentPool(account_limit=concurrency_limit(), extra_env=extra_env)
    pool.endpoints = lambda: hosting.endpoints(settings)  # serve points them at itself instead

    def plane() -> ControlPlane:
        made = ControlPlane(settings)
        made.environments = pool
        return made

    return pool, plane
