"""`serve -- CMD`, shutdown on SIGTERM, discovery file."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from .conftest import PYTHON, lambdactl, start_server, wait_until


def test_serve_command_exit_code(tmp_path: Path) -> None:
    result = lambdactl("--state-dir", str(tmp_path), "serve", "--", "sh", "-c", "exit 3")
    assert result.returncode == 3
    assert "listening on http://127.0.0.1:" in result.stderr
    assert not (tmp_path / "serve.json").exists()


def test_serve_command_clients_reach_the_server(tmp_path: Path, make_zip) -> None:
    """A lambdactl in CMD and boto3 in CMD work on the one served state directory (not the default one)."""
    default_home = tmp_path / "xdg"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAMBDACTL_"))}
    env["XDG_STATE_HOME"] = str(default_home)
    state = tmp_path / "state"
    script = (
        f"{PYTHON} -m lambdactl create-function --function-name made-inside --runtime python3.12 "
        f"--handler app.handler --zip-file fileb://{make_zip()} --query FunctionName --output text && "
        f"{PYTHON} -c \"import boto3, os; print(os.environ['LAMBDACTL_ENDPOINT_URL']);"
        f" print([f['FunctionName'] for f in boto3.client('lambda').list_functions()['Functions']])\""
    )
    result = lambdactl("--state-dir", str(state), "serve", "--", "sh", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "made-inside" and lines[1].startswith("http://127.0.0.1:") and lines[2] == "['made-inside']"
    assert not default_home.exists()
    listed = lambdactl("--state-dir", str(state), "list-functions", "--query", "Functions[].FunctionName",
                       "--output", "text", env=env)
    assert listed.stdout.split() == ["made-inside"]


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    server = start_server(tmp_path / "state", tmp_path / "serve.log")
    record = json.loads((tmp_path / "state" / "serve.json").read_text())
    started = record.pop("started")  # with the pid, names the process (a reused pid is not the server)
    assert started == open(f"/proc/{server.process.pid}/stat").read().rsplit(")", 1)[1].split()[19]
    assert record == {"pid": server.process.pid, "url": server.url, "region": "us-east-1"}
    assert lambdactl("--endpoint-url", server.url, "list-functions").returncode == 0
    os.killpg(server.process.pid, signal.SIGTERM)
    assert server.process.wait(15) == 0
    assert not (tmp_path / "state" / "serve.json").exists()
    wait_until(lambda: not _group_alive(server.process.pid), what="process group gone")


def test_second_server_on_the_same_state_dir_is_refused(tmp_path: Path) -> None:
    server = start_server(tmp_path / "state", tmp_path / "serve.log")
    try:
        second = lambdactl("--state-dir", str(tmp_path / "state"), "serve", "--port", "0")
        assert second.returncode == 253
        assert f"already served by pid {server.process.pid}" in second.stderr
    finally:
        assert server.stop() == 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True

