"""Find the host interpreter a Lambda runtime identifier asks for.

``python3.X``:
  1. ``$LAMBDACTL_PYTHON3_X`` (e.g. ``LAMBDACTL_PYTHON3_12=/opt/py312/bin/python3.12``), if set;
  2. ``python3.X`` on ``PATH``; a pyenv shim (a shell script that execs ``pyenv exec``, tens of
     ms per start) is resolved to the real binary under ``$PYENV_ROOT/versions/*/bin``;
  3. else the current interpreter, with a one-line warning on stderr.
``nodejsNN.x``: ``$LAMBDACTL_NODE``, else ``node`` on ``PATH``.

No subprocess is run; results are cached for the life of the process.
"""

from __future__ import annotations

import os
import shutil
import sys
from functools import lru_cache
from pathlib import Path

from lambdactl import errors


def python_for(runtime: str) -> str:
    """The interpreter path for ``python3.X``."""
    return _python(runtime.removeprefix("python"), os.environ.get("PATH", ""))


def node_for(runtime: str) -> str:
    override = os.environ.get("LAMBDACTL_NODE")
    if override:
        return override
    node = shutil.which("node")
    if node is None:
        raise errors.InvalidRuntimeException(
            f"The runtime {runtime} needs Node.js, but no `node` was found on PATH (set LAMBDACTL_NODE)."
        )
    return node


@lru_cache(maxsize=None)
def _python(version: str, path: str) -> str:
    override = os.environ.get("LAMBDACTL_PYTHON" + version.replace(".", "_"))
    if override:
        return override
    found = shutil.which(f"python{version}", path=path)
    if found and _is_script(found):
        found = _real_pyenv_python(version, Path(found)) or found
    if found:
        return found
    if sys.version_info[:2] == tuple(int(p) for p in version.split(".")):
        return sys.executable
    print(
        f"lambdactl: warning: python{version} not found; running the function with {sys.executable}",
        file=sys.stderr,
    )
    return sys.executable


def _is_script(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


def _real_pyenv_python(version: str, shim: Path) -> str | None:
    root = os.environ.get("PYENV_ROOT") or (str(shim.parent.parent) if shim.parent.name == "shims" else None)
    if root is None:
        return None
    candidates = sorted(
        Path(root, "versions").glob(f"{version}.*/bin/python{version}"),
        key=lambda p: tuple(int(x) if x.isdigit() else -1 for x in p.parent.parent.name.split(".")),
    )
    return str(candidates[-1]) if candidates else None
