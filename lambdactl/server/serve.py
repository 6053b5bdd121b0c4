"""``lambdactl serve``'s orchestration: the HTTP server, its warm pool, the event worker and
provisioned warm-up around one state directory, optionally around a command.

The Click command (``cli/commands/serve.py``) only parses its options and calls ``serve``.
Imports stay inside the functions: the CLI imports this module only to serve.

Binding: the default ``127.0.0.1`` keeps the API on this machine. Binding elsewhere
(``--host 0.0.0.0``, a LAN address or name) is the user's explicit choice to expose it
there: the API then also answers to that host name (any IP address on a wildcard bind),
while requests from web pages are still refused (see ``server/app.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from lambdactl.plane import Settings

PLACEHOLDER_ENV = {"AWS_ACCESS_KEY_ID": "lambdactl", "AWS_SECRET_ACCESS_KEY": "lambdactl"}


def serve(
    settings: Settings, host: str, port: int, command: list[str], debug: bool = False, request_log: bool = True,
    project: Any = None, debug_port: int | None = None,
) -> int:
    """Serve until SIGTERM/SIGINT (exit 0) or, with ``command``, until it ends (its exit code).
    ``project`` (``templates.names.Project``): deployed before serving, and again on every change.
    ``debug_port``: every environment started waits for a debugger there (one can listen at a time)."""
    import signal
    import threading

    from lambdactl import errors
    from lambdactl.state import discovery

    running = discovery.find(settings.state_dir)
    if running:
        raise errors.ConfigurationError(
            f"{settings.state_dir} is already served by pid {running['pid']} at {running['url']}"
        )
    from lambdactl.server.environments import warm_planes
    from lambdactl.events.worker import Worker

    from lambdactl.state.leftovers import sweep_run_dirs

    _clean_docker_leftovers(settings)
    sweep_run_dirs(settings.state_dir)  # work dirs (functions' /tmp) of killed lambdactls
    pool, planes = warm_planes(settings)
    pool.debug_port = debug_port
    try:
        server = listen(settings, pool, host, port)
    except OSError as exc:
        pool.close()
        raise errors.ConfigurationError(f"lambdactl serve: cannot listen on {host}:{port}: {exc.strerror}") from None
    settings.endpoint_url = server.url  # every plane shares these settings: FunctionUrl shows this address
    if request_log:
        from lambdactl.server.requestlog import RequestLog

        server.request_log = RequestLog()
        settings.observer = server.request_log.invoked
    from lambdactl.control.provisioned import warm_all

    warm_all(planes)  # provisioned concurrency: started in the background, never reaped
    workers = [Worker(planes)]

    def open_region(region_settings: Settings) -> Any:
        """Another region, on its first request (or at start if it has state): its own warm pool
        (Lambda's concurrency is per region) and event worker, its functions pointed at this server."""
        region_pool, region_planes = warm_planes(region_settings)
        region_pool.endpoints = pool.endpoints
        region_pool.debug_port = debug_port
        warm_all(region_planes)
        region_worker = Worker(region_planes)
        workers.append(region_worker)
        region_worker.start()
        return region_pool

    server.planes.open_region = open_region
    stop = threading.Event()
    child: list[Any] = []

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()
        if child and signum == signal.SIGTERM:  # SIGINT from a terminal already reached the child's group
            _forward(child[0], signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=server.serve_forever, args=(0.1,), name="lambdactl-serve", daemon=True).start()
    if project is not None:
        _watch(project, planes, pool, server, stop)
    discovery.publish(settings.state_dir, server.url, settings.region)
    workers[0].start()
    server.planes.regions()  # the regions with state: their queued events, mappings and schedules run
    try:
        print(f"lambdactl serve: listening on {server.url} (state dir {settings.state_dir})", file=sys.stderr, flush=True)
        print(f"lambdactl serve: function URLs at {server.url}/lambda-url/<url-id>/<path>", file=sys.stderr, flush=True)
        _print_apis(server.planes, server.url)
        if debug_port:
            print(f"lambdactl serve: functions wait for a debugger on 127.0.0.1:{debug_port} when their environment "
                  "starts (Python: debugpy, Node.js: the inspector)", file=sys.stderr, flush=True)
        if debug:
            from lambdactl.backends.subprocess import describe_containment

            print(f"lambdactl serve: {describe_containment()}", file=sys.stderr, flush=True)
        if not command:
            _wait_for(stop)
            return 0
        return _run_command(command, server.url, settings, child)
    finally:
        discovery.withdraw(settings.state_dir)
        for worker in workers:
            worker.stop(timeout=10)
        server.stop()
        from lambdactl.state.store import reclaim_space

        reclaim_space(settings.state_dir)  # serve's logs and events may have grown the WAL: leave it empty


def _watch(project: Any, planes: Any, pool: Any, server: Any, stop: Any) -> None:
    """``--watch``: deploy the project now (serving starts once it is deployed) and on every change, in a
    thread of its own; each deploy retires the warm environments of the functions it changed, so no
    invocation after the update line runs the old code."""
    import threading

    from lambdactl.server.requestlog import RequestLog
    from lambdactl.templates.watch import Watcher, changed_functions

    notes = server.request_log or RequestLog()

    def retire(result: dict[str, Any]) -> str:
        retired = sum(pool.retire(name) for name in changed_functions(result))
        return f"; retired {retired} warm environment{'s' if retired != 1 else ''}" if retired else ""

    first = threading.Event()

    def run() -> None:
        watcher = Watcher(planes(), project, lambda line: notes.note(f"watch: {line}"), on_deployed=retire)
        try:
            watcher.step()
        finally:
            first.set()
        watcher.run(stop)

    print(f"lambdactl serve: watching {project.template.resolve().parent} (stack {project.stack})", file=sys.stderr, flush=True)
    threading.Thread(target=run, name="lambdactl-watch", daemon=True).start()
    first.wait()


def _print_apis(planes: Any, url: str) -> None:
    """Where API Gateway APIs answer: both URL forms, then each deployed stage's URL."""
    from lambdactl.server.apis import invoke_urls
    from lambdactl.services.apigateway_common import gateway

    port = url.rsplit(":", 1)[-1]
    print(f"lambdactl serve: API Gateway APIs at {url}{gateway.PATH_PREFIX}<api-id>/<stage>/<path> "
          f"and http://<api-id>.execute-api.localhost:{port}/<stage>/<path>", file=sys.stderr)  # fmt: skip
    with planes.lease() as plane:
        for line in invoke_urls(plane, url):
            print(f"lambdactl serve:   {line}", file=sys.stderr)
    sys.stderr.flush()


def listen(settings: Settings, pool: Any, host: str, port: int) -> Any:
    """The Lambda API (and the embedded services) over ``pool``, serve's or the background worker's;
    the functions it runs reach them here with their SDKs."""
    from lambdactl.server.app import LambdaServer
    from lambdactl.server.services import endpoint_variables

    server = LambdaServer(host, port, settings, environments=pool)
    variables = endpoint_variables(server.url)
    pool.endpoints = lambda: variables
    return server


def _run_command(command: list[str], url: str, settings: Any, child: list[Any]) -> int:
    import subprocess

    from lambdactl.server.services import endpoint_variables

    env = {**PLACEHOLDER_ENV, "AWS_DEFAULT_REGION": settings.region, **os.environ}
    # Each served service's own variable (not AWS_ENDPOINT_URL: CMD may use other services on AWS).
    env.update((name, value) for name, value in endpoint_variables(url).items() if name != "AWS_ENDPOINT_URL")
    # A lambdactl in CMD works on the served state directory, as boto3 in CMD does through the endpoint.
    env["LAMBDACTL_SERVE_STATE_DIR"] = env["LAMBDACTL_STATE_DIR"] = str(Path(settings.state_dir).resolve())
    try:
        child.append(subprocess.Popen(command, env=env))
    except OSError as exc:
        print(f"lambdactl serve: cannot run {command[0]}: {exc.strerror}", file=sys.stderr)
        return 127
    code = child[0].wait()
    return 128 - code if code < 0 else code


def _wait_for(stop: Any) -> None:
    """Block the main thread until a signal's handler sets ``stop``. A signal sent to the process may land on
    any of its threads, and Python runs handlers in the main thread only, when it next wakes: a wakeup
    fd wakes it whichever thread took the signal (an ``Event.wait`` could sleep on through a SIGTERM)."""
    import select
    import signal
    import socket

    reader, writer = socket.socketpair()
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    try:
        while not stop.is_set():
            select.select([reader], [], [])
            reader.recv(512)
    finally:
        signal.set_wakeup_fd(previous)
        reader.close()
        writer.close()


def _forward(process: Any, signum: int) -> None:
    try:
        process.send_signal(signum)
    except ProcessLookupError:
        pass


def _clean_docker_leftovers(settings: Settings) -> None:
    """Remove containers a crashed lambdactl left behind, paying the docker import only when needed."""
    from lambdactl.plane import ControlPlane

    plane = ControlPlane(settings)
    try:
        docker = _uses_docker(plane)
    finally:
        plane.close()
    if not docker:
        return
    from lambdactl import errors
    from lambdactl.backends.docker import cleanup, connect

    try:
        cleanup(connect(), settings.state_dir)
    except errors.LambdactlError as exc:  # no engine: the docker functions will say so when invoked
        print(f"lambdactl serve: {exc.message}", file=sys.stderr)


def _uses_docker(plane: Any) -> bool:
    """Whether any function version runs on the docker backend (through the control plane's own API)."""
    params: dict[str, Any] = {"FunctionVersion": "ALL"}
    while True:
        page = plane.call("ListFunctions", params)
        if any(config.get("LambdactlBackend") == "docker" for config in page.get("Functions", ())):
            return True
        if not page.get("NextMarker"):
            return False
        params = {"FunctionVersion": "ALL", "Marker": page["NextMarker"]}
