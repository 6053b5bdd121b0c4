"""``deploy --watch``: redeploy whenever the template or a file beside it changes.

The project folder is polled (mtimes and sizes, skipping ``.aws-sam``, hidden folders and the state
directory), cheap for a source tree. A project that was built (``.aws-sam/build`` exists) is rebuilt
before each deploy, so dependencies stay installed. A failed deploy is reported and watching goes on:
the next save retries it, and since deploys converge, that completes what failed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdactl import errors
from lambdactl.templates import build, deploy

POLL_S = 0.2


def fingerprint(root: Path, skip: set[Path]) -> frozenset[tuple[str, int, int]]:
    seen = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in build.IGNORED and Path(folder, d).resolve() not in skip]
        for name in files:
            try:
                stat = Path(folder, name).stat()
            except FileNotFoundError:
                continue
            seen.add((os.path.join(folder, name), stat.st_mtime_ns, stat.st_size))
    return frozenset(seen)


def watch(plane: Any, template: Path, stack: str, overrides: dict[str, str], report: Callable[[str], None],
          rounds: int | None = None) -> None:
    """Deploy now and after every change, until interrupted (or ``rounds`` deploys, for callers that stop)."""
    root = template.resolve().parent
    skip = {plane.settings.state_dir.resolve()}
    built = (root / build.BUILD_DIR).is_dir()
    last: frozenset[tuple[str, int, int]] | None = None
    done = 0
    report(f"Watching {root} for changes (Ctrl-C to stop)")
    while rounds is None or done < rounds:
        current = fingerprint(root, skip)
        if current != last:
            last = current
            try:
                target = build.build(template, report) if built else template
                result = deploy.deploy(plane, target, stack, overrides)
                changed = [f"{c['LogicalResourceId']} ({c['Action']})" for c in result["Changes"] if not c["Action"].startswith("Skip")]
                report(result["Message"] + (": " + ", ".join(changed) if changed else ""))
            except errors.LambdactlError as exc:
                report(f"Deploy failed, still watching: {exc.message.strip()}")
            done += 1
        time.sleep(POLL_S)
