"""Where an invocation gets its execution environment.

The CLI starts one cold environment per invoke and stops it afterwards; `serve`
swaps in a warm pool with the same ``run`` method.
"""

from __future__ import annotations

import shutil

from lambdactl.runtime.spec import EnvironmentSpec, InvocationRequest, InvocationResult


class OneShotEnvironments:
    def run(self, spec: EnvironmentSpec, request: InvocationRequest) -> InvocationResult:
        from lambdactl.runtime.environment import Environment

        environment = Environment(spec)
        try:
            environment.start()
            return environment.invoke(request)
        finally:
            environment.stop()
            shutil.rmtree(spec.work_dir, ignore_errors=True)
