"""The control plane: every Lambda operation, once, for the CLI and the HTTP server alike.

Operations take and return the service model's shapes as plain dicts (PascalCase
members, as in the API's JSON), so both fronts only translate to and from them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lambdactl import settings as lambdactl_settings
from lambdactl import errors
from lambdactl.state.blobs import CodeStore
from lambdactl.state.store import Store, default_state_dir

InvocationObserver = Callable[[dict[str, Any], Any], None]  # (function configuration, InvocationResult)
Handler = Callable[["ControlPlane", dict[str, Any]], dict[str, Any]]
OPERATIONS: dict[str, Handler] = {}

DEFAULT_REGION = "us-east-1"


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register a control-plane function under its API operation name."""

    def register(func: Handler) -> Handler:
        OPERATIONS[name] = func
        return func

    return register


@dataclass
class Settings:
    """Where state lives and how ARNs are spelled.

    region: ``--region``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, else us-east-1.
    account id: ``LAMBDACTL_ACCOUNT_ID``, else 123456789012.
    """

    state_dir: Path = field(default_factory=default_state_dir)
    region: str = ""
    account_id: str = ""
    endpoint_url: str = ""  # set by `serve` to its own URL (function URLs are answered there)
    observer: InvocationObserver | None = None  # set by `serve`: told of each invocation (its request log)

    def __post_init__(self) -> None:
        self.state_dir = Path(self.state_dir)
        self.region = (
            self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        )
        self.account_id = self.account_id or lambdactl_settings.ACCOUNT_ID.get()

    def function_arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    @property
    def placeholder_role(self) -> str:
        """Used when create-function is given no --role (local use has no IAM)."""
        return f"arn:aws:iam::{self.account_id}:role/lambdactl-placeholder-role"


class ControlPlane:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.store = Store(self.settings.state_dir)
        self.code = CodeStore(self.settings.state_dir)

    @cached_property
    def environments(self) -> Any:
        """Where invocations get an execution environment: one-shot here, a warm pool under `serve`."""
        from lambdactl.control.environments import OneShotEnvironments

        return OneShotEnvironments(self.settings)

    def call(self, op_name: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = OPERATIONS.get(op_name) or _load(op_name)
        return handler(self, params)

    def close(self) -> None:
        self.store.close()


def service_operations(service: str) -> list[str]:
    """The ``<service>:<Operation>`` names that ``lambdactl.services.<service>.operations`` registers."""
    import importlib

    importlib.import_module(f"lambdactl.services.{service}.operations")
    return sorted(op for op in OPERATIONS if op.startswith(f"{service}:"))


def _load(op_name: str) -> Handler:
    """Import the one module that registers ``op_name``: ``lambdactl.services.<service>.operations``
    for a ``<service>:`` operation whose service has a package, else the module control/index.py names."""
    import importlib
    import importlib.util

    from lambdactl.control.index import OPERATION_MODULES

    service, colon, _ = op_name.partition(":")
    package = f"lambdactl.services.{service}"
    if colon and service.isidentifier() and importlib.util.find_spec(package) is not None:
        importlib.import_module(f"{package}.operations")
    elif (module := OPERATION_MODULES.get(op_name)) is not None:
        importlib.import_module(f"lambdactl.control.{module}")
    handler = OPERATIONS.get(op_name)
    if handler is None:
        raise errors.ServiceException(f"The operation {op_name} is not supported by lambdactl yet.")
    return handler
