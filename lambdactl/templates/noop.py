"""The no-op redeploy without the deploy machinery: a fingerprint of everything a deploy reads from
disk (the template's bytes, the parameter overrides and ``--env-vars``, the region and account, and the name, size and
mtime of every file of the code folders and zips it packaged), stored with the stack after each
complete deploy. When a redeploy's fingerprint matches, the stored answer is given at once, before
the template is parsed or the resource handlers imported; anything else takes the full deploy.

Imports stay light on purpose (no yaml, no templates.deploy): this is the start-up path of
``lambdactl deploy``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from lambdactl.templates.schema import MIGRATIONS

SKIPPED_DIRS = ("__pycache__", ".aws-sam", ".git")  # as resources._zip_folder skips them


def fingerprint(template: Path, stack: str, overrides: dict[str, str], region: str, account: str,
                sources: list[str], env_vars: dict[str, Any] | None = None) -> str | None:
    """The fingerprint of a deploy's inputs, or None when one of them cannot be read."""
    digest = hashlib.sha256(json.dumps([str(template.resolve()), stack, overrides, region, account, sources,
                                        env_vars or {}], sort_keys=True).encode())
    try:
        digest.update(template.read_bytes())
        for source in sources:
            path = Path(source)
            if path.is_file():
                stat = path.stat()
                digest.update(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|".encode())
                continue
            if not path.is_dir():
                return None
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
                for name in sorted(files):
                    stat = os.stat(os.path.join(root, name))
                    digest.update(f"{root}/{name}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_mode & 0o111}|".encode())
    except OSError:
        return None
    return digest.hexdigest()


def unchanged(plane: Any, template: Path, stack: str, overrides: dict[str, str],
              env_vars: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The stored answer when nothing the last complete deploy of ``stack`` read has changed, else None."""
    plane.store.ensure_schema("stacks", MIGRATIONS)
    row = plane.store.conn.execute("SELECT fingerprint, sources, unchanged FROM stacks WHERE name = ? AND status IN "
                                   "('CREATE_COMPLETE', 'UPDATE_COMPLETE')", (stack,)).fetchone()
    if not row or not row[0]:
        return None
    settings = plane.settings
    if fingerprint(template, stack, overrides, settings.region, settings.account_id, json.loads(row[1]), env_vars) != row[0]:
        return None
    return json.loads(row[2])


def remember(plane: Any, stack: str, template: Path, overrides: dict[str, str], sources: list[str],
             answer: dict[str, Any], env_vars: dict[str, Any] | None = None) -> None:
    """After a complete deploy: what a redeploy with the same inputs answers (None clears it)."""
    settings = plane.settings
    value = fingerprint(template, stack, overrides, settings.region, settings.account_id, sources, env_vars)
    with plane.store.write() as conn:
        conn.execute("UPDATE stacks SET fingerprint = ?, sources = ?, unchanged = ? WHERE name = ?",
                     (value, json.dumps(sources), json.dumps(answer), stack))
