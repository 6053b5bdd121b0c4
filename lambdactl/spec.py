"""What the control plane hands the runtime, and what it gets back.

These plain records are the seam between the control plane (which knows
functions, versions and the state directory) and the execution path (which
knows processes, the Runtime API and backends). Neither side reaches past them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class EnvironmentSpec:
    """Everything needed to start one execution environment for one function version."""

    function_name: str
    function_arn: str  # unqualified
    version: str  # "$LATEST" or "1", "2", ...
    runtime: str | None  # "python3.12", "nodejs20.x", "provided.al2023"; None for Image functions
    handler: str | None
    code_dir: Path | None  # unpacked code, shared and read-only (None for Image functions)
    work_dir: Path  # private scratch for this environment (its TMPDIR lives below it)
    memory_mb: int = 128
    timeout_s: int = 3
    ephemeral_storage_mb: int = 512
    environment: dict[str, str] = field(default_factory=dict)  # the function's own variables
    region: str = "us-east-1"
    account_id: str = "123456789012"
    backend: str = "subprocess"  # "subprocess" | "docker"
    opt_dir: Path | None = None  # the function's layers merged in order (later ones win), read-only: /opt
    extra_env: dict[str, str] = field(default_factory=dict)  # platform additions (they win over the function's)
    endpoints: dict[str, str] = field(default_factory=dict)  # AWS_ENDPOINT_URL_*: the function's own variables win
    image_uri: str | None = None  # Image functions / docker backend
    image_config: dict | None = None  # {"EntryPoint": [...], "Command": [...], "WorkingDirectory": "..."}
    initialization_type: str = "on-demand"
    revision_id: str = ""  # the stored configuration's RevisionId: a warm environment of another one is stale
    debug_port: int | None = None  # --debug-port: a debugger waits for a client there; the timeouts are lifted

    def resolve(self) -> EnvironmentSpec:
        return self

    @property
    def state_dir(self) -> Path:
        """Environments' work dirs live at ``<state dir>/run/<id>``."""
        return self.work_dir.parents[1]

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function_name}"


class LazySpec:
    """Which environment an invocation needs (function, version, revision), with the full spec made
    only if a new environment must start: a warm invocation never unpacks or stats anything."""

    __slots__ = ("function_name", "version", "revision_id", "_make", "_spec")

    def __init__(self, function_name: str, version: str, revision_id: str, make: Callable[[], EnvironmentSpec]) -> None:
        self.function_name = function_name
        self.version = version
        self.revision_id = revision_id
        self._make = make
        self._spec: EnvironmentSpec | None = None

    def resolve(self) -> EnvironmentSpec:
        if self._spec is None:
            self._spec = self._make()
        return self._spec


def request_id() -> str:
    """A random version-4 UUID, as Lambda's request ids, from Python's generator: ``uuid.uuid4``
    reads ``os.urandom`` each time (16 us here), a system call that also hands the GIL to another
    thread in the middle of serving a request. Ids need to be unique, not secret."""
    import random

    n = random.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48) | (0x4000 << 64) | (0x8000 << 48)
    h = "%032x" % n
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True)
class InvocationRequest:
    payload: bytes
    request_id: str
    invoked_function_arn: str  # as invoked, with qualifier if one was given
    client_context: str | None = None  # decoded JSON text
    cognito_identity: str | None = None
    trace_id: str | None = None
    # Where a streaming runtime's response bytes go as they arrive (InvokeWithResponseStream, a
    # RESPONSE_STREAM function URL); without it a streamed response is collected into the payload.
    on_chunk: Callable[[bytes], None] | None = field(default=None, compare=False)
    on_stream_start: Callable[[str | None], None] | None = field(default=None, compare=False)  # its Content-Type
    # The most bytes ``on_chunk`` is given: past them the invocation fails (Function.ResponseSizeTooLarge).
    max_stream_bytes: int | None = field(default=None, compare=False)


@dataclass
class InvocationResult:
    payload: bytes
    function_error: str | None  # "Unhandled" or None
    log: str  # this invocation's log text, START ... REPORT lines included
    duration_ms: float
    max_memory_used_mb: int
    init_duration_ms: float | None = None  # set on the cold start only
    reusable: bool = True  # False after a timeout or crash: the environment is gone
    log_stream: str = ""
    streamed: bool = False  # the runtime streamed its response (to ``on_chunk``, if the request had one)
    content_type: str | None = None  # a streamed response's Content-Type, as the runtime set it


class ExecutionEnvironment(Protocol):
    """One function instance as a pool drives it (``runtime.environment.Environment``)."""

    spec: EnvironmentSpec

    @property
    def alive(self) -> bool:
        """Ready for another invoke."""

    def start(self) -> None: ...

    def invoke(self, request: InvocationRequest) -> InvocationResult: ...

    def count_as_used(self) -> None:
        """An invoke was routed here (prewarmed environments report their first one as cold)."""

    def stop(self) -> None: ...


class EnvironmentProvider(Protocol):
    """Where the control plane gets an environment for an invocation: one per invoke in the CLI's own
    process (``server.environments.OneShotEnvironments``), a warm pool under ``serve`` and the worker
    (``runtime.pool.EnvironmentPool``)."""

    def run(self, spec: EnvironmentSpec | LazySpec, request: InvocationRequest, *, reserved: int | None = None,
            unreserved: int | None = None) -> InvocationResult: ...  # fmt: skip

    def close(self) -> None:
        """Stop what it keeps (a one-shot provider keeps nothing)."""
