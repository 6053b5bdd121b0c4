"""Install the pinned AWS SDKs (``lambdactl runtimes install-sdk``): atomically, each into a fresh
directory renamed into place, so a failed or interrupted install leaves nothing half-written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lambdactl import errors
from lambdactl.runtime.sdk import DEBUGPY, NODE_SDK, PINS, PYTHON_SDK, installation_root

AGAIN = "and run `lambdactl runtimes install-sdk` again"


def install(root: Path, languages: tuple[str, ...]) -> list[str]:
    """Install the SDKs of ``languages`` ("python", "node"; "debugpy": the Python debugger) under ``root``;
    one line per SDK saying where."""
    lines = []
    for language in languages:
        version = {"python": PYTHON_SDK, "node": NODE_SDK, "debugpy": DEBUGPY}[language]
        target = root / ("python" if language == "debugpy" else language) / version
        if target.is_dir():
            lines.append(f"{language}: {version} already installed in {target}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".install-"))
        try:
            if language == "node":
                _node(tmp, target)
            else:
                _python(tmp, target, language)
            tmp.chmod(0o755)
            os.rename(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            for empty in (target.parent, root):  # a failed first install leaves no empty directories
                try:
                    empty.rmdir()
                except OSError:
                    break
        lines.append(f"{language}: {version} installed in {target}")
    return lines


def default_root(state_dir: Path, scope: str) -> Path:
    """``installation`` (sys.prefix, shared by every state dir) unless it is not writable; or the state dir."""
    if scope == "installation":
        root = installation_root()
        probe = next((p for p in (root, *root.parents) if p.exists()), None)
        if probe is not None and os.access(probe, os.W_OK):
            return root
    return state_dir / "sdk"


def _python(tmp: Path, target: Path, language: str) -> None:
    """The Python SDK's pins, or ("debugpy") the debugger's."""
    pins, what, again = (("python-requirements.txt", f"the AWS SDK for Python ({PYTHON_SDK})", AGAIN) if language == "python"
                         else ("python-debugger-requirements.txt", DEBUGPY, AGAIN.replace("install-sdk", "install-debugger")))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--only-binary", ":all:", "--require-hashes", "--no-compile", "--target", str(tmp), "-r", str(PINS / pins)],
        capture_output=True, text=True, env={**os.environ, "PIP_CONSTRAINT": ""})
    if done.returncode != 0:
        raise errors.LambdactlError(
            f"Could not install {what} with pip: {_reason(done.stderr)}: connect to PyPI (or set PIP_INDEX_URL to a mirror) {again}")
    for python in _host_pythons():  # functions never write bytecode: compile it now, for each interpreter
        subprocess.run([python, "-m", "compileall", "-q", "-s", str(tmp), "-p", str(target), str(tmp)],
                       capture_output=True)


def _node(tmp: Path, target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise errors.LambdactlError(f"Installing the AWS SDK for JavaScript ({NODE_SDK}) needs npm: install Node.js "
                                    f"with npm {AGAIN}, or install only the Python SDK with --language python")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(PINS / "node" / name, tmp / name)
    done = subprocess.run([npm, "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                          cwd=tmp, capture_output=True, text=True)
    if done.returncode != 0:
        raise errors.LambdactlError(
            f"Could not install the AWS SDK for JavaScript ({NODE_SDK}) with npm: {_reason(done.stderr, last=False)}: "
            f"connect to the npm registry (or set npm_config_registry to a mirror) {AGAIN}")


def _host_pythons() -> list[str]:
    """Every interpreter a python3.X function may run with (the lookup functions use), once each."""
    from lambdactl.runtime.interpreters import python_available, python_for

    found = {os.path.realpath(sys.executable): sys.executable}
    for minor in range(8, 15):
        if python_available(f"3.{minor}"):
            path = python_for(f"python3.{minor}")
            found.setdefault(os.path.realpath(path), path)
    return list(found.values())


def _reason(text: str, last: bool = True) -> str:
    """The line of pip's (last) or npm's (first) error output that says what went wrong."""
    noise = ("WARNING", "at ", "code ", "syscall ", "errno ", "A complete log", "Log files were written")
    lines = [line.strip().removeprefix("ERROR: ").removeprefix("npm error ").strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith(noise)]
    return (lines[-1] if last else lines[0]) if lines else "failed"
