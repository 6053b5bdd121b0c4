"""One execution environment: a runtime process, its Runtime API, and its invocations.

Lifecycle: ``start()`` (spawn, wait for the first ``/next``: that wait is Init Duration),
then any number of ``invoke()`` calls, one at a time (warm reuse), then ``stop()``.
Function failures (exceptions, init errors, crashes, timeouts, oversized responses) are
not raised: they come back as ``InvocationResult(function_error="Unhandled")`` with
Lambda's payloads and log lines. After a timeout or crash the result says
``reusable=False`` and the environment is DEAD; the caller starts a fresh one.

Environment variables the function sees (later groups win, as Lambda merges them):

1. unreserved defaults: ``LANG``, ``PATH`` (layer ``bin`` dirs, then the host's PATH so
   interpreters are found), ``LD_LIBRARY_PATH``/``PYTHONPATH``/``NODE_PATH`` from layers,
   ``PYTHONDONTWRITEBYTECODE=1`` (never write into the shared code dir), and the endpoints of the
   embedded services (``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_ENDPOINT_URL``: ``spec.endpoints``);
2. the function's own variables;
3. credentials: per-environment placeholders serve recognises, or the user's profile when opted in
   (``runtime/credentials.py``);
4. reserved runtime and platform variables (``_HANDLER``, ``AWS_LAMBDA_*``, ``AWS_REGION``,
   ``LAMBDA_TASK_ROOT`` = the code dir, ``TZ=:UTC``, ``TMPDIR`` = a private dir under work_dir, ...);
5. ``extra_env`` from the platform (e.g. a custom log group's name).

Nothing else of the host's environment is passed (no HOME, no AWS_PROFILE, no PYENV_*).

Debugging (``spec.debug_port``, ``--debug-port``): Python runtimes start debugpy listening on
127.0.0.1:port and wait for a client before the handler loads (debugpy from ``lambdactl runtimes
install-debugger``, after the code and layers, or the function's own); Node.js runs with
``--inspect-wait=127.0.0.1:port``. The init and invoke timeouts are lifted to ``DEBUG_TIMEOUT_S``, as
SAM CLI does, so a paused debugger never times the function out. Without a debugger,
``PYTHONBREAKPOINT=0`` makes ``breakpoint()`` a no-op: stdin is not a terminal, and pdb would end the
invoke with BdbQuit.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from lambdactl import errors
from lambdactl.backends.base import Backend, Launch, Process, describe_exit, get_backend
from lambdactl.runtime import credentials, error_types, reports
from lambdactl.runtime.api import Invocation, RuntimeAPI
from lambdactl.spec import EnvironmentSpec, InvocationRequest, InvocationResult
from lambdactl.runtime.states import InvalidStateTransition, State, check_transition

BOOTSTRAPS_DIR = Path(__file__).parent / "bootstraps"
CONTAINER_TASK_ROOT = "/var/task"
MAX_LOG_BYTES = 8 << 20  # output kept per invocation (its log); the rest is counted, not kept
INIT_TIMEOUT_S = 10.0  # Lambda's init phase limit for on-demand functions
_EXIT_GRACE_S = 2.0  # how long to wait for the exit status once the runtime hung up
DEBUG_TIMEOUT_S = 36000  # init and invoke limits while debugging (SAM CLI's 10 hours)
DEBUGGABLE = ("python", "nodejs")


class _Failure:
    """Why the runtime can't answer: rendered per request, since payloads carry the RequestId."""

    def __init__(self, error_type: str, reason: str, status: str = "error", report_type: str | None = None,
                 body: bytes | None = None) -> None:
        self.error_type = error_type
        self.reason = reason  # "Runtime exited with error: exit status 1"
        self.status = status  # REPORT "Status:"
        self.report_type = report_type or error_type  # REPORT "Error Type:"
        self.body = body  # the runtime's own /init/error body, passed through

    def payload(self, request_id: str) -> bytes:
        if self.body is not None:
            return self.body
        return error_types.function_error(self.error_type, f"RequestId: {request_id} Error: {self.reason}")


