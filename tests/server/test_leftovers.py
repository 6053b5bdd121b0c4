"""What a killed `serve` leaves: its work dirs are swept by the next one, and its serve.json naming a
pid now used by another process does not keep the next one from starting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from .conftest import ROLE, start_server, zip_bytes
from .conftest import boto3  # noqa: F401 (skips without boto3)


def _client(server):
    import boto3
    from botocore.config import Config

    return boto3.client("lambda", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="t",
                        aws_secret_access_key="t", config=Config(retries={"total_max_attempts": 1}))


def test_work_dirs_of_a_killed_serve_are_swept_and_a_reused_pid_is_not_a_server(tmp_path):
    state = tmp_path / "state"
    server = start_server(state, tmp_path / "serve.log")
    client = _client(server)
    client.create_function(FunctionName="scratch", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes(
                               "def handler(e, c):\n    open('/tmp/secret', 'w').write('x')\n    return 1\n")})
    assert client.invoke(FunctionName="scratch")["StatusCode"] == 200
    left = list((state / "run").iterdir())
    assert left, "a warm environment has its work dir"
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()
    assert all(path.exists() for path in left)
    # The dead server's pid now belongs to another process (a sleeper standing in for any program).
    other = subprocess.Popen(["sleep", "60"])
    try:
        record = json.loads((state / "serve.json").read_text())
        record["pid"] = other.pid
        (state / "serve.json").write_text(json.dumps(record))
        again = start_server(state, tmp_path / "serve2.log")
    finally:
        other.kill()
        other.wait()
    try:
        assert not any(path.exists() for path in left), "the killed server's work dirs are swept"
        assert _client(again).invoke(FunctionName="scratch")["StatusCode"] == 200
    finally:
        assert again.stop() == 0


def test_doctor_sweeps_what_a_killed_cli_left(cli, make_zip, state_dir):
    code = make_zip({"app.py": "import time\ndef handler(e, c):\n    time.sleep(60)\n"})
    cli("create-function", "--function-name", "hang", "--runtime", "python3.12", "--handler", "app.handler",
        "--timeout", "60", "--zip-file", f"fileb://{code}")
    invoke = cli.popen("invoke", "--function-name", "hang", "out.json", env={"LAMBDACTL_WARM_INVOKE": "0"})
    deadline = time.monotonic() + 30
    while not list((state_dir / "run").glob("*")):
        assert time.monotonic() < deadline and invoke.poll() is None
        time.sleep(0.05)
    invoke.send_signal(signal.SIGTERM)
    invoke.wait(30)
    assert list((state_dir / "run").iterdir())
    result = cli("doctor")
    assert "removed 1 work dir(s) of killed lambdactl processes" in result.stdout
    assert list((state_dir / "run").iterdir()) == []
