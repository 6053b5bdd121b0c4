"""``deploy --watch`` and ``serve --watch``: redeploy whenever the template or the code it names changes.

As ``sam sync --watch``, what is polled (mtimes and sizes) is the template file, each function's
``CodeUri`` and each layer's ``ContentUri`` (a folder: its files, so the function's requirements or
package files too, skipping ``.aws-sam``, hidden folders and the state directory; or a zip) and the
``--env-vars`` file: never the rest of the project folder, where logs and editors' files come and go.
This process's own stdout and stderr are never watched either (``serve --watch > serve.log`` in a code
folder), so its report lines cannot start a deploy. A project that was built (``.aws-sam/build``
exists) is rebuilt before each deploy, so dependencies stay installed. A failed deploy is reported
and watching goes on: the next save retries it, and since deploys converge, that completes what
failed. ``serve`` passes ``on_deployed`` to retire the warm environments of the functions a deploy changed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdactl import errors
from lambdactl.templates import build, deploy, envvars, loader
from lambdactl.templates.loader import TemplateError
from lambdactl.templates.names import Project

POLL_S = 0.2
SETTLE_S = 0.05  # a change is acted on once the files stayed as they are for this long (a save in progress)
FUNCTION = "AWS::Lambda::Function"

Fingerprint = frozenset[tuple[str, int, int]]


def _own_output() -> set[tuple[int, int]]:
    """(device, inode) of this process's stdout and stderr when they are files: what it writes itself."""
    own = set()
    for fd in (1, 2):
        try:
            stat = os.fstat(fd)
        except OSError:
            continue
        own.add((stat.st_dev, stat.st_ino))
    return own


def fingerprint(paths: tuple[Path, ...], skip: set[Path]) -> Fingerprint:
    """Every file of ``paths`` (a folder's files, recursively) as (path, mtime, size); a missing one as absent."""
    own = _own_output()
    seen = set()

    def add(path: Path) -> None:
        try:
            stat = path.stat()
        except OSError:
            seen.add((str(path), -1, -1))
            return
        if (stat.st_dev, stat.st_ino) not in own:
            seen.add((str(path), stat.st_mtime_ns, stat.st_size))

    for root in paths:
        if not root.is_dir():
            add(root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in build.IGNORED and Path(folder, d).resolve() not in skip]
            for name in files:
                add(Path(folder, name))
    return frozenset(seen)


def watched(template: Path, env_vars: Path | None) -> tuple[Path, ...]:
    """The template, the code folders (or zips) its functions and layers name, and the ``--env-vars`` file.
    A template that does not load is watched alone (with the env-vars file) until it does."""
    paths = [template]
    try:
        body = loader.load(template)
    except TemplateError:
        body = {"Resources": {}}
    globals_ = (body.get("Globals") or {}).get("Function") or {}
    for resource in (body.get("Resources") or {}).values():
        kind, props = resource.get("Type"), resource.get("Properties") or {}
        key = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}.get(str(kind))
        uri = props.get(key, globals_.get(key) if key == "CodeUri" else None) if key else None
        if isinstance(uri, str) and "InlineCode" not in props:
            paths.append((template.parent / uri).resolve())
    return tuple(dict.fromkeys([*paths, *([env_vars] if env_vars is not None else [])]))


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
        self.template = project.template.resolve()
        self.skip = {plane.settings.state_dir.resolve()}
        self.built = (self.template.parent / build.BUILD_DIR).is_dir()
        self.env_vars = project.env_vars.resolve() if project.env_vars is not None else None
        self._last: Fingerprint | None = None
        self._paths: tuple[tuple[int, int], tuple[Path, ...]] | None = None  # the template's (mtime, size), its paths

    def fingerprint(self) -> Fingerprint:
        """The watched files as they are; what is watched is read again from the template when it changed."""
        try:
            stat = self.template.stat()
            version = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            version = (-1, -1)
        if self._paths is None or self._paths[0] != version:
            self._paths = (version, watched(self.template, self.env_vars))
        return fingerprint(self._paths[1], self.skip)

    def step(self) -> bool:
        """Deploy if anything changed since the last step (always at the first); whether it deployed."""
        current = self.fingerprint()
        if current == self._last:
            return False
        while self._last is not None:  # never deploy a file half-written: wait until the save is done
            time.sleep(SETTLE_S)
            settled = self.fingerprint()
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
    """``deploy --watch``: deploy now and after every change, until interrupted. Ctrl-C ends it with exit 0, as it
    ends ``sam sync --watch`` (and ``serve``, with or without ``--watch``, as ``sam local start-api``)."""
    report(f"Watching {project.template.resolve()} and the code it names for changes (Ctrl-C to stop)")
    try:
        Watcher(plane, project, report).run()
    except KeyboardInterrupt:
        report("Stopped watching")