class Environment:
    def __init__(self, spec: EnvironmentSpec, backend: Backend | None = None) -> None:
        self.spec = spec
        self.backend = backend or get_backend(spec.backend)
        self.state = State.NEW
        self.log_stream = time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{spec.version}]{os.urandom(16).hex()}"
        self.init_duration_ms: float | None = None
        self._invoke_lock = threading.Lock()  # one invocation at a time
        self._state_lock = threading.Lock()
        self._output = bytearray()  # runtime output not yet attributed to an invocation
        self._output_lock = threading.Lock()
        self._dropped = 0  # output bytes past MAX_LOG_BYTES, reported at the end of the invocation's log
        self._api: RuntimeAPI | None = None
        self._process: Process | None = None
        self._exit_code: int | None = None
        self._exited = threading.Event()
        self._failure: _Failure | None = None  # set when init failed; reported by the next invoke
        self._cold = True

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        """Spawn the runtime and wait (≤ 10 s) until it asks for work or fails to init.

        Raises only for problems the service itself would report (unsupported runtime,
        missing interpreter); a failing function is reported by the next ``invoke()``.
        """
        self._move(State.STARTING)
        contained = self.backend.contained
        try:
            self.check_debuggable()
            argv, kind = ([], "native") if contained else self._command()
        except errors.LambdactlError:
            self._move(State.DEAD)
            raise
        if isinstance(argv, _Failure):
            self._failure = argv
            self._move(State.DEAD)
            return
        tmp = self.spec.work_dir / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        self._api = api = RuntimeAPI()
        launch = Launch(argv, self._environ(api.address, tmp, contained), self._task_root(contained),
                        self.spec.memory_mb, kind, label=self.log_stream[-32:], spec=self.spec,
                        serve_runtime_api=api.also_listen)
        try:
            self._process = self.backend.spawn(launch, self._collect, self._on_exit)
        except errors.LambdactlError:
            api.close()
            self._move(State.DEAD)
            raise
        except OSError as exc:
            api.close()
            self._move(State.DEAD)
            raise errors.ServiceException(f"Could not start the runtime: {exc}") from exc
        api.wait(lambda: api.initialized or api.init_error is not None, DEBUG_TIMEOUT_S if self.spec.debug_port else INIT_TIMEOUT_S)
        # From the runtime's own start, as Lambda counts it: making the sandbox (a container) is not init.
        self.init_duration_ms = (time.perf_counter() - self._process.started) * 1000
        if api.initialized:
            self._process.end_init()
            self._move(State.READY, settle=True)
            return
        if api.init_error is not None:
            error_type, body = api.init_error
            self._exited.wait(_EXIT_GRACE_S)  # runtimes exit after posting; their last words are the log
            self._failure = _Failure(error_type, "", body=_error_body(body, error_type))
        elif api.gone:
            self._failure = self._exit_failure()
        else:
            self._failure = _Failure("Sandbox.Timedout", f"Task timed out after {self.spec.timeout_s:.2f} seconds",
                                     status="timeout")
        self._process.kill()
        self._move(State.DEAD, settle=True)

    def invoke(self, request: InvocationRequest) -> InvocationResult:
        with self._invoke_lock:
            if self.state is State.DEAD and self._failure is not None:  # init failed: report it once
                self._move(State.INVOKING)
                failure = self._failure
                return self._finish(request, failure.payload(request.request_id), 0.0, failure, None)
            if self.state is State.DEAD:
                raise InvalidStateTransition(self.state, State.INVOKING)
            self._move(State.INVOKING)
            assert self._api is not None and self._process is not None
            api, timeout = self._api, DEBUG_TIMEOUT_S if self.spec.debug_port else self.spec.timeout_s
            invocation = Invocation(request.request_id, request.payload, {
                "Lambda-Runtime-Aws-Request-Id": request.request_id,
                "Lambda-Runtime-Deadline-Ms": str(int((time.time() + timeout) * 1000)),
                "Lambda-Runtime-Invoked-Function-Arn": request.invoked_function_arn,
                "Lambda-Runtime-Trace-Id": request.trace_id,
                "Lambda-Runtime-Client-Context": request.client_context,
                "Lambda-Runtime-Cognito-Identity": request.cognito_identity,
            }, on_chunk=request.on_chunk, on_start=request.on_stream_start, stream_limit=request.max_stream_bytes)
            started = time.perf_counter()
            answered = api.run(invocation, timeout)
            duration_ms = (time.perf_counter() - started) * 1000
            if answered:
                self._process.drain()
                return self._answered(request, invocation, duration_ms)
            if api.gone:
                failure = self._exit_failure()
                self._process.kill()
            else:
                failure = _Failure("Sandbox.Timedout", f"Task timed out after {timeout:.2f} seconds", status="timeout")
                self._process.kill()  # returns once all output is read, so the timeout line comes last
                self._collect(reports.timeout_line(request.request_id, timeout).encode(), always=True)
            return self._finish(request, failure.payload(request.request_id), duration_ms, failure, None)

    def stop(self) -> None:
        """Kill the runtime's whole process tree and close the Runtime API; idempotent."""
        with self._state_lock:
            if self.state is State.STOPPED:
                return
            self.state = State.STOPPED
        if self._process is not None:
            self._process.kill()
        if self._api is not None:
            self._api.close()

    def count_as_used(self) -> None:
        """Its first invocation is warm: this environment stands in for one whose cold start was reported."""
        self._cold = False

    @property
    def alive(self) -> bool:
        """Ready for another invoke (a runtime that exited between invokes is not)."""
        return self.state is State.READY and not self._exited.is_set()

    def __enter__(self) -> Environment:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- results ------------------------------------------------------------------------

    def _answered(self, request: InvocationRequest, invocation: Invocation, duration_ms: float) -> InvocationResult:
        result = self._answer_result(request, invocation, duration_ms)
        result.streamed, result.content_type = invocation.streamed, invocation.content_type
        return result

    def _answer_result(self, request: InvocationRequest, invocation: Invocation, duration_ms: float) -> InvocationResult:
        if invocation.outcome == "response":
            return self._finish(request, invocation.body, duration_ms, None, None)
        if invocation.outcome == "too_large":
            # The runtime clients exit once their response is refused: this environment is done, and
            # the next invocation gets a fresh one (not the Runtime.ExitError of a dead runtime).
            too_large = error_types.TOO_LARGE_MESSAGE.format(limit=invocation.limit)
            payload = json.dumps({"errorMessage": too_large, "errorType": error_types.RESPONSE_TOO_LARGE},
                                 separators=(",", ":")).encode()  # the emulator's member order
            assert self._process is not None
            self._process.kill()
            failure = _Failure(error_types.RESPONSE_TOO_LARGE, "")
            return self._finish(request, payload, duration_ms, failure, error_types.RESPONSE_TOO_LARGE)
        error_type = invocation.error_type or error_types.UNKNOWN
        return self._finish(request, _error_body(invocation.body, error_type), duration_ms, None, "")

    def _finish(self, request: InvocationRequest, payload: bytes, duration_ms: float,
                failure: _Failure | None, error: str | None) -> InvocationResult:
        """Assemble log and result; ``error`` is None on success, "" for a function error,
        or an error type REPORT shows; a ``failure`` means the environment is gone."""
        max_used = self._process.max_memory_used_mb() if self._process else 0
        with self._output_lock:
            output, self._output = bytes(self._output), bytearray()
            dropped, self._dropped = self._dropped, 0
        if dropped:
            output += (b"\nlambdactl: %d bytes of this invocation's output were not kept (at most %d are)\n"
                       % (dropped, MAX_LOG_BYTES))
        # Provisioned environments initialize ahead of any invocation: no Init Duration in REPORT.
        cold = self._cold and self.spec.initialization_type == "on-demand"
        init_ms = self.init_duration_ms if cold else None
        self._cold = False
        rid = request.request_id
        text = output.decode("utf-8", "replace")
        if text and not text.endswith("\n"):
            text += "\n"
        status = failure.status if failure else ("error" if error else None)
        report_type = failure.report_type if failure and failure.status == "error" else (error or None)
        log = (reports.start_line(rid, self.spec.version) + text + reports.end_line(rid)
               + reports.report_line(rid, duration_ms, self.spec.memory_mb, max_used, init_ms, status, report_type))
        if failure is None:
            self._move(State.READY, settle=True)
        else:
            self._failure = None
            self._move(State.DEAD, settle=True)
        return InvocationResult(
            payload=payload,
            function_error=None if failure is None and error is None else "Unhandled",
            log=log,
            duration_ms=duration_ms,
            max_memory_used_mb=max_used,
            init_duration_ms=init_ms,
            reusable=failure is None,
            log_stream=self.log_stream,
        )

    def _exit_failure(self) -> _Failure:
        assert self._process is not None
        if not self._exited.wait(_EXIT_GRACE_S):
            return _Failure(error_types.EXIT_ERROR, error_types.NO_REASON)
        self._process.drain()
        reason = f"Runtime exited with error: {describe_exit(self._exit_code or 0)}"
        if self._exit_code == 0:
            reason = error_types.NO_REASON
        if self._process.out_of_memory():
            return _Failure(error_types.EXIT_ERROR, reason, report_type=error_types.OUT_OF_MEMORY)
        return _Failure(error_types.EXIT_ERROR, reason)

    # -- process plumbing --------------------------------------------------------------

    def _collect(self, data: bytes, always: bool = False) -> None:
        """Keep the runtime's output for the invocation's log, at most MAX_LOG_BYTES of it (``always``:
        lambdactl's own lines, kept past the cap): a function printing without end must not take the
        process's memory with it."""
        with self._output_lock:
            room = MAX_LOG_BYTES - len(self._output)
            if always or len(data) <= room:
                self._output += data
                return
            self._output += data[:max(room, 0)]
            self._dropped += len(data) - max(room, 0)

    def _on_exit(self, code: int) -> None:
        self._exit_code = code
        self._exited.set()
        if self._api is not None:
            self._api.runtime_gone()

    def _move(self, target: State, settle: bool = False) -> None:
        """Checked state move; ``settle`` moves (ending a start or invoke) yield to a racing stop()."""
        with self._state_lock:
            if settle and self.state is State.STOPPED:
                return
            check_transition(self.state, target)
            self.state = target

    def _task_root(self, contained: bool = False) -> Path:
        working = (self.spec.image_config or {}).get("WorkingDirectory")
        if contained:
            return Path(working or CONTAINER_TASK_ROOT)
        return Path(working) if working else (self.spec.code_dir or self.spec.work_dir)

    def _command(self) -> tuple[list[str] | _Failure, str]:
        """argv and kind for the runtime; an image-style EntryPoint/Command overrides it."""
        config = self.spec.image_config or {}
        override = [*(config.get("EntryPoint") or []), *(config.get("Command") or [])]
        if override:
            return override, "native"
        runtime = self.spec.runtime or ""
        if runtime.startswith("python"):
            from lambdactl.runtime.interpreters import python_for

            return [python_for(runtime), str(BOOTSTRAPS_DIR / "python_bootstrap.py")], "python"
        if runtime.startswith("nodejs"):
            from lambdactl.runtime.interpreters import node_for

            heap = f"--max-old-space-size={max(self.spec.memory_mb * 9 // 10, 64)}"
            inspect = [f"--inspect-wait=127.0.0.1:{self.spec.debug_port}"] if self.spec.debug_port else []
            return [node_for(runtime), heap, *inspect, str(BOOTSTRAPS_DIR / "node_bootstrap.js")], "node"
        if runtime.startswith("provided"):
            return self._custom_bootstrap(), "native"
        if runtime.startswith("java"):
            from lambdactl.runtime import jvm

            jdk = jvm.jdk_for(runtime)
            classes = jvm.compiled(jdk, self.spec.state_dir / "cache")
            return jvm.command(jdk, classes, self.spec.memory_mb, self.spec.opt_dir), "java"
        raise errors.InvalidRuntimeException(
            f"The runtime parameter of {runtime or 'None'} is not supported by the {self.backend.name} backend."
        )

    def check_debuggable(self) -> None:
        """With ``debug_port``: refused unless a debugger can wait there for this function (backend, runtime,
        debugpy for Python, a free port), before anything starts and before anyone is told to attach."""
        port = self.spec.debug_port
        if not port:
            return
        if self.backend.contained:
            raise errors.InvalidParameterValueException(
                "--debug-port needs the subprocess backend: the docker backend does not publish debugger ports")
        runtime = self.spec.runtime or ""
        if not runtime.startswith(DEBUGGABLE) or (self.spec.image_config or {}).get("EntryPoint"):
            raise errors.InvalidParameterValueException(
                f"--debug-port supports the python and nodejs runtimes, not {runtime or 'this function'}")
        import socket

        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as exc:
                raise errors.LambdactlError(f"--debug-port {port}: 127.0.0.1:{port} is not free ({exc.strerror})") from None
        from lambdactl.runtime import sdk

        vendored = any(d and (d / "debugpy").is_dir() for d in (self.spec.code_dir, self.spec.opt_dir))
        if runtime.startswith("python") and not vendored and sdk.debugpy_dir(self.spec.state_dir) is None:
            raise errors.LambdactlError("--debug-port needs debugpy: run `lambdactl runtimes install-debugger`")

    def _custom_bootstrap(self) -> list[str] | _Failure:
        candidates = [d / "bootstrap" for d in (self.spec.code_dir, self.spec.opt_dir) if d]
        for path in candidates:
            if path.is_file():
                if not os.access(path, os.X_OK):
                    return _Failure(error_types.INVALID_ENTRYPOINT, f"fork/exec {path}: permission denied")
                return [str(path)]
        return _Failure(error_types.INVALID_ENTRYPOINT,
                        f"Couldn't find valid bootstrap(s): [{' '.join(map(str, candidates))}]")

    def _bundled_sdk(self, env: dict[str, str]) -> None:
        """The AWS SDK Lambda bundles, if installed: after the code and the layers (a vendored copy wins);
        debugpy after it when debugging."""
        from lambdactl.runtime import sdk

        runtime = self.spec.runtime or ""
        name, found = (("PYTHONPATH", sdk.python_dir(self.spec.state_dir)) if runtime.startswith("python") else
                       ("NODE_PATH", sdk.node_dir(self.spec.state_dir)) if runtime.startswith("nodejs") else ("", None))
        debugger = sdk.debugpy_dir(self.spec.state_dir) if self.spec.debug_port and runtime.startswith("python") else None
        for path in (found, debugger):
            if path is not None:
                env[name] = f"{env[name]}:{path}" if name in env else str(path)

    def _environ(self, api_address: str, tmp: Path, contained: bool = False) -> dict[str, str]:
        """The runtime's variables; ``contained``: the image sets the unreserved defaults, and
        paths are the container's (/var/task, /var/runtime; /tmp is its own tmpfs)."""
        spec = self.spec
        env: dict[str, str] = {} if contained else {
            "LANG": "en_US.UTF-8",
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            # The task root is shared and read-only (as /var/task): never write bytecode into it.
            # (PYTHONPYCACHEPREFIX would also move the stdlib's caches: +300 ms per cold start.)
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if (spec.runtime or "").startswith("python"):  # breakpoint(): pdb on a stdin that is no terminal is BdbQuit
            env["PYTHONBREAKPOINT"] = "debugpy.breakpoint" if spec.debug_port else "0"
        for name, sub, sep in (("PATH", "bin", ":"), ("LD_LIBRARY_PATH", "lib", ":"),
                               ("PYTHONPATH", "python", ":"), ("PYTHONPATH", f"python/lib/{spec.runtime}/site-packages", ":"),
                               ("NODE_PATH", "nodejs/node_modules", ":")):
            dirs = [str(spec.opt_dir / sub)] if spec.opt_dir and (spec.opt_dir / sub).is_dir() else []
            if dirs and not contained:
                env[name] = sep.join(dirs + ([env[name]] if name in env else []))
        if not contained:
            self._bundled_sdk(env)
        env.update(spec.endpoints)
        env.update(spec.environment)
        env.update(credentials.for_environment())
        task_root = CONTAINER_TASK_ROOT if contained else str(self._task_root())
        env.update({
            "_HANDLER": spec.handler or "",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": spec.initialization_type,
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "AWS_LAMBDA_RUNTIME_API": api_address,
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": "/var/runtime" if contained else str(BOOTSTRAPS_DIR),
            "TZ": ":UTC",
        })
        if not contained:
            env["TMPDIR"] = str(tmp)
        if spec.debug_port:
            env["_LAMBDACTL_DEBUG_PORT"] = str(spec.debug_port)
        if spec.runtime and not spec.runtime.startswith("provided"):
            env["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{spec.runtime}"
        env.update(spec.extra_env)
        return env


def _error_body(body: bytes, error_type: str) -> bytes:
    """The runtime's error document as posted, or Lambda's stand-in if it isn't a JSON object."""
    try:
        if isinstance(json.loads(body), dict):
            return body
    except ValueError:
        pass
    return json.dumps({"errorMessage": error_types.UNKNOWN_MESSAGE, "errorType": error_type},
                      separators=(",", ":")).encode()
