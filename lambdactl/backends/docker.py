"""Run an execution environment in a container that follows the official Lambda image contract.

The container runs the image's own entrypoint (a Zip function: the runtime's base image,
``CMD`` = the handler, code bind-mounted read-only at ``/var/task``, layers at ``/opt``; an
Image function: its ImageUri with ImageConfig's EntryPoint/Command/WorkingDirectory). With
``AWS_LAMBDA_RUNTIME_API`` set, the official entrypoint execs the runtime client, which
long-polls the environment's Runtime API: no emulator runs inside.

Networking (setting ``network``): ``isolated`` (default) gives the container a network namespace
of its own holding only the Runtime API and the served endpoints, on its ``127.0.0.1`` at the
ports the variables name (``netns.py``): no bridge or iptables needed (``dockerd --bridge=none``
works), and no other port of the host is reachable. Where that can't be had (not root, or a
remote engine) containers share the host's network, with a one-line warning. ``host`` shares
the host's network namespace: the function reaches every service on the host's loopback.
Docker Desktop: enable host networking (Settings > Resources > Network, Desktop ≥ 4.34), or set
``network`` to ``bridge``: the container then reaches the Runtime API and the endpoints as
``host.docker.internal``, which Desktop forwards to the host's loopback.

Limits: memory = MemorySize with no swap, CPU = MemorySize / 1769 vCPU over a short CFS period
from the runtime's first ``/next`` on (init runs unthrottled, as on Lambda; setting ``cpu_limit``
= 0 turns the limit off), ``/tmp`` a tmpfs of
EphemeralStorage, read-only root, all capabilities dropped, ``no-new-privileges``, 1024
processes and open files, user ``993:990`` (Lambda's ``sbx_user1051``; setting ``user``,
empty = the image's own). Settings come from ``LAMBDACTL_DOCKER_<NAME>`` or the ``docker``
section of ``<state dir>/docker.json``.

Lifecycle: containers are labelled with the state dir, the function and their owner
(host:pid:start time); ``kill()`` removes the container. Containers of a lambdactl that
was killed outright are removed by the next docker-backend start in that state dir, or by
``lambdactl docker cleanup``.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdactl import settings as lambdactl_settings
from lambdactl import errors
from lambdactl.backends import images, netns
from lambdactl.backends.engine import Engine, EngineError, Pending
from lambdactl.backends.base import Launch, OutputPipe, join_threads, start_threads, cpu_quota
from lambdactl.spec import EnvironmentSpec

LABEL_STATE_DIR = "lambdactl.state-dir"
LABEL_FUNCTION = "lambdactl.function"
LABEL_OWNER = "lambdactl.owner"
_LOG_DIR = "/var/lambdactl"  # where the output FIFO is mounted
_MB = 1 << 20
_swept: set[str] = set()  # state dirs this process already cleaned up
ISOLATED = "isolated"  # the default network: the container's own, with only what the function needs
HOST_ALIAS = "host.docker.internal"  # the host's loopback, seen from a bridge network
_warned: list[str] = []
ENV_SETTINGS = {
    "network": lambdactl_settings.DOCKER_NETWORK,
    "cpu_limit": lambdactl_settings.DOCKER_CPU_LIMIT,
    "user": lambdactl_settings.DOCKER_USER,
}


def setting(name: str, state_dir: Path | None, default: str) -> str:
    """``LAMBDACTL_DOCKER_<NAME>``, else ``docker.<name>`` in the state dir's docker.json, else default."""
    value = ENV_SETTINGS[name].get()
    if value is None:
        value = (images.load_config(state_dir).get("docker") or {}).get(name)
    return default if value is None else str(value)


def network_choice(state_dir: Path | None) -> tuple[str, str | None]:
    """(the ``network`` setting, why ``isolated`` can't be had here or None)."""
    chosen = setting("network", state_dir, ISOLATED)
    return chosen, netns.unavailable() if chosen == ISOLATED else None


def network_mode(state_dir: Path | None) -> str:
    """The ``network`` setting; ``isolated`` falls back to ``host`` (warning once) where it can't be had."""
    chosen, reason = network_choice(state_dir)
    if reason is None:
        return chosen
    if not _warned:
        _warned.append(reason)
        print(f"lambdactl: warning: docker functions share the host's network (they reach every port on its "
              f"loopback): {reason}", file=sys.stderr)
    return "host"


