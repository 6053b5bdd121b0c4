"""Run an execution environment as a host process group.

The runtime is started through a few lines of ``/bin/sh`` (about 1 ms) that, before
``exec``-ing the runtime:

* ``cd`` into the (read-only, shared) code dir;
* join a fresh memory cgroup (v1 ``memory`` or v2 with the memory controller delegated)
  under lambdactl's own cgroup, limited to MemorySize with swap off, and where the CPU
  controller is writable too (v1 ``cpu`` hierarchy, or v2 with ``cpu`` delegated), a CPU
  cgroup: unlimited during init, then, from ``end_init()`` (the runtime's first ``/next``),
  MemorySize / 1769 vCPU over a short CFS period (``base.cpu_quota``), so a throttled handler
  slows smoothly instead of stalling in 100 ms steps. Without a writable CPU controller there is no CPU
  limit. Where no memory cgroup can be made (or ``LAMBDACTL_CGROUP=off``), ``containment.py``
  holds the tree together (child subreaper, resident-memory limit) and ``RLIMIT_AS`` is a
  backstop, with headroom because address space is not memory: MemorySize + 256 MB for Python
  and native runtimes, + 1 GB for Node (V8 reserves ~700 MB of address space before running
  anything), + 4 GB for Java (class space, code cache);
* leave a watchdog in the process group: a subshell blocked reading a pipe whose only
  write end is held by lambdactl. When lambdactl dies by any means (even SIGKILL) the
  pipe closes and the watchdog SIGKILLs the whole group, so no runtime outlives us.

The process gets a new session (``setsid``), so ``kill()`` takes the whole group, and
with a cgroup also anything that escaped the group. Spawning uses ``posix_spawn``: no
``preexec_fn`` (unsafe with threads) and no ``subprocess`` import on the CLI's hot path.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lambdactl.backends import containment
from lambdactl.backends.base import Launch, OutputPipe, join_threads, start_threads, cpu_quota

_MB = 1 << 20
V2_MOUNTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))  # unified; a hybrid host's v2 hierarchy
_ADDRESS_SPACE_HEADROOM_MB = {"python": 256, "native": 256, "node": 1024, "java": 4096}
_WRAPPER = r"""
cd -- "$1" || exit 126
[ -z "$2" ] || echo $$ > "$2" || exit 125
[ -z "$3" ] || echo $$ > "$3" || exit 125
[ -z "$4" ] || ulimit -v "$4" || exit 125
(read _ <&3; kill -9 0) >/dev/null 2>&1 &
exec 3<&-
shift 4
exec "$@"
"""


class SubprocessBackend:
    name = "subprocess"
    contained = False  # lambdactl builds the command line (interpreter + bootstrap) on the host

    def spawn(self, launch: Launch, on_output: Callable[[bytes], None], on_exit: Callable[[int], None]) -> HostProcess:
        return HostProcess(launch, on_output, on_exit)


def describe_containment() -> str:
    """One line for ``serve --debug`` and ``doctor``: how this machine holds and limits subprocess environments."""
    return containment.mechanism(Cgroup.base(), Cgroup._track_base)


def cpu_cgroup_base() -> Path | None:
    """Where environments' CPU cgroups go, None where there is no CPU limit (no writable controller)."""
    return Cgroup._cpu_base if Cgroup.base() else None


