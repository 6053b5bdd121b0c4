"""The AWS SDK Lambda bundles with its runtimes: boto3/botocore for Python, the v3 ``@aws-sdk/client-*``
packages for Node.js. Installed once, never on the invoke path.

``lambdactl runtimes install-sdk`` installs the pins of this package (``python-requirements.txt``
with hashes, through ``pip --require-hashes --no-deps --only-binary :all:``; ``node/package.json``
and its ``package-lock.json`` with integrity hashes, through ``npm ci``) into the lambdactl
installation (``<sys.prefix>/share/lambdactl/sdk``) or, with ``--scope state-dir`` (or where the
installation is not writable), into ``<state dir>/sdk``. Functions find the state dir's first.
``lambdactl runtimes install-debugger`` installs debugpy (``python-debugger-requirements.txt``) the
same way, beside the Python SDK; only environments started with ``--debug-port`` see it.

A function sees the SDK after its own code and its layers, as on Lambda, so a vendored boto3 wins:
the last entry of ``PYTHONPATH`` / ``NODE_PATH``. The Python SDK is byte-compiled for every host
``python3.X`` at install (functions run with ``PYTHONDONTWRITEBYTECODE``).
"""

from __future__ import annotations

import sys
from pathlib import Path

PINS = Path(__file__).parent
PYTHON_SDK = "boto3-1.44.8"  # as pinned in python-requirements.txt: a new pin is a new directory
NODE_SDK = "aws-sdk-js-3.1175.0"  # as pinned in node/package.json
DEBUGPY = "debugpy-1.8.22"  # as pinned in python-debugger-requirements.txt (``runtimes install-debugger``)


def installation_root() -> Path:
    return Path(sys.prefix) / "share" / "lambdactl" / "sdk"


def python_dir(state_dir: Path) -> Path | None:
    """Where the Python SDK is installed (the directory to put on sys.path), or None."""
    return _installed(state_dir, "python", PYTHON_SDK)


def debugpy_dir(state_dir: Path) -> Path | None:
    """Where debugpy is installed (``--debug-port`` puts it on a Python function's path), or None."""
    return _installed(state_dir, "python", DEBUGPY)


def node_dir(state_dir: Path) -> Path | None:
    """The installed ``node_modules`` of the Node.js SDK, or None."""
    found = _installed(state_dir, "node", NODE_SDK)
    return found / "node_modules" if found else None


def _installed(state_dir: Path, language: str, version: str) -> Path | None:
    for root in (state_dir / "sdk", installation_root()):
        path = root / language / version
        if path.is_dir():
            return path
    return None
