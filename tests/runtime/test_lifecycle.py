"""States, stop(), and no orphans, even when the process that owned an environment is killed."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from lambdactl.runtime.states import InvalidStateTransition, State

from .conftest import FUNCTIONS, MARKER_VAR, marker_pids, request, wait_until


def test_states_and_illegal_moves(make_env):
    env = make_env("provided.al2023", "echo", "shell")
    assert env.state is State.NEW
    with pytest.raises(InvalidStateTransition):
        env.invoke(request())
    env.start()
    assert env.state is State.READY and env.alive
    with pytest.raises(InvalidStateTransition):
        env.start()
    env.stop()
    env.stop()  # idempotent
    assert env.state is State.STOPPED
    with pytest.raises(InvalidStateTransition):
        env.invoke(request())


def test_stop_during_invoke_leaves_nothing(make_env, marker):
    env = make_env("provided.al2023", "hang", "shell", timeout=30)
    env.start()
    results = []
    worker = threading.Thread(target=lambda: results.append(env.invoke(request())))
    worker.start()
    wait_until(lambda: any(_cmdline(p).startswith("sleep") for p in marker_pids(marker)))
    env.stop()
    worker.join(10)
    assert results and results[0].function_error == "Unhandled" and not results[0].reusable
    assert marker_pids(marker) == []


PARENT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from lambdactl.runtime.environment import Environment
    from lambdactl.spec import EnvironmentSpec, InvocationRequest
    code, work, marker_var, marker = sys.argv[1:]
    spec = EnvironmentSpec("fn", "arn:aws:lambda:us-east-1:123456789012:function:fn", "$LATEST",
                           "provided.al2023", "hang", Path(code), Path(work), timeout_s=60,
                           environment={marker_var: marker})
    with Environment(spec) as env:
        print("ready", flush=True)
        env.invoke(InvocationRequest(b"{}", "r-1", spec.function_arn))
""")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_no_orphans_when_owner_dies(tmp_path, marker, sig):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(FUNCTIONS / "shell"), str(tmp_path / "work"), MARKER_VAR, marker],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
    )
    try:
        assert parent.stdout.readline() == "ready\n"
        wait_until(lambda: any(_cmdline(p).startswith("sleep") for p in marker_pids(marker)))
        parent.send_signal(sig)
        parent.wait(10)
        wait_until(lambda: not marker_pids(marker), 10)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