def isolated_mode(api: Engine) -> str:
    """The NetworkMode that gives a container a network namespace holding only ``lo``: ``none``, or on an
    engine without a ``bridge`` network (``dockerd --bridge=none``, as ``.ci/docker.sh`` starts it)
    ``default``, which makes the same namespace without libnetwork's sandbox: Docker 20.10 starts such a
    container ~70 ms sooner than one on ``none`` (whose setkey hook re-executes dockerd)."""
    return "none" if api.has_network("bridge") else "default"


def _check_isolated(container: dict[str, Any]) -> None:
    """Refuse a container that got an address on some network (it would reach beyond its namespace)."""
    for name, endpoint in ((container.get("NetworkSettings") or {}).get("Networks") or {}).items():
        if (endpoint or {}).get("IPAddress") or (endpoint or {}).get("GlobalIPv6Address"):
            raise OSError(f"the engine connected it to the {name} network")


def container_env(env: dict[str, str], network: str) -> dict[str, str]:
    """The environment as the container sees it: on a bridge network the host's loopback is
    ``host.docker.internal``, for the Runtime API and every endpoint variable that names it."""
    if network in ("host", ISOLATED):
        return dict(env)
    seen = dict(env)
    for name, value in env.items():
        if name == "AWS_LAMBDA_RUNTIME_API":
            seen[name] = _on_host_alias(value)
        elif name.startswith("AWS_ENDPOINT_URL") or name == "LAMBDACTL_ENDPOINT_URL":
            scheme, sep, rest = value.partition("://")
            if sep:
                seen[name] = f"{scheme}://{_on_host_alias(rest)}"
    return seen


def _on_host_alias(address: str) -> str:
    """``127.0.0.1:PORT/...`` (or ``localhost``) as ``host.docker.internal:PORT/...``; anything else as is."""
    for loopback in ("127.0.0.1", "localhost"):
        if address == loopback or address.startswith((f"{loopback}:", f"{loopback}/")):
            return HOST_ALIAS + address[len(loopback):]
    return address


def connect() -> Engine:
    """A client for the engine in DOCKER_HOST (or the default socket); one clear error if none answers."""
    try:
        client = Engine()
        host = client.url
        client.ping()
        return client
    except EngineError as exc:
        text = str(exc)
        if exc.status_code == 0 and "not supported" in text:
            raise errors.ServiceException(text) from None
        if "Permission denied" in text:
            raise errors.ServiceException(
                f"Permission denied on the Docker engine socket {host}: add your user to the 'docker' group "
                f"(or run rootless Docker and point DOCKER_HOST at it)."
            ) from None
        raise errors.ServiceException(
            f"No Docker engine answers at {host}: start Docker (or dockerd), or point DOCKER_HOST at a running engine."
        ) from None


class DockerBackend:
    name = "docker"
    contained = True  # the environment gives container paths (/var/task, /var/runtime) and no host command

    def __init__(self) -> None:
        self._client: Engine | None = None

    @property
    def client(self) -> Engine:
        if self._client is None:
            self._client = connect()
        return self._client

    def spawn(self, launch: Launch, on_output: Callable[[bytes], None], on_exit: Callable[[int], None]) -> Container:
        assert launch.spec is not None, "the docker backend needs the environment's spec"
        state_dir = launch.spec.state_dir
        client = self.client
        if str(state_dir) not in _swept:
            _swept.add(str(state_dir))
            threading.Thread(target=cleanup, args=(client, state_dir), daemon=True).start()
        image = images.image_for(launch.spec.function_name, launch.spec.runtime, launch.spec.image_uri, state_dir)
        return Container(client, image, images.ensure(client, image), launch, state_dir, on_output, on_exit)


