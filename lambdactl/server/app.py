"""The HTTP API of Lambda and the embedded services: a threaded HTTP/1.1 keep-alive server over the
control plane. Which service a request is for, and which wire protocol it speaks, is
``server/services.py``'s; the protocols themselves are ``lambdactl.protocols``.

Each request gets a ``ControlPlane`` whose SQLite connection comes from a bounded pool (``Planes``),
held only while it uses the database, so reads, writes and invokes run in parallel. Every plane shares one ``environments`` object: that is the seam for a
warm pool (pass it to ``LambdaServer``; it is closed on shutdown if it has ``close``).

API requests from a web page are refused (403 AccessDeniedException, see ``LambdaServer.refusal``),
whatever the service: any ``Origin``, a cross-site ``Sec-Fetch-Site``, a ``Host`` other than the
loopback names (or the ``--host`` the user chose to bind), or a browser's body whose Content-Type no
SDK sends (a form only when SigV4-signed: the legacy query protocol). Function URLs and API Gateway
APIs (``server/apis.py``) stay public, as on AWS.

Slow and broken clients (``Handler``, ``Connections``): requests are read by ``lambdactl.http11``
and only complete ones run; a connection idle for IDLE_TIMEOUT_S, a head not sent within
HEADER_TIMEOUT_S or a stalled body is closed; connections are capped by the open-file budget, an
idle one is closed to admit a new one, and past the cap with none idle the newcomer gets 503.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from lambdactl import errors, http11, model, protocols
from lambdactl.control import code_links
from lambdactl.control.invoke import SYNC_PAYLOAD_LIMIT
from lambdactl.plane import ControlPlane, Settings
from lambdactl.protocols import rest_json
from lambdactl.control import url_requests as urls
from lambdactl.server import apis, services, trust
from lambdactl.services.apigateway_common import gateway
from lambdactl.server.requestlog import RequestLog
from lambdactl.spec import EnvironmentProvider, request_id
from lambdactl.state.store import DB_NAME, RegionStore, Store

DRAIN_SECONDS = 10.0  # how long shutdown waits for in-flight requests
IDLE_TIMEOUT_S = 60.0  # a connection with no request started is closed after this (as ALB, API Gateway)
HEADER_TIMEOUT_S = 10.0  # per read, once a request line came: a half-sent head is dropped
BODY_TIMEOUT_S = 30.0  # per read of a body: a stalled upload is dropped
EVICTABLE_IDLE_S = 1.0  # at the connection limit, an idle connection this old is closed for a new one
ADMIT_WAIT_S = 5.0  # at the limit with none evictable, a new connection waits this long, then 503
LINGER_S = 2.0  # after refusing a body, how long its remaining bytes are read and dropped
MAX_PLANES = 64  # control planes (SQLite connections) at once; a request waits for one ...
PLANE_WAIT_S = 30.0  # ... at most this long, then 429
MAX_BODY = 70_167_211  # Lambda's CreateFunction request limit, the largest it accepts
ANY_BODY_LIMIT = (MAX_BODY, f"Request must be smaller than {MAX_BODY} bytes")
_REASONS = {status.value: status.phrase for status in HTTPStatus}

# Who may call the API (function URLs are public, as Lambda's, and carry their own CORS config).
# A web page must not reach it: a browser's cross-origin request carries Origin (and
# Sec-Fetch-Site), a "simple" one needs no preflight only with a form/text Content-Type, and
# DNS rebinding shows up as a foreign Host. SDKs and the aws CLI send none of these.
LOOPBACK_BINDS = frozenset({"127.0.0.1", "localhost", "::1"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
VIRTUAL_HOST_SUFFIX = ".s3.localhost"  # *.localhost names resolve to the loopback (RFC 6761)
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})
# botocore: application/json for rest-json bodies, none for blob payloads (Invoke), x-amz-json-1.0/1.1
# for the json protocol; other SDKs: application/octet-stream / binary/octet-stream. A form body
# (the query protocol) only with a SigV4 signature, which a web page cannot send without a preflight.
API_CONTENT_TYPES = frozenset(
    {"", "application/json", "application/x-amz-json-1.0", "application/x-amz-json-1.1",
     "application/octet-stream", "binary/octet-stream"}
)
SAME_SITE_FETCH = frozenset({"none", "same-origin"})
CROSS_ORIGIN_MESSAGE = "Cross-origin requests are refused by lambdactl serve"


class BadRequest(errors.ServiceError):
    """A request whose framing (Content-Length, chunk sizes) cannot be read."""

    code = "BadRequestException"
    status = 400
    message_key = "message"


class Planes:
    """Control planes for requests, over a bounded pool of SQLite connections (``Store``s, one
    connection each, never shared by two threads).

    A leased plane takes a store on its first database access and gives it back when the request
    ends, or while it needs none: an invocation's function runs without one (``without_store``),
    so concurrent invocations are bounded by concurrency, never by this pool. At most MAX_PLANES
    stores exist; a request finding none idle waits up to PLANE_WAIT_S, then gets 429
    (TooManyRequestsException). Stores are kept, not closed after a burst: SQLite can't release a
    closed connection's descriptor while another connection of the process holds a lock on the file
    (it would drop that lock), so closing would not return descriptors; keeping bounds them.
    """

    def __init__(self, settings: Settings, environments: EnvironmentProvider | None = None,
                 limit: int = MAX_PLANES) -> None:
        self.settings = settings
        self.limit = limit
        self.environments = environments if environments is not None else ControlPlane(settings).environments
        self._cond = threading.Condition()
        self._all: list[Store] = []
        self._idle: list[Store] = []
        self._closed = False  # closed stores are not kept: one given back after close() is closed then
        self._regions: dict[str, Planes] = {settings.region: self}
        self._first = self  # the server's own planes, which know every region's
        # serve sets this: the warm pool (and event worker) of a region, opened once it has state
        self.open_region: Callable[[Settings], EnvironmentProvider | None] = lambda _settings: None
        self._opened = True  # another region's: once open_region ran for it
        self._opening = threading.Lock()

    def region(self, region: str | None) -> Planes:
        """The planes of ``region`` (a request's signing region; None: the server's own), made on first use."""
        if not region or region == self.settings.region:
            return self
        if self._first is not self:
            return self._first.region(region)
        with self._cond:
            found = self._regions.get(region)
        if found is None:
            settings = self.settings.replace(region=region)  # a malformed region raises here
            with self._cond:
                found = self._regions.get(region)
                if found is None:
                    found = self._regions[region] = Planes(settings, None, self.limit)
                    found._first, found._opened = self, False
        found.open_once_made()
        return found

    def open_once_made(self) -> None:
        """Start this region's warm pool and event worker (``open_region``) once it has state: a
        request that only reads a region without any (a mistyped one) leaves nothing behind."""
        if self._opened or not (self.settings.region_dir / DB_NAME).exists():
            return
        with self._opening:
            if not self._opened:
                environments = self._first.open_region(self.settings)
                if environments is not None:
                    self.environments = environments
                self._opened = True

    @property
    def home(self) -> Planes:
        """The planes of the state directory's home region (whose database holds S3's buckets)."""
        from lambdactl.settings import home_region

        return self._first.region(home_region(self.settings.state_dir, self.settings.region))

    def regions(self) -> list[Planes]:
        """The planes of every region with state in the state directory (for URLs naming no region)."""
        from lambdactl.settings import home_region

        names = {home_region(self.settings.state_dir, self.settings.region), self.settings.region,
                 *self.settings.regions_with_state()}
        return [self.region(name) for name in sorted(names)]

    @contextlib.contextmanager
    def lease(self) -> Iterator[ControlPlane]:
        plane = LeasedPlane(self)
        try:
            yield plane
        finally:
            plane.release()
            self.open_once_made()  # the request may have made the region

    def take(self) -> Store:
        with self._cond:
            if not self._cond.wait_for(lambda: self._idle or len(self._all) < self.limit, PLANE_WAIT_S):
                raise errors.throttled("ConcurrentRequestLimitExceeded")
            if self._idle:
                return self._idle.pop()
            store = RegionStore(self.settings)
            self._all.append(store)
            return store

    def give_back(self, store: Store) -> None:
        with self._cond:
            if not self._closed:
                self._idle.append(store)
                self._cond.notify()
                return
            self._all.remove(store)
        store.close()  # the pool closed while it was in use (an invocation that outlived its request)

    def close(self) -> None:
        with self._cond:
            others = [planes for region, planes in self._regions.items() if planes is not self]
        for planes in others:
            planes.close()
        self.environments.close()
        with self._cond:  # only idle ones: closing a connection another thread is using crashes the process
            self._closed = True
            stores, self._idle = self._idle, []
            for store in stores:
                self._all.remove(store)
        for store in stores:
            store.close()


class LeasedPlane(ControlPlane):
    """A request's plane: its store is taken from ``Planes`` on first use and given back by
    ``release`` (the request ended) or for the length of ``without_store``."""

    def __init__(self, planes: Planes) -> None:
        self._planes = planes
        self._store: Store | None = None
        self._global: tuple[Planes, Store] | None = None  # another region's request's store of the home region
        super().__init__(planes.settings)
        self.environments = planes.environments

    @property  # type: ignore[override]
    def store(self) -> Store:
        if self._store is None:
            self._store = self._planes.take()
        return self._store

    @property  # type: ignore[override]
    def global_store(self) -> Store:
        home = self._planes.home
        if home is self._planes:
            return self.store
        if self._global is None:
            self._global = home, home.take()
        return self._global[1]

    def release(self) -> None:
        if self._store is not None:
            store, self._store = self._store, None
            self._planes.give_back(store)
        if self._global is not None:
            (home, store), self._global = self._global, None
            home.give_back(store)

    close = release  # the pool's store outlives the request

    @contextlib.contextmanager
    def without_store(self) -> Iterator[None]:
        self.release()
        yield


class ServiceUnavailableException(errors.ServiceError):
    """Past serve's connection limit (no idle connection to close for a new one)."""

    code = "ServiceUnavailableException"
    status = 503
    message_key = "message"


