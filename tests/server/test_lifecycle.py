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


def test_serve_command_clients_reach_the_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["XDG_STATE_HOME"] = str(tmp_path / "xdg")  # CMD's own default state dir: empty, whatever ~ holds
    script = (
        f"{PYTHON} -m lambdactl list-functions && "
        f"{PYTHON} -c \"import boto3, os; print(os.environ['LAMBDACTL_ENDPOINT_URL']);"
        f" print(boto3.client('lambda').get_account_settings()['AccountUsage'])\""
    )
    result = lambdactl("--state-dir", str(tmp_path), "serve", "--", "sh", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('{\n    "Functions": []\n}\n')
    assert "'FunctionCount': 0" in result.stdout


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    server = start_server(tmp_path / "state", tmp_path / "serve.log")
    record = json.loads((tmp_path / "state" / "serve.json").read_text())
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