class Container:
    """A started runtime in one container; ``kill()`` removes it.

    Output: the container's command runs as ``/bin/sh -c 'exec "$@" >FIFO 2>&1'`` with a FIFO of
    ours mounted in, so output travels through one kernel pipe as with the subprocess backend:
    what the runtime wrote before posting its answer is readable when the answer arrives
    (docker's own log relay is asynchronous). Images therefore need ``/bin/sh``, as every
    official Lambda image has.
    """

    pid = 0  # no host process of ours: the container is the unit

    def __init__(self, client: Engine, image: str, image_config: dict[str, Any], launch: Launch, state_dir: Path,
                 on_output: Callable[[bytes], None], on_exit: Callable[[int], None]) -> None:
        self._api = client
        self._on_exit = on_exit
        self._memory_mb = launch.memory_mb
        self._cpu_limit = setting("cpu_limit", state_dir, "1") != "0"
        self._peak_mb = 0
        self._oom = False
        self._code = -9
        self._killed = False
        self._lock = threading.Lock()
        spec: EnvironmentSpec = launch.spec  # type: ignore[assignment]
        network = network_mode(state_dir)
        env = container_env(launch.env, network)
        self._forwarder: netns.Forwarder | None = None
        self._exit: Pending | None = None  # the engine's answer to "wait for its exit"
        self._pidfd: int | None = None  # its first process, where visible from here
        log_dir = spec.work_dir / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_dir.chmod(0o755)
        fifo = log_dir / "out"
        os.mkfifo(fifo)
        fifo.chmod(0o666)  # the container's user is not us
        out = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self._hold = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # no EOF before the container is gone
        # The runtime starts when a line arrives in this FIFO: once the container is up (and its network
        # set up), so Init Duration counts the runtime's init, not the engine's work.
        os.mkfifo(log_dir / "go")
        (log_dir / "go").chmod(0o644)
        self._go = os.open(log_dir / "go", os.O_RDWR | os.O_NONBLOCK)  # a writer: the shell's open won't block
        script = f'read go <{_LOG_DIR}/go; exec "$@" >{_LOG_DIR}/out 2>&1'
        host_config = {
            "NetworkMode": isolated_mode(client) if network == ISOLATED else network,
            "ExtraHosts": [] if network in ("host", ISOLATED) else [f"{HOST_ALIAS}:host-gateway"],
            "Binds": [f"{source}:{target}:ro" for source, target in
                      {**_binds(spec), str(log_dir): _LOG_DIR}.items()],
            "Memory": launch.memory_mb * _MB,
            "MemorySwap": launch.memory_mb * _MB,
            "CpuPeriod": cpu_quota(launch.memory_mb)[1],
            "Tmpfs": {"/tmp": f"rw,nosuid,nodev,size={spec.ephemeral_storage_mb}m,mode=1777"},
            "ReadonlyRootfs": True,
            "CapDrop": ["ALL"],
            "SecurityOpt": ["no-new-privileges"],
            "Privileged": False,
            "PidsLimit": 1024,
            "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 1024}],
            "LogConfig": {"Type": "none", "Config": {}},
            "AutoRemove": True,  # kill() only kills: the engine removes the container, the CLI needn't wait
        }
        try:
            created = self._api.create_container({
                "Image": image, "Entrypoint": ["/bin/sh", "-c", script, "lambdactl"],
                "Cmd": _command(spec, image_config), "WorkingDir": (spec.image_config or {}).get("WorkingDirectory") or "",
                "Env": [f"{name}={value}" for name, value in env.items()],
                "User": setting("user", state_dir, "993:990"),
                "Labels": {LABEL_STATE_DIR: str(state_dir), LABEL_FUNCTION: spec.function_name, LABEL_OWNER: _owner()},
                "HostConfig": host_config,
            }, name=f"lambdactl-{spec.function_name}-{launch.label[-12:]}")
            self.id: str = created["Id"]
            self._exit = self._api.wait_for_exit(self.id)
            self._api.start(self.id)
            container = self._api.inspect_container(self.id)
            pid = container["State"]["Pid"]  # its shell, waiting for the go line
            self._pidfd = _pidfd(pid)
            if network == ISOLATED:
                _check_isolated(container)
                self._isolate(env, launch, spec, pid)
            self.started = time.perf_counter()
            os.write(self._go, b"go\n")
        except (EngineError, OSError) as exc:
            if self._exit is not None:
                self._exit.close()
            if getattr(self, "id", None):
                self._remove()
            if self._forwarder is not None:
                self._forwarder.close()
            for fd in (out, self._hold, self._go, self._pidfd):
                if fd is not None:
                    os.close(fd)
            if isinstance(exc, OSError):
                raise errors.ServiceException(
                    f"Could not give the container from {image} a network of its own ({exc}); "
                    f"LAMBDACTL_DOCKER_NETWORK=host shares the host's instead") from None
            raise errors.ServiceException(f"Could not start a container from {image}: {_explain(exc)}") from None
        self._output = OutputPipe(out, on_output)  # EOF once the container and our hold are gone
        self._threads = start_threads(self.id[:12], self._read_then_exit, self._wait)

    def _isolate(self, env: dict[str, str], launch: Launch, spec: EnvironmentSpec, pid: int) -> None:
        """Bind the Runtime API and the endpoints in the container's namespace."""
        assert launch.serve_runtime_api is not None, "an isolated container needs the Runtime API's seam"
        if not pid:
            raise OSError("the container exited before its network was set up")
        self._forwarder = netns.serve_isolated(pid, env["AWS_LAMBDA_RUNTIME_API"], spec.endpoints.values(),
                                               launch.serve_runtime_api, self.id[:12])

    # -- output and exit ---------------------------------------------------------

    def _read_then_exit(self) -> None:
        """Deliver the output to EOF, then the exit (so it follows every byte the container wrote)."""
        self._output.read_loop()
        self._on_exit(self._code)

    def _wait(self) -> None:
        """Learn the exit status and OOM flag, then let the reader reach EOF (which reports the exit)."""
        assert self._exit is not None
        try:
            self._code = _exit_code(self._exit.result()["StatusCode"])
            self._oom = bool(self._api.inspect_container(self.id)["State"].get("OOMKilled"))
        except EngineError as exc:
            # Already removed (the engine auto-removes it on exit): only the OOM killer SIGKILLs the
            # container's PID 1 (from inside, a signal it doesn't handle is ignored) unless kill() did.
            if exc.status_code == 404 and self._code == -9 and not self._killed:
                self._oom = True
        except (OSError, KeyError):
            pass
        if self._forwarder is not None:
            self._forwarder.close()
        for fd in (self._hold, self._go):
            os.close(fd)

    def drain(self) -> None:
        self._output.drain()

    def end_init(self) -> None:
        """The CPU quota, written straight into the container's cgroup where this host shows it
        (a fraction of a millisecond), else through the engine (``docker update``)."""
        if not self._cpu_limit:
            return
        quota, period = cpu_quota(self._memory_mb)
        for path in (f"/sys/fs/cgroup/cpu/docker/{self.id}/cpu.cfs_quota_us",
                     f"/sys/fs/cgroup/docker/{self.id}/cpu.max",
                     f"/sys/fs/cgroup/system.slice/docker-{self.id}.scope/cpu.max"):
            try:
                with open(path, "w") as f:
                    f.write(str(quota) if path.endswith("_us") else f"{quota} {period}")
                return
            except OSError:
                continue
        try:
            self._api.update_container(self.id, CpuQuota=quota, CpuPeriod=period)
        except EngineError:
            pass  # gone already: the next invoke reports why

    # -- measurement -------------------------------------------------------------

    def max_memory_used_mb(self) -> int:
        if self._oom:  # the cgroup went with the container: it was full
            self._peak_mb = self._memory_mb
        if self._killed or self._oom:
            return self._peak_mb
        used = _cgroup_peak(self.id)
        if used is None:
            try:
                stats = self._api.stats(self.id)["memory_stats"]
                used = stats.get("max_usage") or stats.get("usage") or 0
            except (EngineError, KeyError):
                used = 0
        self._peak_mb = max(self._peak_mb, -(-used // _MB))
        return self._peak_mb

    def out_of_memory(self) -> bool:
        return self._oom

    # -- lifetime ----------------------------------------------------------------

    def kill(self) -> None:
        with self._lock:
            if self._killed:
                return
            self.max_memory_used_mb()
            self._killed = True
        # The engine removes the container once it has exited (AutoRemove). Where we hold a pidfd of its
        # first process, SIGKILL through it and wait for that process to end (it ends last: the kernel
        # kills and reaps the rest of its pid namespace first); the engine's own kill would also wait
        # for the exit to be processed (50-100 ms more), and so would the waiter, which reports the exit.
        if self._kill_through_pidfd():
            return
        try:
            self._api.kill(self.id)
        except EngineError as exc:
            if exc.status_code not in (404, 409):  # gone, or not running any more
                raise
        reader, waiter = self._threads
        join_threads((waiter, reader), 10)

    def _kill_through_pidfd(self) -> bool:
        """SIGKILL the container's first process through its pidfd and wait (≤ 10 s) until it is gone;
        False if we can't. The pidfd is closed here, once (kill() runs this part once)."""
        pidfd, self._pidfd = self._pidfd, None
        if pidfd is None:
            return False
        try:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass  # gone already
        except OSError:
            os.close(pidfd)
            return False  # not ours to signal (another user's container)
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        done = bool(poller.poll(10_000))
        os.close(pidfd)
        return done

    def _remove(self) -> None:
        try:
            self._api.remove_container(self.id, force=True)
        except EngineError as exc:
            if exc.status_code not in (404, 409):  # 409: removal already in progress
                raise


def _command(spec: EnvironmentSpec, image_config: dict[str, Any]) -> list[str]:
    """EntryPoint + Command: ImageConfig's, else (Zip) the handler as CMD, else the image's own."""
    config = spec.image_config or {}
    entrypoint = config.get("EntryPoint") or image_config.get("Entrypoint") or []
    command = config.get("Command") or (
        [spec.handler] if spec.handler and not spec.image_uri else None)
    if command is None:
        command = [] if config.get("EntryPoint") else image_config.get("Cmd") or []
    return [*entrypoint, *command]


def _binds(spec: EnvironmentSpec) -> dict[str, str]:
    """Host path -> container path, each mounted read-only: the code at /var/task, the layers at /opt."""
    binds: dict[str, str] = {}
    if spec.code_dir is not None:
        binds[str(spec.code_dir)] = "/var/task"
    if spec.opt_dir is not None:
        binds[str(spec.opt_dir)] = "/opt"
    return binds


def _cgroup_peak(container_id: str) -> int | None:
    """Peak memory from the container's cgroup on this host (cgroupfs and systemd drivers, v1 and v2)."""
    for path in (f"/sys/fs/cgroup/memory/docker/{container_id}/memory.max_usage_in_bytes",
                 f"/sys/fs/cgroup/docker/{container_id}/memory.peak",
                 f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/memory.peak"):
        try:
            with open(path, "rb") as f:
                return int(f.read())
        except (OSError, ValueError):
            continue
    return None


def _pidfd(pid: int) -> int | None:
    """A pidfd for the container's first process where it is visible here (a local engine, and the rights)."""
    try:
        return os.pidfd_open(pid) if pid else None
    except (OSError, AttributeError):  # another pid namespace or machine, no permission, or an old kernel
        return None


def _exit_code(status: int) -> int:
    """A container's status 128+N means its process died of signal N: negative, as subprocess reports it."""
    return -(status - 128) if 128 < status < 160 else status


def _explain(exc: EngineError) -> str:
    return (exc.explanation or str(exc)).strip()


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def _owner(pid: int | None = None) -> str:
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def _owner_alive(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname():
        return True  # not ours to judge
    return pid.isdigit() and _start_time(int(pid)) == started


def cleanup(client: Engine, state_dir: Path | None = None, everything: bool = False) -> list[str]:
    """Remove lambdactl's containers whose owner is gone (``everything``: all of them); their names."""
    labels = [LABEL_OWNER] + ([f"{LABEL_STATE_DIR}={state_dir}"] if state_dir else [])
    removed: list[str] = []
    try:
        found = client.containers(labels)
    except EngineError:
        return removed
    for info in found:
        if everything or not _owner_alive(info["Labels"].get(LABEL_OWNER, "")):
            try:
                client.remove_container(info["Id"], force=True)
                removed.append(info["Names"][0].lstrip("/"))
            except EngineError:
                pass
    return removed