class Connections:
    """serve's open client connections: at most ``limit``.

    A connection waiting for its next request line is idle; one idle for EVICTABLE_IDLE_S may be
    closed to admit a new one (a client whose request is on its way is not cut off). Past the limit,
    a new connection waits for a slot up to ADMIT_WAIT_S in the accept loop, then gets 503.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._cond = threading.Condition()
        self._open = 0
        self._idle: dict[socket.socket, float] = {}  # socket -> idle since (monotonic), oldest first

    def admit(self) -> bool:
        deadline = time.monotonic() + ADMIT_WAIT_S
        with self._cond:
            while self._open >= self.limit and not self._evict():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
            self._open += 1
            return True

    def release(self) -> None:
        with self._cond:
            self._open -= 1
            self._cond.notify()

    def evict_one(self) -> bool:
        with self._cond:
            return self._evict()

    def _evict(self) -> bool:
        oldest = next(iter(self._idle.items()), None)
        if oldest is None or time.monotonic() - oldest[1] < EVICTABLE_IDLE_S:
            return False
        del self._idle[oldest[0]]
        try:
            oldest[0].shutdown(socket.SHUT_RDWR)  # its thread's read returns at once, and it closes
        except OSError:
            pass
        return True

    @contextlib.contextmanager
    def idle(self, sock: socket.socket) -> Iterator[None]:
        with self._cond:
            self._idle[sock] = time.monotonic()
        try:
            yield
        finally:
            with self._cond:
                self._idle.pop(sock, None)


def open_file_budget() -> int:
    """Raise the soft open-file limit to the hard one (as servers do) and say how many client
    connections fit in it, leaving room for planes, environments' pipes and sockets, and logs."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 16
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return max(32, min(4096, soft // 2))


def linger(sock: socket.socket) -> None:
    """Half-close and drop what the peer still sends, for at most LINGER_S."""
    deadline = time.monotonic() + LINGER_S
    try:
        sock.shutdown(socket.SHUT_WR)
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            if not sock.recv(1 << 16):
                return
    except OSError:
        pass


class LambdaServer(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not hold up exit
    request_queue_size = 1024  # a burst of the account's 1000 concurrent invocations connects at once

    def __init__(
        self, host: str, port: int, settings: Settings, environments: EnvironmentProvider | None = None, sock: socket.socket | None = None
    ) -> None:
        """``sock``: a socket already listening (``server/hosting.py`` binds before it builds the server)."""
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.planes = Planes(settings, environments)
        self.connections = Connections(open_file_budget())
        protocols.codec(model.LAMBDA)  # compile Lambda's routes now, not on the first request
        self.closing = False
        self.request_log: RequestLog | None = None  # serve's per-request lines (server/requestlog.py)
        self._inflight = 0
        self._idle = threading.Condition()
        super().__init__((host, port), Handler, bind_and_activate=sock is None)
        if sock is not None:
            self.socket.close()
            self.socket = sock
            self.server_address = sock.getsockname()
        self.hosts, self.any_ip_host = allowed_hosts(host)

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            return self.socket.accept()
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE):  # else the listener stays readable: a busy loop
                if not self.connections.evict_one():
                    time.sleep(0.05)
            raise

    def process_request(self, request: Any, client_address: Any) -> None:
        if self.connections.admit():
            super().process_request(request, client_address)
            return
        status, headers, payload = self.error_for(Headers(), ServiceUnavailableException(
            f"lambdactl serve has {self.connections.limit} connections open; try again"))
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, '')}", *(f"{k}: {v}" for k, v in headers.items())]
        head += [f"Content-Length: {len(payload)}", "Connection: close"]
        try:
            request.settimeout(1.0)
            request.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        except OSError:
            pass
        self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release()

    @contextlib.contextmanager
    def tracked(self) -> Iterator[None]:
        with self._idle:
            self._inflight += 1
        try:
            yield
        finally:
            with self._idle:
                self._inflight -= 1
                if self.closing:  # only stop() waits
                    self._idle.notify_all()

    def stop(self, drain_s: float = DRAIN_SECONDS) -> None:
        """Stop accepting, let in-flight requests finish (bounded), then release the environments."""
        self.closing = True
        self.shutdown()
        self.server_close()  # new connections are refused at once, not left in the backlog
        deadline = time.monotonic() + drain_s
        with self._idle:
            while self._inflight and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
        self.planes.close()

    def refusal(self, headers: Any, has_body: bool) -> errors.ServiceError | None:
        """Why an API request is refused (a browser page, a foreign Host, a browser's form-like body), or None.

        A browser marks what it sends: ``Origin`` on every cross-origin POST and ``Sec-Fetch-*`` on every
        request. A request without either comes from a program (an SDK, curl), so the emulator's documented
        ``curl -d '{}' .../invocations`` line, whose form Content-Type no SDK sends, is served."""
        if headers.get("Origin") is not None:
            return errors.AccessDeniedException(CROSS_ORIGIN_MESSAGE)
        fetch_site = headers.get("Sec-Fetch-Site")
        if fetch_site is not None and fetch_site.strip().lower() not in SAME_SITE_FETCH:
            return errors.AccessDeniedException(CROSS_ORIGIN_MESSAGE)
        host = headers.get("Host")
        if host is not None and not self.host_allowed(host):
            return errors.AccessDeniedException(f"{CROSS_ORIGIN_MESSAGE}: Host {host!r} is not this server")
        from_browser = any(name.lower().startswith("sec-fetch-") for name, _ in headers.items())
        if has_body and from_browser:
            media_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
            signed_form = media_type == services.FORM_TYPE and services.credential_scope(headers, {}) is not None
            if media_type not in API_CONTENT_TYPES and not signed_form:
                return errors.AccessDeniedException(f"{CROSS_ORIGIN_MESSAGE}: Content-Type {media_type!r} is not accepted")
        return None

    def host_allowed(self, host: str) -> bool:
        """A Host header naming this server: an allowed name, alone or with the server's own port."""
        name, port = split_host(host.strip().lower())
        if port is not None and port != str(self.server_address[1]):
            return False
        if name in self.hosts or name.endswith(VIRTUAL_HOST_SUFFIX):  # S3's BUCKET.s3.localhost: loopback too
            return True
        return self.any_ip_host and is_ip_literal(name)

    def error_for(self, headers: Any, exc: errors.ServiceError) -> tuple[int, dict[str, str], bytes]:
        """An error answered before the body is read, in the format of the request's service."""
        try:
            name = services.candidates(headers, {})[0]
        except errors.ServiceError:
            return services.error_response(exc, headers)
        return protocols.codec(name, services.protocol_of(name, protocols.Request("", "", {}, headers, b""))).serialize_error(exc)

    def body_limit(self, method: str, target: str, headers: Any) -> tuple[int, str]:
        """The most a request's body may hold and Lambda's 413 message past it, known from the request's
        head alone so an oversized body is refused before it is read: Invoke's payload limit for an
        invoke, else CreateFunction's request limit (the largest any operation takes)."""
        try:
            if services.candidates(headers, {})[0] == model.LAMBDA:
                bound, _ = protocols.codec(model.LAMBDA).router.match(method, target.partition("?")[0], {})
                if bound.op_name == "Invoke":
                    return SYNC_PAYLOAD_LIMIT, (
                        f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation"
                    )
        except errors.ServiceError:  # not Lambda's, or no route: the dispatcher answers that
            pass
        return ANY_BODY_LIMIT

    def code_download(self, target: str) -> tuple[int, dict[str, str], bytes]:
        """A stored zip behind a signed ``Code.Location`` link (a 403 once it expired or was altered)."""
        path, _, raw_query = target.partition("?")
        sha = code_links.resolve(self.planes.settings.state_dir, path, parse_qs(raw_query))
        if sha is None:
            return 403, {"Content-Type": "application/xml"}, (
                b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                b"<Message>Request has expired or its signature does not match</Message></Error>"
            )
        for planes in self.planes.regions():  # each region keeps its own code: the one holding the zip serves it
            with planes.lease() as plane:
                if plane.code.zip_path(sha).exists():
                    return 200, {"Content-Type": "application/zip"}, plane.code.read(sha)
        return 404, {"Content-Type": "application/xml"}, (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
            b"<Message>The specified key does not exist.</Message></Error>"
        )

    def dispatch(
        self, method: str, target: str, headers: Any, body: bytes, caller: trust.Caller | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        path, _, raw_query = target.partition("?")
        query = parse_qs(raw_query, keep_blank_values=True) if raw_query else {}
        request = protocols.Request(method, path, query, headers, body, self.url)
        try:
            names = services.candidates(headers, query)
        except errors.ServiceError as exc:
            return services.error_response(exc, headers)
        codec = None
        try:
            for index, name in enumerate(names):  # a signing name two services share: the first whose route matches
                codec = protocols.codec(name, services.protocol_of(name, request))
                try:
                    op_name, params = codec.parse_request(request)
                    break
                except protocols.UnknownOperationException:
                    if index == len(names) - 1:
                        raise
            assert codec is not None  # the loop above found one or raised
            plane_op = model.plane_operation(op_name, codec.service)
            if op_name not in services.implemented(codec.service):
                raise protocols.UnknownOperationException(f"lambdactl does not implement {plane_op} yet.")
            with self.planes.region(services.signed_region(headers, query)).lease() as plane:
                trust.check(plane, plane_op, params, caller)
                result = plane.call(plane_op, params)
            return codec.serialize_result(op_name, result)
        except errors.ServiceError as exc:
            return _answer(codec, headers, exc)
        except errors.LambdactlError as exc:  # client-side kinds raised deep down: still the caller's fault
            return _answer(codec, headers, errors.InvalidParameterValueException(exc.message))
        except Exception as exc:  # noqa: BLE001 - the HTTP edge: a bug becomes a 500, the server lives on
            traceback.print_exc(file=sys.stderr)
            return _answer(codec, headers, errors.ServiceException(f"{type(exc).__name__}: {exc}"))


def _answer(codec: Any, headers: Any, exc: errors.ServiceError) -> tuple[int, dict[str, str], bytes]:
    return codec.serialize_error(exc) if codec else services.error_response(exc, headers)


class Headers:
    """Request headers: case-insensitive ``get`` (first value) and ``items`` (all, as sent)."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []
        self._first: dict[str, str] = {}

    def add(self, name: str, value: str) -> None:
        self.pairs.append((name, value))
        self._first.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)


def allowed_hosts(bind_host: str) -> tuple[frozenset[str], bool]:
    """(Host names the API answers to, whether any IP literal is also fine) for a bind address.

    Loopback names always. Binding elsewhere (``serve --host``) is the user's explicit choice
    to be reachable there: the configured host is accepted too and, on a wildcard bind
    (0.0.0.0 / ::), any IP address (DNS rebinding needs a name, never an IP literal).
    """
    bind = bind_host.strip().lower()
    if bind in LOOPBACK_BINDS:
        return LOOPBACK_HOSTS, False
    if bind in WILDCARD_BINDS:
        return LOOPBACK_HOSTS, True
    return LOOPBACK_HOSTS | {f"[{bind}]" if ":" in bind else bind}, False


def split_host(host: str) -> tuple[str, str | None]:
    """``name[:port]`` -> (name, port or None); an IPv6 literal keeps its brackets."""
    if host.startswith("["):
        name, bracket, rest = host.partition("]")
        if not bracket or not rest:
            return host, None
        return name + "]", rest.removeprefix(":")  # garbage after "]" never matches a port
    name, colon, port = host.rpartition(":")
    return (name, port) if colon else (host, None)


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class Handler(BaseHTTPRequestHandler):
    """One connection: requests read by ``lambdactl.http11`` under ``serve``'s timeouts, answered in turn."""

    protocol_version = "HTTP/1.1"
    server_version = "lambdactl"
    server: LambdaServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.local_address = self.connection.getsockname()  # the connection's, for every request on it

    def handle_one_request(self) -> None:
        """Wait (idle, evictable, at most IDLE_TIMEOUT_S) for a request line, then read the rest of
        the head within HEADER_TIMEOUT_S and the body with BODY_TIMEOUT_S per read."""
        self.close_connection = True
        connections = self.server.connections
        try:
            self.connection.settimeout(IDLE_TIMEOUT_S)
            with connections.idle(self.connection):
                line = self.rfile.readline(http11.MAX_LINE + 1)
            if not line or not line.endswith(b"\n"):
                return  # closed, evicted, or a request line cut off or too long: nothing to answer
            self.connection.settimeout(HEADER_TIMEOUT_S)
            if not self._read_head(line):
                return
            self.connection.settimeout(BODY_TIMEOUT_S)
            with self.server.tracked():
                started = time.perf_counter()
                self.status = 0
                log = self.server.request_log
                if log is not None:
                    log.begin()
                try:
                    self._handle()
                finally:
                    if log is not None:
                        log.end(self.command, self.path, self.status, started)
        except http11.Malformed as exc:
            self._reject(BadRequest(f"Malformed request: {exc}"))
        except (TimeoutError, ConnectionError):  # http11.Incomplete included: never executed
            self.close_connection = True

    def _read_head(self, line: bytes) -> bool:
        words = line.decode("iso-8859-1").split()
        if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
            self.request_version = "HTTP/1.1"
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request line")
            return False
        self.command, self.path, self.request_version = words
        self.requestline = " ".join(words)
        headers = Headers()
        for name, value in http11.read_headers(self.rfile):
            headers.add(name, value)
        self.headers = headers  # type: ignore[assignment]
        connection = (headers.get("Connection") or "").lower()
        self.close_connection = connection == "close" or (words[2] == "HTTP/1.0" and connection != "keep-alive")
        if (headers.get("Expect") or "").lower() == "100-continue":
            return self.handle_expect_100()
        return True

    def _handle(self) -> None:
        chunked = http11.is_chunked(self.headers.get("Transfer-Encoding"))
        length = 0 if chunked else http11.content_length(self.headers.get("Content-Length"))
        function_url = urls.route(self.path, self.headers)
        api = None if function_url else gateway.route(self.path, self.headers)
        has_body = chunked or length != 0
        if function_url is None and api is None and (refusal := self.server.refusal(self.headers, has_body=has_body)):
            self._reject(refusal)
            return
        limit, too_large = ANY_BODY_LIMIT if function_url or api else self.server.body_limit(self.command, self.path, self.headers)
        try:
            body = http11.read_body(self.rfile, chunked, length, limit)
        except http11.TooLarge:
            self._reject(errors.RequestEntityTooLargeException(too_large))
            return
        if function_url:
            url_id, target = function_url
            status, pairs, payload = urls.respond(
                self.server.planes, url_id, self.command, target, self.headers, body,
                self.client_address[0], self.request_version,
            )
        elif api:
            api_id, target = api
            status, pairs, payload = apis.respond(
                self.server.planes, api_id, self.command, target, self.headers, body,
                self.client_address[0], self.request_version,
            )
        elif self.path.startswith(code_links.PATH_PREFIX) and self.command in ("GET", "HEAD"):
            status, headers, payload = self.server.code_download(self.path)
            pairs = list(headers.items())
        else:
            caller = trust.Caller(self.headers, self.path, self.client_address, self.local_address)
            status, headers, payload = self.server.dispatch(self.command, self.path, self.headers, body, caller)
            pairs = list(headers.items())
        if self.server.closing:
            self.close_connection = True
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, '')}", f"x-amzn-RequestId: {request_id()}"]
        lines += [f"{name}: {value}" for name, value in pairs]
        if not isinstance(payload, (bytes, bytearray)):  # a stream: each piece is sent as it comes
            self._stream(status, lines, payload)
            return
        given_length = any(name.lower() == "content-length" for name, _ in pairs)  # HEAD: the object's size
        if status not in rest_json.NO_BODY_STATUSES and not given_length:
            lines.append(f"Content-Length: {len(payload)}")
        if self.close_connection:
            lines.append("Connection: close")
        self.status = status
        if self.command == "HEAD":  # a HEAD response has no body, whatever its headers say
            payload = b""
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)

    def _stream(self, status: int, lines: list[str], pieces: Iterator[bytes]) -> None:
        """A response body made while it is sent (InvokeWithResponseStream, a RESPONSE_STREAM function
        URL): chunked to an HTTP/1.1 client, else written as it comes and ended by closing."""
        chunked = self.request_version == "HTTP/1.1"
        self.close_connection = self.close_connection or not chunked
        lines.append("Transfer-Encoding: chunked" if chunked else "Connection: close")
        if chunked and self.close_connection:
            lines.append("Connection: close")
        self.status = status
        try:
            self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            for piece in pieces:
                if piece:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        except (OSError, urls.StreamCut):  # the client went away, or the stream failed: cut it short
            self.close_connection = True
            return
        except Exception:  # noqa: BLE001 - a bug mid-stream: the status is sent, so the response is cut short
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            return
        finally:  # whatever is left of the stream is dropped now (the function runs on, unheard)
            close = getattr(pieces, "close", None)
            if close is not None:
                close()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _reject(self, exc: errors.ServiceError) -> None:
        """Answer and close. The client may still be sending a body we won't read: stop our side, then
        drop what arrives for a moment (a lingering close), so it reads our answer instead of a reset."""
        self.close_connection = True
        status, headers, payload = self.server.error_for(getattr(self, "headers", None) or Headers(), exc)
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, '')}", *(f"{k}: {v}" for k, v in headers.items())]
        head += [f"Content-Length: {len(payload)}", "Connection: close"]
        self.status = status
        try:
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
            linger(self.connection)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a line per request would cost more than the request."""
