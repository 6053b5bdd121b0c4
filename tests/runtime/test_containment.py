"""A subprocess environment's processes live and die with it, with and without a memory cgroup."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from lambdactl.backends.subprocess import Cgroup, _probe_base

from .conftest import marker_pids, request, wait_until

DAEMON = textwrap.dedent('''
    import os, time

    def daemonize():
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.closerange(0, 1024)
                time.sleep(600)
            os._exit(0)
        os.wait()

    def handler(event, context):
        daemonize()
        time.sleep(event.get("sleep", 0))
        return "spawned"

    def hog(event, context):
        block = bytearray(event["mb"] << 20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(2)
        return len(block) >> 20
''')


@pytest.fixture(params=["cgroup", "cgroup-v2", "no-cgroup"])
def containment(request, monkeypatch) -> str:
    if request.param == "no-cgroup":
        monkeypatch.setattr(Cgroup, "_base", None)  # as on a machine without a writable memory cgroup
        monkeypatch.setattr(Cgroup, "_track_base", None)
    elif request.param == "cgroup-v2":  # the unified hierarchy only, as probed on a v2 host
        monkeypatch.setenv("LAMBDACTL_CGROUP", "v2")
        monkeypatch.setattr(Cgroup, "_base", False)
        monkeypatch.setattr(Cgroup, "_cpu_base", None)
        monkeypatch.setattr(Cgroup, "_track_base", None)
        if not Cgroup.base() and not Cgroup._track_base:
            pytest.skip("no writable cgroup v2 directory here")
    elif not _probe_base("memory"):
        pytest.skip("no writable memory cgroup here")
    return request.param


def _code(tmp_path):
    code = tmp_path / "daemon-code"
    code.mkdir(parents=True)
    (code / "app.py").write_text(DAEMON)
    return code


def test_a_double_forked_daemon_dies_with_its_environment(make_env, marker, tmp_path, containment):
    env = make_env("python3.12", "app.handler", code=_code(tmp_path))
    env.start()
    result = env.invoke(request())
    assert json.loads(result.payload) == "spawned"
    assert len(marker_pids(marker)) >= 2  # the runtime and its daemon, which left the process group
    env.stop()
    wait_until(lambda: not marker_pids(marker), 5)


def test_a_daemon_is_gone_after_the_timeout(make_env, marker, tmp_path, containment):
    env = make_env("python3.12", "app.handler", code=_code(tmp_path), timeout=1)
    env.start()
    result = env.invoke(request(b'{"sleep": 30}'))
    assert b"Task timed out" in result.payload and not result.reusable
    wait_until(lambda: not marker_pids(marker), 5)


def test_memory_is_limited_to_memory_size(make_env, tmp_path, containment):
    """300 MB touched in a 256 MB function: killed as out of memory (not 256 MB + address-space headroom)."""
    env = make_env("python3.12", "app.hog", code=_code(tmp_path), memory=256, timeout=10)
    env.start()
    result = env.invoke(request(b'{"mb": 300}'))
    assert result.function_error == "Unhandled" and b"Runtime.ExitError" in result.payload, result.payload
    assert "Runtime.OutOfMemory" in result.log
    env2 = make_env("python3.12", "app.hog", code=_code(tmp_path / "2"), memory=256, timeout=10)
    env2.start()
    fits = env2.invoke(request(b'{"mb": 150}'))
    assert json.loads(fits.payload) == 150
    assert 150 <= fits.max_memory_used_mb <= 256


def test_a_cgroup_v2_holds_the_daemon_and_says_so(make_env, marker, tmp_path, monkeypatch):
    """On the unified hierarchy the environment's processes, the daemon that left its process group
    included, are in its cgroup (no subreaper needed), and the mechanism line names it."""
    from lambdactl.backends.subprocess import describe_containment

    monkeypatch.setenv("LAMBDACTL_CGROUP", "v2")
    monkeypatch.setattr(Cgroup, "_base", False)
    monkeypatch.setattr(Cgroup, "_cpu_base", None)
    monkeypatch.setattr(Cgroup, "_track_base", None)
    base = Cgroup.base() or Cgroup._track_base
    if not base:
        pytest.skip("no writable cgroup v2 directory here")
    env = make_env("python3.12", "app.handler", code=_code(tmp_path))
    env.start()
    assert json.loads(env.invoke(request()).payload) == "spawned"
    pids = marker_pids(marker)
    assert len(pids) >= 2
    groups = {Path(f"/proc/{pid}/cgroup").read_text().split("0::", 1)[1].split()[0] for pid in pids}
    assert len(groups) == 1 and groups.pop().rsplit("/", 1)[-1].startswith("lambdactl-"), groups
    assert "cgroup" in describe_containment() and str(base) in describe_containment()
    env.stop()
    wait_until(lambda: not marker_pids(marker), 5)
    assert not list(base.glob(f"lambdactl-{os.getpid()}-*"))  # its cgroup went with it
