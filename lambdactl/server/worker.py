"""The state directory's background worker process (``python -m lambdactl.server.worker``), and ``drain``.

The worker (``events/worker.py``) processes queued events, mappings and timers; this process also
serves the Lambda API on a warm pool, like a ``serve`` that is not published in ``serve.json``, so
``lambdactl invoke`` runs warm (``events/background.py`` starts the process and finds it). It exits
after ``LAMBDACTL_WORKER_IDLE_S`` with nothing pending, or when ``serve`` takes over the directory.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from lambdactl import errors
from lambdactl import settings as lambdactl_settings
from lambdactl.events import queue
from lambdactl.events.background import WorkerLock
from lambdactl.events.worker import Worker, pending
from lambdactl.plane import ControlPlane, Settings
from lambdactl.state import discovery
from lambdactl.state.store import reclaim_space


def drain(settings: Settings, timeout: float | None = None) -> tuple[bool, int, int]:
    """``lambdactl drain``: wait (up to ``timeout``) until no region of the state directory has an async
    event queued or in flight or an enabled mapping whose source is not consumed. Regions share nothing,
    so each busy one is drained in a thread of its own, processing here (warm environments) while no
    other worker holds its lock; then every region is checked again, until none has work. Returns
    (drained, async events still pending, mappings with records left), summed over the regions; the
    counts are 0 when drained."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from lambdactl.events.pollers.manager import pending as mapping_work

    from lambdactl.events.worker import concurrency

    concurrency()  # a bad setting is refused whether or not there is work
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        regions = [settings.replace(region=name) for name in settings.regions_with_state()]
        busy = [region for region in regions if _has_work(region)]
        left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        if not busy:
            return True, 0, 0
        if left == 0.0:
            break
        with ThreadPoolExecutor(len(busy), thread_name_prefix="lambdactl-drain") as threads:
            if not all(threads.map(lambda region: _drain_region(region, left), busy)):
                break
    events = mappings = 0
    for region in regions:
        plane = ControlPlane(region)
        try:
            events, mappings = events + queue.pending(plane), mappings + mapping_work(plane)
        finally:
            plane.close()
    return False, events, mappings


def _has_work(settings: Settings) -> bool:
    plane = ControlPlane(settings)
    try:
        return bool(pending(plane))
    finally:
        plane.close()


def _drain_region(settings: Settings, timeout: float | None) -> bool:
    from lambdactl.server.environments import warm_planes

    pool, planes = warm_planes(settings)
    try:
        return Worker(planes).drain(timeout)
    finally:
        pool.close()


def main(argv: list[str]) -> None:
    """``python -m lambdactl.server.worker STATE_DIR REGION [FUNCTION QUALIFIER]``: the background worker.

    Holds the lock, serves invokes (``background``) and events until idle for ``LAMBDACTL_WORKER_IDLE_S``
    or until `serve` takes over the state directory; FUNCTION: warm one environment of it first.
    """
    from lambdactl.server.environments import warm_planes
    from lambdactl.server.serve import listen

    top, region, *warm = argv
    settings = Settings(state_dir=Path(top), region=region)
    state_dir = settings.region_dir  # the region's worker: its lock, record and log are there
    lock = WorkerLock(state_dir)
    if not lock.try_acquire():
        return
    from lambdactl.state.leftovers import sweep_run_dirs

    sweep_run_dirs(settings.state_dir)  # work dirs (functions' /tmp) of killed lambdactls
    import signal

    # SIGTERM (a service manager, `docker stop`-like tooling, a test) ends the worker as idleness does:
    # through the finally below, so its warm environments (processes, containers) go with it.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    pool, planes = warm_planes(settings)
    server = None
    try:
        fingerprint = lambdactl_settings.fingerprint()  # of the command that started us
        discovery.publish(state_dir, None, region, discovery.WORKER_FILE_NAME, settings=fingerprint)  # invokes wait
        server = listen(settings, pool, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, args=(0.1,), name="lambdactl-worker-api", daemon=True).start()
        if warm and warm[0]:
            _warm_up(planes(), warm[0], warm[1] or None)
        def publish() -> None:
            discovery.publish(state_dir, server.url, region, discovery.WORKER_FILE_NAME, settings=fingerprint)

        publish()
        worker = Worker(planes, last_activity=pool.last_activity)
        worker.heartbeat = lambda: _republish(state_dir, publish)
        while True:
            worker.run(idle_s=lambdactl_settings.WORKER_IDLE_S.get())
            if discovery.find(top) or not pending(planes()):  # else: queued while we were leaving
                return
    finally:
        discovery.withdraw(state_dir, discovery.WORKER_FILE_NAME)
        if server is not None:
            server.stop()  # lets in-flight invokes finish, then closes the pool
        else:
            pool.close()
        reclaim_space(settings.state_dir)
        lock.release()


def _republish(state_dir: Path, publish: Callable[[], None]) -> None:
    """Say again where we are if a command that started a second worker (which found the lock taken
    and left) wrote its pid over our record."""
    record = discovery.record(state_dir, discovery.WORKER_FILE_NAME)
    if record is None or record.get("pid") != os.getpid():
        publish()


def _warm_up(plane: ControlPlane, name: str, qualifier: str | None) -> None:
    from lambdactl.control.invoke import prewarm

    try:
        prewarm(plane, name, qualifier)
    except errors.LambdactlError as exc:  # deleted since, no interpreter, ...: the invoke will say so
        print(f"lambdactl worker: could not warm {name}: {exc.message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
