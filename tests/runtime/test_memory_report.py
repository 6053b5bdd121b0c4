"""REPORT's Max Memory Used counts what the runtime process holds, file pages included: a memory
cgroup on a shared host is not charged for the interpreter's pages another process loaded first."""

from __future__ import annotations

from .conftest import request


def resident_high_water_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return -(-kb // 1024)


def test_max_memory_used_covers_the_runtimes_resident_memory(make_env):
    with make_env("python3.12", "app.hello", memory=256) as env:
        first = env.invoke(request())
        high_water = resident_high_water_mb(env._process.pid)
        assert first.max_memory_used_mb >= high_water > 0
        assert f"Max Memory Used: {first.max_memory_used_mb} MB" in first.log
