"""A function printing 100 MB: serve keeps at most MAX_LOG_BYTES of it, and its memory stays bounded."""

from __future__ import annotations

import json

import pytest

from lambdactl.runtime.environment import MAX_LOG_BYTES

from .conftest import wait_until, zip_bytes

BURST = '''
import sys

def handler(event, context):
    line = "x" * 999 + "\\n"
    for _ in range(100_000):  # 100 MB
        sys.stdout.write(line)
    sys.stdout.write("y" * 300_000 + "\\n")  # one line past Lambda's 256 KB
    sys.stdout.flush()
    return "printed"
'''
SERVE_PEAK_MB = 200  # README: serve's memory during a 100 MB burst


def _peak_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM:"))


@pytest.mark.slow
def test_a_100_mb_log_burst_keeps_serve_bounded(client, server):
    client.create_function(
        FunctionName="burst", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/r", Handler="app.handler",
        Code={"ZipFile": zip_bytes(BURST)}, Timeout=120)
    reply = client.invoke(FunctionName="burst")
    assert json.loads(reply["Payload"].read()) == "printed"
    assert _peak_mb(server.process.pid) < SERVE_PEAK_MB
    import sqlite3

    def stored() -> list[str]:
        with sqlite3.connect(server.state_dir / "lambdactl.db") as db:
            rows = db.execute("SELECT message FROM log_events WHERE log_group = '/aws/lambda/burst'").fetchall()
        messages = [row[0] for row in rows]
        return messages if any(m.startswith("REPORT") for m in messages) else []

    messages = wait_until(stored, what="the burst's log stored")
    assert sum(len(message) for message in messages) <= MAX_LOG_BYTES + 4096
    assert any("bytes of this invocation's output were not kept" in message for message in messages)
