"""The dispatcher: every operation, once, for the CLI and the HTTP server alike.

``@operation("Name")`` (Lambda's, implemented in ``lambdactl/control``) and
``@operation("<service>:<Operation>")`` (``lambdactl/services/<service>/operations.py``) register a
handler; ``ControlPlane.call(name, params)`` runs it, importing the one module that registers it on
first use (``index.py`` names Lambda's modules; a service's package is found by name). Operations
take and return the service model's shapes as plain dicts (PascalCase members, as in the API's
JSON), so both fronts only translate to and from them.

This package sits at the bottom of the import graph (it needs only settings and storage), so
the control plane, the services and the event machinery all build on it without circles. What the
operations need from the layers above them comes through two seams on the plane, each defaulting to
an implementation named here (imported on first use, never statically): ``environments`` (where an
invocation runs) and ``async_work`` (the event machinery: queue an invocation, start the worker).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from lambdactl import errors
from lambdactl.settings import Settings, claimed_home
from lambdactl.spec import EnvironmentProvider
from lambdactl.state.store import RegionStore, Store

if TYPE_CHECKING:
    import sqlite3

    from lambdactl.state.blobs import CodeStore

__all__ = ["OPERATIONS", "AsyncWork", "Caller", "ControlPlane", "Settings", "operation", "service_operations"]

ONE_SHOT_ENVIRONMENTS = "lambdactl.server.environments:OneShotEnvironments"
EVENT_MACHINERY = "lambdactl.events.handoff:EventMachinery"
Handler = Callable[["ControlPlane", dict[str, Any]], dict[str, Any]]
OPERATIONS: dict[str, Handler] = {}


class Caller(Protocol):
    """What the CLI sends operations to: a ``ControlPlane``, a server (``server.client.RemotePlane``),
    or a plane that routes between them (``cli.connect``)."""

    def call(self, op_name: str, params: dict[str, Any]) -> dict[str, Any]: ...


class AsyncWork(Protocol):
    """How an operation hands work to the event machinery (``lambdactl.events``, above the operations):
    Invoke (Event), S3 notifications, EventBridge targets and schedules queue invocations; the embedded
    queues and streams say when they hold new records."""

    def enqueue(self, conn: sqlite3.Connection, function_name: str, qualifier: str | None, payload: bytes,
                request_id: str) -> int:
        """Queue an async invocation inside the caller's write transaction; its id."""

    def record_failed(self, conn: sqlite3.Connection, function_name: str, qualifier: str | None, payload: bytes,
                      request_id: str, error: str) -> int:
        """Record an invocation refused before it ran (shown by ``list-async-events --status failed``)."""

    def start_worker(self) -> None:
        """After the commit: make sure a worker processes what was queued (cheap when one runs)."""

    def records_added(self, arn: str) -> None:
        """After the commit: the queue or stream ``arn`` holds new records for its mappings' pollers."""


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register a control-plane function under its API operation name."""

    def register(func: Handler) -> Handler:
        OPERATIONS[name] = func
        return func

    return register


class ControlPlane:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    @cached_property
    def store(self) -> Store:
        """The database of the plane's region (``Settings.region_dir``), opened on first use; a region
        without state reads as an empty one and is made by its first write."""
        return RegionStore(self.settings)

    @cached_property
    def global_store(self) -> Store:
        """The database of the state directory's home region, which also holds what AWS names in one
        namespace for all regions (S3's buckets, each recording its own region)."""
        if self.settings.region_dir == self.settings.state_dir:  # this region is home (or nobody is yet)
            return self.store
        return RegionStore(self.settings.replace(region=claimed_home(self.settings.state_dir, self.settings.region)))

    @cached_property
    def code(self) -> CodeStore:
        """The content-addressed code store (its module is loaded by the operations that touch code only).
        Code is stored by writes, or read for functions that exist: the region is claimed for it."""
        from lambdactl.state.blobs import CodeStore

        return CodeStore(self.settings.claim_region_dir())

    @cached_property
    def environments(self) -> EnvironmentProvider:
        """Where invocations get an execution environment: one-shot here, a warm pool under `serve`
        (which sets this attribute). The default is named, not imported: the dispatcher stays below the
        control plane that implements it."""
        provider: EnvironmentProvider = _named(ONE_SHOT_ENVIRONMENTS)(self.settings)
        return provider

    @contextlib.contextmanager
    def without_store(self) -> Iterator[None]:
        """A stretch that uses no database (a function running): a plane whose connection is pooled
        (``server.app.LeasedPlane``) gives it back meanwhile and takes one again on its next use."""
        yield

    @cached_property
    def async_work(self) -> AsyncWork:
        """The event machinery, named not imported like ``environments``: it sits above the operations."""
        work: AsyncWork = _named(EVENT_MACHINERY)(self)
        return work

    def call(self, op_name: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = OPERATIONS.get(op_name) or _load(op_name)
        try:
            return handler(self, params)
        except errors.ForeignAccountError as exc:
            raise exc.for_action(op_name if ":" in op_name else f"lambda:{op_name}") from None

    def close(self) -> None:
        for name in ("store", "global_store"):
            if name in self.__dict__:
                self.__dict__[name].close()


def _named(target: str) -> Any:
    """The attribute ``module:attr`` names, its module imported now."""
    import importlib

    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def service_operations(service: str) -> list[str]:
    """The ``<service>:<Operation>`` names that ``lambdactl.services.<service>.operations`` registers."""
    import importlib

    importlib.import_module(f"lambdactl.services.{service}.operations")
    return sorted(op for op in OPERATIONS if op.startswith(f"{service}:"))


def _load(op_name: str) -> Handler:
    """Import the one module that registers ``op_name``: ``lambdactl.services.<service>.operations``
    for a ``<service>:`` operation whose service has a package, else the module plane/index.py names."""
    import importlib
    import importlib.util

    from lambdactl.plane.index import OPERATION_MODULES

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
