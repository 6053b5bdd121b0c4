"""``Code.Location`` / ``Content.Location``: where a client downloads a stored zip.

Under ``serve`` it is an http URL on the server, signed and valid for 10 minutes as Lambda's
presigned S3 links are (``/_lambdactl/code/<sha256>.zip?X-Amz-Expires=600&Expires=..&X-Amz-Signature=..``);
the key is a random secret in the state directory (``code-links.key``, 0600). A command working
on the state directory directly, with no server, shows the zip's ``file://`` path.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from pathlib import Path

from lambdactl.plane import ControlPlane

PATH_PREFIX = "/_lambdactl/code/"
EXPIRES_S = 600
KEY_NAME = "code-links.key"
_PATH = re.compile(r"/_lambdactl/code/([0-9a-f]{64})\.zip")


def location(plane: ControlPlane, sha_hex: str) -> str:
    base = plane.settings.endpoint_url.rstrip("/")
    if not base:
        return plane.code.zip_path(sha_hex).as_uri()
    expires = int(time.time()) + EXPIRES_S
    signature = _sign(plane.settings.state_dir, sha_hex, expires)
    return f"{base}{PATH_PREFIX}{sha_hex}.zip?X-Amz-Expires={EXPIRES_S}&Expires={expires}&X-Amz-Signature={signature}"


def resolve(state_dir: Path, path: str, query: dict[str, list[str]]) -> str | None:
    """The sha256 a link names, if its signature holds and it has not expired."""
    found = _PATH.fullmatch(path)
    if not found:
        return None
    try:
        expires = int((query.get("Expires") or ["0"])[0])
    except ValueError:
        return None
    given = (query.get("X-Amz-Signature") or [""])[0]
    if expires < time.time() or not hmac.compare_digest(given, _sign(state_dir, found.group(1), expires)):
        return None
    return found.group(1)


def _sign(state_dir: Path, sha_hex: str, expires: int) -> str:
    return hmac.new(_key(Path(state_dir)), f"{sha_hex}:{expires}".encode(), "sha256").hexdigest()


def _key(state_dir: Path) -> bytes:
    path = state_dir / KEY_NAME
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    key = os.urandom(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
