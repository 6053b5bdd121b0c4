"""The control plane a command talks to: a server at --endpoint-url, the ``serve`` that serves
the state directory (found through ``serve.json``), or the state directory itself, whose
synchronous invokes go to its background worker (``events/background.py``) to run warm."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdactl import settings as lambdactl_settings
from lambdactl.cli import awsconfig
from lambdactl.cli.globals import Globals

if TYPE_CHECKING:
    from lambdactl.plane import Caller, ControlPlane, Settings


def settings(globals_: Globals) -> Settings:
    """The state directory and region a command works on (``--state-dir``, ``--region``, environment)."""
    from lambdactl.plane import Settings
    from lambdactl.settings import default_state_dir

    awsconfig.check_profile()  # as the aws CLI, for a command that works on a region (not help or --version)

    state_dir = default_state_dir() if globals_.state_dir is None else globals_.state_dir
    where = Settings(state_dir=state_dir, region=globals_.region or "")  # which refuses an empty one
    if where.state_dir.exists() and not where.state_dir.is_dir():
        from lambdactl import errors

        raise errors.ConfigurationError(f"The state directory {state_dir} is not a directory (--state-dir, LAMBDACTL_STATE_DIR)")
    return where


def local_plane(globals_: Globals) -> ControlPlane:
    """The state directory's own control plane (queues, logs and code are always local)."""
    from lambdactl.plane import ControlPlane

    return ControlPlane(settings(globals_))


def service_plane(globals_: Globals, service: str) -> Any:
    """Where an embedded service's commands go: the state directory, or for s3 an external endpoint if set."""
    if service == "s3":
        from lambdactl.control.s3_code import ExternalS3, external_endpoint

        if url := external_endpoint():
            return ExternalS3(url, globals_.region or None)
    return local_plane(globals_)


def endpoint(globals_: Globals) -> str | None:
    """``--endpoint-url``, else ``AWS_ENDPOINT_URL_LAMBDA`` / ``LAMBDACTL_ENDPOINT_URL`` — except when
    those point at a ``serve -- CMD`` of another state directory than this command's own (a
    Makefile under serve that sets its own LAMBDACTL_STATE_DIR keeps working on it)."""
    if globals_.endpoint_url:
        return globals_.endpoint_url
    url = os.environ.get("AWS_ENDPOINT_URL_LAMBDA") or lambdactl_settings.ENDPOINT_URL.get()
    served = lambdactl_settings.SERVE_STATE_DIR.get()
    if url and served and Path(served).resolve() != settings(globals_).state_dir.resolve():
        return None
    return url or None


def control_plane(globals_: Globals) -> Caller:
    url = endpoint(globals_)
    if url:
        return _remote(url, globals_)
    local = local_plane(globals_)
    from lambdactl.state import discovery

    served = discovery.find(local.settings.state_dir)
    if served:  # it answers every region: each request names ours
        return ServedPlane(_remote(served["url"], globals_, local.settings.region), local)
    from lambdactl.events import background

    if background.warm_invokes():
        return WorkerPlane(local, globals_)
    return local


def _remote(url: str, globals_: Globals, region: str | None = None) -> Caller:
    """A server's plane; ``region`` (else ``--region`` / AWS_REGION / AWS_DEFAULT_REGION if set) is
    the one its requests are for, as an SDK's."""
    from lambdactl.server.client import RemotePlane, timeout_option

    awsconfig.check_profile()
    region = region or globals_.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return RemotePlane(url, timeout=timeout_option(globals_.cli_read_timeout), region=region or None,
                       connect_timeout=timeout_option(globals_.cli_connect_timeout))


class ServedPlane:
    """API calls go to the discovered server (warm environments); anything else a command
    reaches for (store, code) stays local. If the server vanished, calls run locally."""

    def __init__(self, remote: Caller, local: ControlPlane) -> None:
        self.remote = remote
        self.local = local

    def call(self, op_name: str, params: dict[str, Any]) -> dict[str, Any]:
        from lambdactl.server.client import EndpointConnectionError

        try:
            return self.remote.call(op_name, params)
        except EndpointConnectionError as exc:
            if exc.sent:
                raise
            return self.local.call(op_name, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.local, name)


class WorkerPlane:
    """Synchronous invokes run in the state directory's background worker (warm environments);
    with none running, here (cold), then a worker is started with that function to warm up.
    Everything else, and any invoke the worker can't take, runs locally."""

    def __init__(self, local: ControlPlane, globals_: Globals) -> None:
        self.local = local
        self.globals = globals_

    def call(self, op_name: str, params: dict[str, Any]) -> dict[str, Any]:
        if op_name != "Invoke" or (params.get("InvocationType") or "RequestResponse") != "RequestResponse":
            return self.local.call(op_name, params)
        from lambdactl.events import background

        settings = self.local.settings
        worker = background.find_worker(settings)
        if worker is not None:
            from lambdactl.server.client import EndpointConnectionError

            try:
                return _remote(worker["url"], self.globals, settings.region).call(op_name, params)
            except EndpointConnectionError as exc:
                if exc.sent:
                    raise
        result = self.local.call(op_name, params)
        background.ensure_running(settings, (params["FunctionName"], params.get("Qualifier")))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.local, name)
