"""A real `lambdactl serve` process for the server and serve tests (shared by both conftests)."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PYTHON = sys.executable
LISTENING = re.compile(r"lambdactl serve: listening on (http://\S+)")
ROLE = "arn:aws:iam::123456789012:role/lambda-role"


def zip_bytes(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", source)
    return buf.getvalue()


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll an external condition (a file, the process table) until true, at most ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.02)
    return result


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    state_dir: Path
    log: Path

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def start_server(state_dir: Path, log: Path) -> Server:
    """`lambdactl serve --port 0` in its own process group; returns once it says where it listens."""
    with open(log, "wb") as err:
        process = subprocess.Popen(
            [PYTHON, "-m", "lambdactl", "--state-dir", str(state_dir), "serve", "--port", "0"],
            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
        )  # fmt: skip

    def listening() -> str | None:
        assert process.poll() is None, f"serve exited {process.returncode}: {log.read_text()}"
        found = LISTENING.search(log.read_text())
        return found.group(1) if found else None

    return Server(process, wait_until(listening, what="serve listening"), state_dir, log)
