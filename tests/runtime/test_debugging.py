"""Debugging functions: ``invoke --debug-port`` with a real debugpy client (DAP over TCP) for Python and
the Node.js inspector (its HTTP list, then the DevTools protocol over a WebSocket), and ``breakpoint()``
without a debugger.

debugpy comes from ``lambdactl runtimes install-debugger`` (CI runs it); without it the debugpy test
skips, unless LAMBDACTL_REQUIRE_SDK=1 (CI), where it fails.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from lambdactl import errors
from lambdactl.runtime import sdk
from tests.conftest import clean_env, create_args, lambdactl_command
from tests.runtime.conftest import request, wait_until

BREAKPOINT_PY = 'def handler(event, context):\n    breakpoint()\n    return "past the breakpoint"\n'
SLOW_PY = '''import time
def handler(event, context):
    time.sleep(1.5)  # past the 1 s timeout: lifted while debugging
    return {"remaining_ms": context.get_remaining_time_in_millis()}
'''
NODE_JS = 'exports.handler = async () => ({ debugged: process.execArgv.filter((a) => a.startsWith("--inspect")) });\n'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_breakpoint_without_a_debugger_does_not_fail_the_invoke(cli, make_zip, tmp_path: Path) -> None:
    cli(*create_args("bp", make_zip({"app.py": BREAKPOINT_PY})))
    result = cli("invoke", "--function-name", "bp", "out.json")
    assert "FunctionError" not in result.json
    assert json.loads((tmp_path / "out.json").read_text()) == "past the breakpoint"


class DAP:
    """A minimal Debug Adapter Protocol client: Content-Length framed JSON over TCP."""

    def __init__(self, port: int) -> None:
        self.sock = wait_until(lambda: self._connect(port), timeout=60)
        self.buffer = b""
        self.seq = 0

    @staticmethod
    def _connect(port: int) -> socket.socket | None:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=60)
        except OSError:
            return None

    def send(self, command: str, **arguments: Any) -> int:
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command, "arguments": arguments}).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def receive(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        header, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        while len(self.buffer) < length:
            self.buffer += self._recv()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return json.loads(body)

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        assert data, "the debug adapter hung up"
        return data

    def until(self, kind: str, name: str) -> dict[str, Any]:
        """Read messages until the ``kind`` ("response"/"event") named ``name``."""
        while True:
            message = self.receive()
            if message["type"] == kind and message.get("command", message.get("event")) == name:
                return message


@pytest.fixture
def debugpy_installed(cli) -> None:
    if sdk.debugpy_dir(cli.state_dir):
        return
    reason = "debugpy is not installed: run `lambdactl runtimes install-debugger`"
    if os.environ.get("LAMBDACTL_REQUIRE_SDK") == "1":
        pytest.fail(f"LAMBDACTL_REQUIRE_SDK=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.mark.slow
def test_python_debug_port_waits_for_a_debugpy_client_with_the_timeout_lifted(cli, make_zip, tmp_path: Path,
                                                                              debugpy_installed) -> None:
    cli(*create_args("slow", make_zip({"app.py": SLOW_PY}), "--timeout", "1"))
    port = free_port()
    invoke = cli.popen("invoke", "--function-name", "slow", "--debug-port", str(port), "out.json")
    try:
        client = DAP(port)
        client.send("initialize", clientID="test", adapterID="debugpy")
        assert client.until("response", "initialize")["success"]
        attach = client.send("attach", justMyCode=False)
        client.until("event", "initialized")
        client.send("configurationDone")
        response = client.until("response", "attach")
        assert response["success"] and response["request_seq"] == attach
        out, err = invoke.communicate(timeout=120)
    finally:
        if invoke.poll() is None:
            invoke.kill()
            invoke.wait()
    assert invoke.returncode == 0, err
    assert "FunctionError" not in json.loads(out)
    assert "waits for a debugger on 127.0.0.1:%d" % port in err
    assert json.loads((tmp_path / "out.json").read_text())["remaining_ms"] > 3600_000  # the 1 s deadline is lifted
    client.sock.close()


def test_python_debug_port_without_debugpy_says_how_to_install_it(make_env, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk, "debugpy_dir", lambda state_dir: None)  # as on a machine that never installed it
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(BREAKPOINT_PY)
    env = make_env("python3.12", "app.handler", code=code)
    env.spec = dataclasses.replace(env.spec, debug_port=free_port())
    with pytest.raises(errors.LambdactlError, match="run `lambdactl runtimes install-debugger`"):
        env.start()  # refused before anything starts, not a function error


def test_debug_port_in_use_is_refused_before_the_invoke(cli, make_zip) -> None:
    cli.create("bp", make_zip({"app.py": BREAKPOINT_PY}))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("invoke", "--function-name", "bp", "--debug-port", str(port), "out.json", rc=255)
    assert result.stderr.strip() == f"--debug-port {port}: 127.0.0.1:{port} is not free (Address already in use)"
    assert not (cli.cwd / "out.json").exists()  # nothing ran, and nobody was told to attach


def websocket_call(url: str, message: dict[str, Any]) -> socket.socket:
    """Send one DevTools-protocol message over a WebSocket (RFC 6455: handshake, one masked text frame)."""
    host, _, path = url.removeprefix("ws://").partition("/")
    address, port = host.rsplit(":", 1)
    sock = socket.create_connection((address, int(port)), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    payload = json.dumps(message).encode()
    mask = os.urandom(4)
    header = bytes([0x81]) + (bytes([0x80 | len(payload)]) if len(payload) < 126 else bytes([0x80 | 126]) + struct.pack(">H", len(payload)))
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    return sock


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_debug_port_starts_the_inspector_and_waits_for_it(cli, make_zip, tmp_path: Path) -> None:
    cli(*create_args("js", make_zip({"index.js": NODE_JS}), "--runtime", "nodejs20.x", "--handler", "index.handler"))
    port = free_port()
    invoke = cli.popen("invoke", "--function-name", "js", "--debug-port", str(port), "out.json")
    try:
        def targets() -> list[dict[str, Any]] | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
                    return json.loads(answer.read())
            except OSError:
                return None

        listed = wait_until(targets, timeout=60)
        assert invoke.poll() is None  # waiting for the debugger
        sock = websocket_call(listed[0]["webSocketDebuggerUrl"], {"id": 1, "method": "Runtime.runIfWaitingForDebugger"})
        out, err = invoke.communicate(timeout=120)
        sock.close()
    finally:
        if invoke.poll() is None:
            invoke.kill()
            invoke.wait()
    assert invoke.returncode == 0, err
    assert json.loads((tmp_path / "out.json").read_text()) == {"debugged": [f"--inspect-wait=127.0.0.1:{port}"]}


@pytest.mark.slow
def test_serve_debug_port_environments_wait_for_debugpy(cli, make_zip, tmp_path: Path, debugpy_installed) -> None:
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config

    cli(*create_args("served", make_zip({"app.py": SLOW_PY}), "--timeout", "1"))
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as err:
        server = subprocess.Popen([*lambdactl_command(), "serve", "--port", "0", "--debug-port", str(port)],
                                  env=clean_env(cli.state_dir), stdout=subprocess.DEVNULL, stderr=err)
    try:
        url = wait_until(lambda: (found := re.search(r"listening on (http://\S+)", log.read_text())) and found[1], timeout=60)
        wait_until(lambda: f"functions wait for a debugger on 127.0.0.1:{port}" in log.read_text(), timeout=30)
        answers: list[dict[str, Any]] = []
        client = boto3.client("lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                              aws_secret_access_key="x", config=Config(read_timeout=120))
        caller = threading.Thread(target=lambda: answers.append(client.invoke(FunctionName="served")))
        caller.start()
        debugger = DAP(port)
        debugger.send("initialize", clientID="test", adapterID="debugpy")
        debugger.until("response", "initialize")
        debugger.send("attach", justMyCode=False)
        debugger.until("event", "initialized")
        debugger.send("configurationDone")
        assert debugger.until("response", "attach")["success"]
        caller.join(120)
        debugger.sock.close()
    finally:
        server.terminate()
        server.wait(30)
    assert "FunctionError" not in answers[0]
    assert json.loads(answers[0]["Payload"].read())["remaining_ms"] > 3600_000
