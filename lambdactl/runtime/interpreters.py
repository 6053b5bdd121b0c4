"""Find the host interpreter a Lambda runtime identifier asks for.

``python3.X``:
  1. ``$LAMBDACTL_PYTHON3_X`` (e.g. ``LAMBDACTL_PYTHON3_12=/opt/py312/bin/python3.12``), if set;
  2. ``python3.X`` on ``PATH``; a pyenv shim (a shell script that execs ``pyenv exec``, tens of
     ms per start) is resolved to the real binary under ``$PYENV_ROOT/versions/*/bin``;
  3. else the current interpreter, with a one-line warning on stderr.
``nodejsNN.x``: ``$LAMBDACTL_NODE``, else ``node`` on ``PATH``.
``javaNN``: see ``lambdactl.runtime.jvm``.

No subprocess is run on the invoke path; results are cached for the life of the process.
``unavailable`` (at create and update time) says what a runtime lacks on this host, and how to
get it, instead of a silent fallback to another version.
"""

from __future__ import annotations

import os
import shutil
import sys
from functools import lru_cache
from pathlib import Path

from lambdactl import errors, settings


def python_for(runtime: str) -> str:
    """The interpreter path for ``python3.X``."""
    return _python(runtime.removeprefix("python"), os.environ.get("PATH", ""))


def node_for(runtime: str) -> str:
    override = settings.NODE.get()
    if override:
        return override
    node = shutil.which("node")
    if node is None:
        raise errors.InvalidRuntimeException(
            f"The runtime {runtime} needs Node.js, but no `node` was found on PATH (set LAMBDACTL_NODE)."
        )
    return node


def unavailable(runtime: str, backend: str) -> str | None:
    """Why ``runtime`` can't run as itself on ``backend`` here (what is missing, how to get it), or None."""
    if backend != "subprocess" or runtime.startswith("provided"):
        return None
    from lambdactl.backends.images import official_image

    docker = f"or run the function with --backend docker ({official_image(runtime)})"
    if runtime.startswith("python"):
        version = runtime.removeprefix("python")
        if python_available(version):
            return None
        return (f"{runtime} is not installed here: install Python {version} (python{version} on PATH, or set "
                f"LAMBDACTL_PYTHON{version.replace('.', '_')}), {docker}; until then it runs with {sys.executable} "
                f"(Python {sys.version_info[0]}.{sys.version_info[1]})")
    if runtime.startswith("nodejs"):
        major = runtime.removeprefix("nodejs").removesuffix(".x")
        try:
            node = node_for(runtime)
        except errors.InvalidRuntimeException:
            return f"{runtime} needs Node.js {major} and no node is on PATH: install Node.js {major} (or set LAMBDACTL_NODE), {docker}"
        found = _node_version(node)
        if found.lstrip("v").split(".")[0] == major:
            return None
        return (f"{runtime} needs Node.js {major} and {node} is {found or 'of an unknown version'}: install Node.js {major} "
                f"(or set LAMBDACTL_NODE to it), {docker}; until then it runs with {found or node}")
    if runtime.startswith("java"):
        from lambdactl.runtime import jvm

        if jvm.find(runtime) is not None:
            return None
        other = jvm.on_path()
        return jvm.missing_message(runtime) + (f"; until then it runs with Java {other.major}" if other else "")
    return (f"{runtime} can't run on the subprocess backend (it runs Python, Node.js, Java and provided runtimes): "
            f"create the function with --backend docker, which runs the official image {official_image(runtime)}")


@lru_cache(maxsize=None)
def _node_version(node: str) -> str:
    import subprocess

    try:
        return subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def python_available(version: str) -> bool:
    """True if ``python{version}`` runs as itself here (no fallback to another interpreter)."""
    return bool(settings.PYTHON.get(version.replace(".", "_"))
                or shutil.which(f"python{version}", path=os.environ.get("PATH", ""))
                or sys.version_info[:2] == tuple(int(p) for p in version.split(".")))


@lru_cache(maxsize=None)
def _python(version: str, path: str) -> str:
    override = settings.PYTHON.get(version.replace(".", "_"))
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