class HostProcess:
    def __init__(self, launch: Launch, on_output: Callable[[bytes], None], on_exit: Callable[[int], None]) -> None:
        self._on_exit = on_exit
        self._cgroup = Cgroup.create(launch.label, launch.memory_mb)
        limited = bool(self._cgroup and self._cgroup.memory)  # else the monitor limits resident memory
        self._oom = False
        self._peak_mb = 0
        self.limit_bytes = launch.memory_mb * _MB
        self.stream = b"AWS_LAMBDA_LOG_STREAM_NAME=" + launch.env.get("AWS_LAMBDA_LOG_STREAM_NAME", "").encode()
        if not self._cgroup:
            containment.become_subreaper()  # before the spawn: its daemons must come back to us
        address_space_kb = "" if limited else str(
            (launch.memory_mb + _ADDRESS_SPACE_HEADROOM_MB.get(launch.kind, 256)) * 1024
        )
        out_r, out_w = os.pipe()
        dog_r, self._dog_w = os.pipe()
        argv = ["/bin/sh", "-c", _WRAPPER, f"lambdactl-{launch.label}", str(launch.cwd),
                self._cgroup.procs_file if self._cgroup else "",
                self._cgroup.cpu_procs_file if self._cgroup else "", address_space_kb, *launch.argv]
        self.started = time.perf_counter()
        try:
            self.pid = os.posix_spawn(
                "/bin/sh", argv, launch.env, setsid=True,
                file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                              (os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, out_w, 2),
                              (os.POSIX_SPAWN_DUP2, dog_r, 3)],
            )
        except BaseException:
            for fd in (out_r, self._dog_w):
                os.close(fd)
            if self._cgroup:
                self._cgroup.remove()
            raise
        finally:
            os.close(out_w)
            os.close(dog_r)
        self._output = OutputPipe(out_r, on_output)
        self._status_fd: int | None = None  # /proc/<pid>/status, for the high-water mark
        self._status_lock = threading.Lock()
        self._killed = False
        self._kill_lock = threading.Lock()
        self._threads = start_threads(str(self.pid), self._output.read_loop, self._wait)
        if not limited:
            containment.MONITOR.track(self)

    # -- output -----------------------------------------------------------------

    def drain(self) -> None:
        self._output.drain()

    def end_init(self) -> None:
        if self._cgroup:
            self._cgroup.limit_cpu()

    # -- measurement ------------------------------------------------------------

    def max_memory_used_mb(self) -> int:
        """The larger of the cgroup's peak and the runtime process's resident high-water mark: a
        memory cgroup is not charged for file pages (interpreter, libraries) already in the page
        cache for someone else, which on Lambda's fresh microVM are the sandbox's own."""
        peak = self._cgroup.peak_bytes() if self._cgroup else 0
        with self._status_lock:  # read on every invoke: the file stays open (pread, no open/close)
            try:
                if self._status_fd is None:
                    self._status_fd = os.open(f"/proc/{self.pid}/status", os.O_RDONLY)
                status = os.pread(self._status_fd, 8192, 0)
            except OSError:
                status = b""
        start = status.find(b"VmHWM:")
        if start >= 0:
            peak = max(peak, int(status[start + 6:status.index(b"kB", start)]) * 1024)
        self._peak_mb = max(self._peak_mb, -(-peak // _MB))
        return self._peak_mb

    def members(self) -> list[int]:
        return self._cgroup.pids() if self._cgroup and not self._cgroup.memory else []

    def out_of_memory(self) -> bool:
        return self._oom or bool(self._cgroup and self._cgroup.oom_kills())

    def sampled(self, rss_bytes: int) -> None:
        """No cgroup: the monitor's sample of the tree; past MemorySize the tree dies, as the OOM killer would."""
        self._peak_mb = max(self._peak_mb, -(-rss_bytes // _MB))
        if rss_bytes > self.limit_bytes and not self._oom:
            self._oom = True
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            containment.MONITOR.kill(self)

    # -- lifetime ---------------------------------------------------------------

    def _wait(self) -> None:
        _, status = os.waitpid(self.pid, 0)
        self._on_exit(os.waitstatus_to_exitcode(status))

    def kill(self) -> None:
        with self._kill_lock:
            if self._killed:
                return
            self._killed = True
        self.max_memory_used_mb()
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self._cgroup:
            self._cgroup.kill_all()
        if not (self._cgroup and self._cgroup.memory):
            containment.MONITOR.kill(self)
        os.close(self._dog_w)
        reader, waiter = self._threads
        join_threads((waiter, reader), 5)
        with self._status_lock:
            if self._status_fd is not None:
                os.close(self._status_fd)
                self._status_fd = -1  # measured for good: later calls keep the last figure
        if self._cgroup:
            self._cgroup.remove()


class Cgroup:
    """A per-environment memory cgroup below our own (plus, where writable, a CPU one: on v1 a
    directory in the ``cpu`` hierarchy, on v2 the same directory). Where no memory controller is
    ours but our cgroup v2 is writable, a cgroup there without controllers (``memory`` False): it
    holds every descendant and ``cgroup.kill`` ends them all, memory is the monitor's. ``create``
    returns None where neither is allowed."""

    _base: Path | None | bool = False  # False: not probed yet
    _cpu_base: Path | None = None
    _track_base: Path | None = None  # the cgroup v2 directory for controller-less cgroups

    def __init__(self, path: Path, v2: bool, memory_mb: int, cpu_path: Path | None, memory: bool = True) -> None:
        self.path = path
        self.memory_mb = memory_mb
        self.memory = memory
        self.v2 = v2
        self.cpu_path = cpu_path
        self.procs_file = str(path / "cgroup.procs")
        self.cpu_procs_file = str(cpu_path / "cgroup.procs") if cpu_path and cpu_path != path else ""
        self._peak_fd: int | None = None  # the peak file, kept open: read on every invoke
        self._peak_lock = threading.Lock()

    @classmethod
    def base(cls) -> Path | None:
        """Where environments' cgroups go (probed once), None where none can be made."""
        if cls._base is False:
            allowed = containment.cgroups_allowed()
            cls._base = _probe_base("memory") if allowed else None
            cls._cpu_base = _probe_base("cpu") if allowed else None
            cls._track_base = _probe_base(None) if allowed and not cls._base else None
            for base in {cls._base, cls._cpu_base, cls._track_base} - {None}:
                _sweep_stale(base)  # type: ignore[arg-type]
        return cls._base  # type: ignore[return-value]

    @classmethod
    def create(cls, label: str, memory_mb: int) -> Cgroup | None:
        base = cls.base()
        name = f"lambdactl-{os.getpid()}-{label}"
        if not base:
            return cls._tracking(name, memory_mb)
        path = base / name
        v2 = (base / "cgroup.controllers").exists()
        try:
            path.mkdir()
            limit = str(memory_mb * _MB)
            if v2:
                (path / "memory.max").write_text(limit)
                (path / "memory.swap.max").write_text("0")
            else:
                (path / "memory.limit_in_bytes").write_text(limit)
                swap = path / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(limit)
        except OSError:
            _rmdir(path)
            return None
        return cls(path, v2, memory_mb, _cpu_cgroup(cls._cpu_base, path, name, cpu_quota(memory_mb)[1]))

    @classmethod
    def _tracking(cls, name: str, memory_mb: int) -> Cgroup | None:
        if cls._track_base is None:
            return None
        path = cls._track_base / name
        try:
            path.mkdir()
        except OSError:
            return None
        return cls(path, True, memory_mb, None, memory=False)

    def limit_cpu(self) -> None:
        """From now on allow MemorySize / 1769 vCPU."""
        if self.cpu_path is None:
            return
        quota, period = cpu_quota(self.memory_mb)
        v1 = self.cpu_path / "cpu.cfs_quota_us"
        try:
            if v1.exists():
                v1.write_text(str(quota))
            else:
                (self.cpu_path / "cpu.max").write_text(f"{quota} {period}")
        except OSError:
            pass

    def peak_bytes(self) -> int:
        with self._peak_lock:
            try:
                if self._peak_fd is None:
                    name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
                    self._peak_fd = os.open(self.path / name, os.O_RDONLY)
                return int(os.pread(self._peak_fd, 64, 0))
            except (OSError, ValueError):
                return 0

    def oom_kills(self) -> int:
        try:
            text = (self.path / ("memory.events" if self.v2 else "memory.oom_control")).read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in Path(self.procs_file).read_text().split()]
        except (OSError, ValueError):
            return []

    def kill_all(self) -> None:
        if self.v2:  # the kernel kills every process in it at once, a fork loop included (Linux 5.14+)
            try:
                (self.path / "cgroup.kill").write_text("1")
            except OSError:
                pass
        for _ in range(100):  # bounded: a fork loop could keep refilling it
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def remove(self) -> None:
        """rmdir once the killed tasks have left (they do so as they exit, within ms)."""
        with self._peak_lock:
            if self._peak_fd is not None and self._peak_fd >= 0:
                os.close(self._peak_fd)
            self._peak_fd = -1
        for _ in range(200):
            try:
                self.path.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                self.kill_all()
                time.sleep(0.005)
        if self.cpu_procs_file:
            _rmdir(self.cpu_path)  # type: ignore[arg-type]  # emptied with the memory cgroup (same tasks)


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def _cpu_cgroup(cpu_base: Path | None, memory_path: Path, name: str, period: int) -> Path | None:
    """The CPU cgroup for a new memory cgroup: unlimited for now, with the CFS period to come."""
    if cpu_base is None:
        return None
    v2 = (cpu_base / "cgroup.controllers").exists()
    path = memory_path if v2 and cpu_base == memory_path.parent else cpu_base / name
    try:
        if path != memory_path:
            path.mkdir()
        if v2:
            (path / "cpu.max").write_text(f"max {period}")
        else:
            (path / "cpu.cfs_period_us").write_text(str(period))
    except OSError:
        if path != memory_path:
            _rmdir(path)
        return None
    return path


def _probe_base(controller: str | None) -> Path | None:
    """Our own ``controller`` ("memory" or "cpu") cgroup directory, if we may create children in it;
    ``None``: our cgroup v2 directory, for children without controllers."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines if controller and not containment.v2_only() else ():
        _, controllers, rel = line.split(":", 2)
        if controller in controllers.split(","):
            mount = Path("/sys/fs/cgroup") / controllers
            base = (mount if mount.is_dir() else Path("/sys/fs/cgroup") / controller) / rel.lstrip("/")
            break
    else:
        unified = next((rel for line in lines for h, c, rel in [line.split(":", 2)] if h == "0"), None)
        root = next((path for path in V2_MOUNTS if (path / "cgroup.controllers").exists()), None)
        if unified is None or root is None:
            return None
        base = root / unified.lstrip("/")
        try:
            if controller and controller not in (base / "cgroup.subtree_control").read_text().split():
                return None
        except OSError:
            return None
    movable = controller is not None or os.access(base / "cgroup.procs", os.W_OK)  # tasks go to its children
    return base if base.is_dir() and os.access(base, os.W_OK) and movable else None


def _sweep_stale(base: Path) -> None:
    """Remove cgroups left by lambdactl processes that died without cleaning up."""
    for entry in base.glob("lambdactl-*"):
        try:
            owner = int(entry.name.split("-")[1])
            os.kill(owner, 0)
        except ProcessLookupError:
            try:
                entry.rmdir()
            except OSError:
                pass
        except (ValueError, IndexError, PermissionError):
            pass
