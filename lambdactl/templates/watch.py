"""``deploy --watch`` and ``serve --watch``: redeploy whenever the template or a file beside it changes.

The project folder is polled (mtimes and sizes, skipping ``.aws-sam``, hidden folders and the state
directory), cheap for a source tree; files named outside it (an ``--env-vars`` file) are polled too.
A project that was built (``.aws-sam/build`` exists) is rebuilt before each deploy, so dependencies
stay installed. A failed deploy is reported and watching goes on: the next save retries it, and since
deploys converge, that completes what failed. ``serve`` passes ``on_deployed`` to retire the warm
environments of the functions a deploy changed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdactl import errors
from lambdactl.templates import build, deploy, envvars
from lambdactl.templates.names import Project

POLL_S = 0.2
SETTLE_S = 0.05  # a change is acted on once the files stayed as they are for this long (a save in progress)
FUNCTION = "AWS::Lambda::Function"

Fingerprint = frozenset[tuple[str, int, int]]


def fingerprint(root: Path, skip: set[Path], extra: tuple[Path, ...] = ()) -> Fingerprint:
    seen = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in build.IGNORED and Path(folder, d).resolve() not in skip]
        for name in files:
            try:
                stat = Path(folder, name).stat()
            except FileNotFoundError:
                continue
            seen.add((os.path.join(folder, name), stat.st_mtime_ns, stat.st_size))
    for path in extra:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        seen.add((str(path), stat.st_mtime_ns, stat.st_size))
    return frozenset(seen)


def changed_functions(result: dict[str, Any]) -> list[str]:
    """The Lambda functions (physical names) a deploy modified, replaced or deleted: their warm
    environments run code or configuration that is no longer current."""
    return [change["PhysicalResourceId"] for change in result["Changes"]
            if change["ResourceType"] == FUNCTION and change["Action"] in ("Modify", "Replace", "Delete")]


class Watcher:
    """One watched project: deployed at the first ``step`` and at each later one that sees a change.
    ``on_deployed`` gets each deploy's result and returns what it did, added to the report line."""

    def __init__(self, plane: Any, project: Project, report: Callable[[str], None],
                 on_deployed: Callable[[dict[str, Any]], str] | None = None) -> None:
        self.plane = plane
        self.project = project
        self.report = report
        self.on_deployed = on_deployed
        self.root = project.template.resolve().parent
        self.skip = {plane.settings.state_dir.resolve()}
        self.built = (self.root / build.BUILD_DIR).is_dir()
        self.extra = (project.env_vars.resolve(),) if project.env_vars is not None else ()
        self._last: Fingerprint | None = None

    def step(self) -> bool:
        """Deploy if anything changed since the last step (always at the first); whether it deployed."""
        current = fingerprint(self.root, self.skip, self.extra)
        if current == self._last:
            return False
        while self._last is not None:  # never deploy a file half-written: wait until the save is done
            time.sleep(SETTLE_S)
            settled = fingerprint(self.root, self.skip, self.extra)
            if settled == current:
                break
            current = settled
        self._last = current
        started = time.perf_counter()
        project = self.project
        try:
            target = build.build(project.template, self.report) if self.built else project.template
            result = deploy.deploy(self.plane, target, project.stack, project.overrides,
                                   env_vars=envvars.read(project.env_vars) if project.env_vars else None)
        except errors.LambdactlError as exc:
            self.report(f"Deploy failed, still watching: {exc.message.strip()}")
            return True
        changed = [f"{c['LogicalResourceId']} ({c['Action']})" for c in result["Changes"] if not c["Action"].startswith("Skip")]
        line = result["Message"] + (": " + ", ".join(changed) if changed else "")
        if self.on_deployed is not None:
            line += self.on_deployed(result)
        self.report(f"{line} [{time.perf_counter() - started:.2f} s]")
        return True

    def run(self, stop: threading.Event | None = None, rounds: int | None = None) -> None:
        """Step every ``POLL_S`` until ``stop`` is set or interrupted (or ``rounds`` deploys)."""
        stop = stop or threading.Event()
        done = 0
        while not stop.is_set() and (rounds is None or done < rounds):
            done += self.step()
            stop.wait(POLL_S)


def watch(plane: Any, project: Project, report: Callable[[str], None]) -> None:
    """``deploy --watch``: deploy now and after every change, until interrupted."""
    report(f"Watching {project.template.resolve().parent} for changes (Ctrl-C to stop)")
    Watcher(plane, project, report).run()
