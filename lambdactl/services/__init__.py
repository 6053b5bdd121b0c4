"""The embedded AWS services beside Lambda, one package each.

A service lives in ``lambdactl/services/<service>/`` (the botocore service name: ``s3``,
``events``, ``scheduler``, ``apigatewayv2``, …) and holds:

- ``operations.py``: its operations, registered with ``@operation("<service>:<Operation>")``
  (model names). ``ControlPlane.call("<service>:<Operation>", params)`` imports this module on
  first use, so the CLI and ``serve`` reach it through the one dispatcher without a table here.
- ``schema.py``: its tables as a ``MIGRATIONS`` list of ``(name, sql)``, created on first use with
  ``plane.store.ensure_schema("<service>", MIGRATIONS)`` and recorded per service.
- its storage and any background work, in modules named for what they hold.

``checked_operation(service, name)`` registers an operation that first checks its request against
the model's constraints (patterns, lengths, enums, ranges) as AWS does, with AWS's wording.

Its model is ``lambdactl/model/<service>.json`` (a trimmed botocore model, see ``model/build.py``);
its commands are built from that model (``cli/commands/services.py``). Lambda's own control plane
stays in ``lambdactl/control``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def checked_operation(service: str, name: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """``@operation("<service>:<name>")`` whose handler runs only on a request within the model's constraints."""
    from lambdactl.plane import operation
    from lambdactl.model import constraints

    def register(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(func)
        def checked(plane: Any, params: dict[str, Any]) -> dict[str, Any]:
            constraints.check(params, name, service)
            return func(plane, params)

        return operation(f"{service}:{name}")(checked)

    return register
