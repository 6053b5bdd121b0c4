"""A container network that holds only what a function needs: the Runtime API and the served endpoints.

The docker backend's default network (``isolated``) runs the container with ``--network none`` (or, on an
engine without a bridge network, the engine's ``default``, which there is the same): its
own network namespace with nothing but ``lo``. Before the runtime starts (the container's shell waits
on a FIFO), lambdactl enters that namespace from a short-lived thread (``setns`` on
``/proc/<pid>/ns/net``), binds ``127.0.0.1:<port>`` there for the Runtime API and for each served
endpoint's port, and leaves; the sockets stay in the container's namespace while lambdactl accepts
on them. The Runtime API is served on its socket directly; an endpoint connection is forwarded to
the same port on the host's loopback, from ``ENVIRONMENT_SOURCE`` (``serve`` treats such a
connection as coming from inside an environment: the forwarder runs as the serving user, so the
socket's owner no longer tells). Every byte stays on loopback; any other port of the host is out of
the function's reach, since nothing listens on it in the container's namespace.

Entering another process's network namespace needs CAP_SYS_ADMIN, and opening its namespace file
needs ptrace access to it (CAP_SYS_PTRACE; root has both) and a container whose processes are on this host (a local
engine). ``unavailable()`` says when that is not so; the backend then uses the host's network.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

ENVIRONMENT_SOURCE = "127.0.0.2"  # forwarded endpoint connections come from this loopback address
_CLONE_NEWNET = 0x40000000
_CAP_SYS_PTRACE, _CAP_SYS_ADMIN = 19, 21
_LOOPBACK = ("127.0.0.1", "localhost")


def unavailable() -> str | None:
    """None if containers can get a network of their own here, else why not (one clause)."""
    host = os.environ.get("DOCKER_HOST") or "unix://"
    if not host.startswith("unix://"):
        return f"the Docker engine (DOCKER_HOST={host}) is not local"
    effective = 0
    try:
        with open("/proc/self/status") as status:
            effective = int(next(line for line in status if line.startswith("CapEff:")).split()[1], 16)
    except (OSError, StopIteration, ValueError):
        pass
    if not (effective >> _CAP_SYS_ADMIN & 1 and effective >> _CAP_SYS_PTRACE & 1):
        return "entering a container's network namespace needs CAP_SYS_ADMIN and CAP_SYS_PTRACE (root has them)"
    return None


def loopback_ports(api_address: str, endpoints: Iterable[str]) -> tuple[int | None, list[int]]:
    """The Runtime API's port (``host:port``) and the host-loopback ports of the endpoint URLs."""
    host, _, port = api_address.rpartition(":")
    api_port = int(port) if host in _LOOPBACK and port.isdigit() else None
    ports: set[int] = set()
    for value in endpoints:
        try:
            url = urlsplit(value)
            if url.hostname in _LOOPBACK and url.port and url.port != api_port:
                ports.add(url.port)
        except ValueError:
            continue
    return api_port, sorted(ports)


def listen_in(pid: int, ports: Iterable[int]) -> list[socket.socket]:
    """Listening sockets on ``127.0.0.1:<port>`` inside the network namespace of process ``pid``."""
    made: list[socket.socket] = []
    failed: list[OSError] = []

    def enter() -> None:  # a thread of its own: setns(CLONE_NEWNET) moves only the calling thread
        try:
            with open(f"/proc/{pid}/ns/net", "rb") as ns:
                _setns(ns.fileno())
            for port in ports:
                made.append(socket.create_server(("127.0.0.1", port), backlog=16))
        except OSError as exc:
            failed.append(exc)

    thread = threading.Thread(target=enter, name=f"netns-{pid}")
    thread.start()
    thread.join()
    if failed:
        for sock in made:
            sock.close()
        raise failed[0]
    return made


def _setns(fd: int) -> None:
    if hasattr(os, "setns"):  # Python ≥ 3.12
        os.setns(fd, _CLONE_NEWNET)
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, _CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"setns: {os.strerror(errno)}")


class Forwarder:
    """Accepts on listening sockets (in a container's namespace) and pipes each connection to the same
    port on the host's loopback, from ``ENVIRONMENT_SOURCE``. ``close()`` ends every connection."""

    def __init__(self, listeners: list[socket.socket], label: str) -> None:
        self._listeners = listeners
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        for listener in listeners:
            threading.Thread(target=self._accept, args=(listener,), name=f"forward-{label}", daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        port = listener.getsockname()[1]
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connect, args=(conn, port), daemon=True).start()

    def _connect(self, conn: socket.socket, port: int) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", port), source_address=(ENVIRONMENT_SOURCE, 0))
        except OSError:
            conn.close()  # the function sees the connection refused, as it would on the host
            return
        for sock in (conn, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            if self._closed:
                conn.close()
                upstream.close()
                return
            self._open.update((conn, upstream))
        back = threading.Thread(target=_pump, args=(upstream, conn), daemon=True)
        back.start()
        _pump(conn, upstream)
        back.join()
        with self._lock:
            self._open.difference_update((conn, upstream))
        conn.close()
        upstream.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._open = self._open, set()
        for sock in [*self._listeners, *conns]:
            _shutdown(sock)
        for listener in self._listeners:
            listener.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy until ``source`` ends, then end ``sink``'s sending side (the other direction goes on)."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        _shutdown(source)
    _shutdown(sink, socket.SHUT_WR)


def _shutdown(sock: socket.socket, how: int = socket.SHUT_RDWR) -> None:
    try:
        sock.shutdown(how)
    except OSError:
        pass


def serve_isolated(pid: int, api_address: str, endpoints: Iterable[str],
                   serve_runtime_api: Callable[[socket.socket], None], label: str) -> Forwarder:
    """Give process ``pid``'s namespace the Runtime API (served by ``serve_runtime_api``) and the
    endpoints lambdactl serves: only those, never a port a function's own variables name (a function
    that may change its configuration would otherwise open any port of the host to itself)."""
    api_port, ports = loopback_ports(api_address, endpoints)
    if api_port is None:
        raise OSError("the Runtime API is not on the host's loopback")
    api, *forwarded = listen_in(pid, [api_port, *ports])
    serve_runtime_api(api)
    return Forwarder(forwarded, label)
