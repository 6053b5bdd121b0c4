"""A burst of concurrent invocations through `lambdactl serve`, with its default settings.

A Python handler that sleeps 1 s is invoked ``--burst`` times at once (default 1000, Lambda's
default account concurrency): first when no environment exists (every invocation starts one),
then again while they are warm. Reported per burst: errors, wall time from the first request to
the last answer, median and p99 latency; the baseline, measured in the same run, is one lone
invocation (cold, then warm), so the ratios say what the burst costs over the handler's own second.
Memory: lambdactl serve plus every process below it: the peak RSS over the burst, and the PSS right
after it while the environments are still warm (PSS shares the interpreter's pages fairly between
environments), in total and per environment.
Targets: 0 errors, the cold burst done within 30 s.

    python benchmarks/burst.py [--burst 1000] [--clients 8]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

SLEEPER = "import time\n\ndef handler(event, context):\n    time.sleep(1)\n    return {'ok': True}\n"
PATH = "/2015-03-31/functions/sleeper/invocations"


def request(port: int, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    """One request on its own connection (raw HTTP/1.1: the client must stay light beside 1000 peers)."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")  # fmt: skip
        sock.sendall(head.encode() + body)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    raw = b"".join(chunks)
    return int(raw.split(b" ", 2)[1]), raw.partition(b"\r\n\r\n")[2]


def _client(port: int, count: int, start_at: float, results: multiprocessing.Queue) -> None:
    """``count`` invocations at once from one process (threads), reported as (ok, seconds, started, ended)."""
    out: list[tuple[bool, float, float, float]] = []
    lock = threading.Lock()

    def one() -> None:
        while time.time() < start_at:
            time.sleep(0.001)
        started = time.time()
        try:
            status, body = request(port, "POST", PATH, b"{}")
            ok = status == 200 and json.loads(body) == {"ok": True}
        except OSError:
            ok = False
        ended = time.time()
        with lock:
            out.append((ok, ended - started, started, ended))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(out)


class MemoryPeak:
    """Samples the memory of a process tree until stopped; keeps the peaks."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            pids = tree(self.root)
            rss = sum(_field(f"/proc/{pid}/status", "VmRSS:") for pid in pids)
            self.peak_rss = max(self.peak_rss, rss)

    def settled(self) -> tuple[int, int]:
        """(PSS of the tree now, in kB; runtime processes in it): the environments stay warm after the burst."""
        pids = tree(self.root)
        runtimes = sum(b"bootstrap" in _cmdline(pid) for pid in pids)
        return sum(_field(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids), runtimes


def tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _field(path: str, name: str) -> int:
    """A ``kB`` field of a /proc file, in kB (0 if the process is gone)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def burst(port: int, total: int, clients: int, server_pid: int) -> dict[str, float]:
    results: multiprocessing.Queue = multiprocessing.Queue()
    start_at = time.time() + 1.0
    shares = [total // clients + (i < total % clients) for i in range(clients)]
    workers = [multiprocessing.Process(target=_client, args=(port, n, start_at, results)) for n in shares]
    with MemoryPeak(server_pid) as memory:
        for worker in workers:
            worker.start()
        outcomes = [item for _ in workers for item in results.get(timeout=300)]
        for worker in workers:
            worker.join()
    pss, environments = memory.settled()
    latencies = sorted(seconds for ok, seconds, _, _ in outcomes if ok)
    return {
        "errors": sum(not ok for ok, *_ in outcomes),
        "wall_s": max(ended for *_, ended in outcomes) - min(started for _, _, started, _ in outcomes),
        "p50_s": statistics.median(latencies) if latencies else float("nan"),
        "p99_s": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan"),
        "peak_rss_mb": memory.peak_rss / 1024,
        "pss_mb": pss / 1024,
        "environments": environments,
    }


def lone(port: int) -> float:
    started = time.perf_counter()
    status, body = request(port, "POST", PATH, b"{}")
    assert status == 200, body
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8, help="client processes sharing the burst")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "serve.log"
        env = {**os.environ, "LAMBDACTL_STATE_DIR": str(Path(tmp) / "state")}
        env = {k: v for k, v in env.items() if not k.startswith("LAMBDACTL_") or k == "LAMBDACTL_STATE_DIR"}
        with open(log, "wb") as err:
            server = subprocess.Popen([sys.executable, "-m", "lambdactl", "serve", "--port", "0"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not (found := re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read_text())):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"serve did not start: {log.read_text()}")
                time.sleep(0.05)
            port = int(found.group(1))
            archive = io.BytesIO()
            with zipfile.ZipFile(archive, "w") as zipped:
                zipped.writestr("app.py", SLEEPER)
            create = {"FunctionName": "sleeper", "Runtime": f"python3.{sys.version_info.minor}", "Handler": "app.handler",
                      "Role": "arn:aws:iam::123456789012:role/bench", "Timeout": 30,
                      "Code": {"ZipFile": base64.b64encode(archive.getvalue()).decode()}}  # fmt: skip
            status, body = request(port, "POST", "/2015-03-31/functions", json.dumps(create).encode())
            assert status == 201, body
            baseline = {"cold": lone(port), "warm": statistics.median(lone(port) for _ in range(3))}
            idle_mb = sum(_field(f"/proc/{pid}/status", "VmRSS:") for pid in tree(server.pid)) / 1024
            runs = {"cold": burst(port, args.burst, args.clients, server.pid)}
            runs["warm"] = burst(port, args.burst, args.clients, server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(60)
    print(f"burst of {args.burst} concurrent 1-second invocations through lambdactl serve "
          f"({os.cpu_count()} CPUs, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB)")
    print(f"baseline (one invocation alone): cold {baseline['cold']:.2f} s, warm {baseline['warm']:.2f} s; "
          f"serve with one environment: {idle_mb:.0f} MB RSS")
    print(f"{'':6} {'errors':>6} {'wall s':>7} {'p50 s':>6} {'p50/base':>8} {'p99 s':>6} "
          f"{'peak RSS MB':>11} {'PSS MB':>8} {'envs':>5} {'PSS/env MB':>10}")
    for name, run in runs.items():
        per_env = (run["pss_mb"] - idle_mb) / max(1, run["environments"])
        print(f"{name:6} {run['errors']:6d} {run['wall_s']:7.1f} {run['p50_s']:6.2f} {run['p50_s'] / baseline[name]:8.2f} "
              f"{run['p99_s']:6.2f} {run['peak_rss_mb']:11.0f} {run['pss_mb']:8.0f} "
              f"{run['environments']:5d} {per_env:10.1f}")  # fmt: skip
    cold = runs["cold"]
    print(f"targets: 0 errors: {'met' if not cold['errors'] and not runs['warm']['errors'] else 'MISSED'}; "
          f"cold burst within 30 s: {'met' if cold['wall_s'] <= 30 else 'MISSED'}")


if __name__ == "__main__":
    main()
