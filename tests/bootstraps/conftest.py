"""Fixtures for the language bootstraps: a small Runtime API and real runtime processes.

`FakeRuntimeAPI` speaks the Lambda Runtime API (2018-06-01) the way Lambda and RIE do:
`/next` is a long poll carrying the `Lambda-Runtime-*` headers, results and errors are
answered 202, and every request the runtime made is recorded for assertions.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BOOTSTRAPS = Path(__file__).resolve().parents[2] / "lambdactl" / "runtime" / "bootstraps"
PY_BOOTSTRAP = BOOTSTRAPS / "python_bootstrap.py"
NODE_BOOTSTRAP = BOOTSTRAPS / "node_bootstrap.js"
PREFIX = "/2018-06-01/runtime"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Outcome:
    """What the runtime posted back: kind is "response", "error" or "init_error"."""

    kind: str
    request_id: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Invocation:
    payload: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline_ms: int | None = None
    function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:fn"
    trace_id: str | None = None
    client_context: str | None = None
    cognito_identity: str | None = None
    tenant_id: str | None = None
    content_type: str = "application/json"


class FakeRuntimeAPI:
    """A threaded Runtime API serving queued invocations to one runtime process."""

    def __init__(self) -> None:
        self.pending: queue.Queue[Invocation] = queue.Queue()
        self.outcomes: queue.Queue[Outcome] = queue.Queue()
        self.requests: list[Recorded] = []
        self.closed = threading.Event()
        self.process: RuntimeProcess | None = None  # the runtime being served, for failure reports
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:  # the runtime went away mid-poll
                    self.close_connection = True

            def do_GET(self) -> None:
                api.requests.append(Recorded("GET", self.path, dict(self.headers), b""))
                if self.path != PREFIX + "/invocation/next":
                    return self._reply(404, b'{"errorType":"NotFound"}')
                while not api.closed.is_set():
                    try:
                        inv = api.pending.get(timeout=0.05)
                        break
                    except queue.Empty:
                        continue
                else:
                    return self._reply(500, b'{"errorType":"Shutdown"}')
                headers = {
                    "Content-Type": inv.content_type,
                    "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms or int(time.time() * 1000) + 30_000),
                    "Lambda-Runtime-Invoked-Function-Arn": inv.function_arn,
                    "Lambda-Runtime-Trace-Id": inv.trace_id,
                    "Lambda-Runtime-Client-Context": inv.client_context,
                    "Lambda-Runtime-Cognito-Identity": inv.cognito_identity,
                    "Lambda-Runtime-Aws-Tenant-Id": inv.tenant_id,
                }
                self._reply(200, inv.payload, {k: v for k, v in headers.items() if v is not None})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                api.requests.append(Recorded("POST", self.path, dict(self.headers), body))
                parts = self.path[len(PREFIX) :].strip("/").split("/")
                if parts == ["init", "error"]:
                    kind, request_id = "init_error", ""
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    kind, request_id = parts[2], parts[1]
                else:
                    return self._reply(404, b'{"errorType":"NotFound"}')
                self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})
                api.outcomes.put(Outcome(kind, request_id, dict(self.headers), body))

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:  # a runtime killed mid-request
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def invoke(self, payload: object = None, *, timeout: float = 20, **kw) -> Outcome:
        """Queue one invocation and wait for the runtime's answer (or its init error)."""
        if not isinstance(payload, bytes):
            payload = json.dumps(payload).encode()
        inv = Invocation(payload, **kw)
        self.pending.put(inv)
        return self.wait_outcome(timeout)

    def wait_outcome(self, timeout: float = 20) -> Outcome:
        """The runtime's next post; fails early (with its output) if the runtime process died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return self.outcomes.get(timeout=0.05)
            except queue.Empty:
                if self.process is not None and self.process.proc.poll() is not None and self.outcomes.empty():
                    break
        proc = self.process
        detail = "" if proc is None else "\n--- stdout:\n%s\n--- stderr:\n%s" % (proc.stdout, proc.stderr)
        raise AssertionError("the runtime posted nothing" + detail)

    def close(self) -> None:
        self.closed.set()
        self.server.shutdown()
        self.server.server_close()


class RuntimeProcess:
    """A bootstrap process whose stdout and stderr are collected as they arrive."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._out), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._err), daemon=True),
        ]
        for t in self._readers:
            t.start()

    @staticmethod
    def _pump(stream, sink: list[bytes]) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            sink.append(chunk)

    @property
    def stdout(self) -> str:
        return b"".join(self._out).decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return b"".join(self._err).decode("utf-8", "replace")

    def wait_for(self, text: str, timeout: float = 10, stream: str = "stdout") -> str:
        """Poll until `text` shows up in the stream (output may trail the post by a moment)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = getattr(self, stream)
            if text in out:
                return out
            time.sleep(0.01)
        raise AssertionError("%r not in %s:\n%s\n--- stderr:\n%s" % (text, stream, getattr(self, stream), self.stderr))

    def wait_exit(self, timeout: float = 10) -> int:
        code = self.proc.wait(timeout)
        for t in self._readers:
            t.join(timeout)
        return code

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def lambda_env(api: FakeRuntimeAPI, task_root: Path, handler: str, **extra: str) -> dict[str, str]:
    """The standard Lambda environment for one function, as the platform would set it."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "_HANDLER": handler,
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    env.update(extra)
    return env


@pytest.fixture
def runtime_api():
    api = FakeRuntimeAPI()
    yield api
    api.close()


@pytest.fixture
def start_runtime(runtime_api, tmp_path):
    """Start a bootstrap: start_runtime(argv_prefix, handler, files={name: text}, env={...})."""
    started: list[RuntimeProcess] = []

    def start(argv: list[str], handler: str, files: dict[str, str], env: dict[str, str] | None = None) -> RuntimeProcess:
        task_root = tmp_path / "task"
        for name, text in files.items():
            path = task_root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        task_root.mkdir(exist_ok=True)
        proc = RuntimeProcess(argv, lambda_env(runtime_api, task_root, handler, **(env or {})), task_root)
        runtime_api.process = proc
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def find_python(version: str) -> str | None:
    """A working interpreter for `version` ("3.9"): pyenv's install, then PATH (shims may not run)."""
    candidates = [str(p) for p in sorted(Path("/root/.pyenv/versions").glob(version + ".*/bin/python" + version))]
    candidates += [c for c in [shutil.which("python" + version)] if c]
    if "%d.%d" % sys.version_info[:2] == version:
        candidates.insert(0, sys.executable)
    for candidate in candidates:
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None
