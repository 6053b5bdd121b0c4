"""lambdactl's Python runtime: loads `_HANDLER` and serves it over the Lambda Runtime API.

Started by python_bootstrap.py (`python3.X python_bootstrap.py [handler]`, cwd = the task root),
which keeps this module out of `__main__` so that it loads from a cached .pyc. It reads
`AWS_LAMBDA_RUNTIME_API` (host:port), `_HANDLER` (unless a handler is given as argv[1]),
`LAMBDA_TASK_ROOT`, `AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_VERSION`,
`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `AWS_LAMBDA_LOG_GROUP_NAME`, `AWS_LAMBDA_LOG_STREAM_NAME`,
`AWS_LAMBDA_LOG_LEVEL` and `AWS_EXECUTION_ENV`. Behaviour (context, error payloads, log
lines, JSON encoding) follows awslambdaric 4.x, which is what Lambda's python3.x runtimes run.

It runs on Python 3.9+ with the standard library only, and imports as little as it can, because
its start-up is on the path of every cold invoke: HTTP goes over a raw `_socket` (http.client
pulls in email.*), JSON goes through the `_json` accelerator (json pulls in re), and `logging`
is configured the moment something imports it rather than imported up front.
"""

import _socket
import os
import sys
import time

PREFIX = "/2018-06-01/runtime"
USER_AGENT = "aws-lambda-python/%d.%d.%d-lambdactl" % sys.version_info[:3]
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
XRAY_CAUSE_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare "
    "cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, "
    "runtime updates can be triggered by a function change, or can be applied automatically. To determine if the "
    "runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with "
    "a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/"
    "runtimes-update.html\r"
)

_request_id = ""  # the invocation in progress, for log lines
_tenant_id = None  # type: str | None


class Fault(Exception):
    """An error Lambda reports with a `Runtime.*` type (names as in awslambdaric's FaultException)."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type: str, msg: str, trace: "list[str] | None" = None) -> None:
        super().__init__(msg)
        self.exception_type, self.msg, self.trace = exception_type, msg, trace


# --- Runtime API client ---------------------------------------------------------------------


class RuntimeAPIError(Exception):
    pass


class RuntimeClient:
    """A minimal keep-alive HTTP/1.1 client for the Runtime API (Content-Length or chunked replies)."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.host_header = address
        self.family = _socket.AF_INET6 if host.startswith("[") else _socket.AF_INET
        self.addr = (host.strip("[]") or "127.0.0.1", int(port or 9001))
        self.sock: "_socket.socket | None" = None
        self.buf = b""

    def next(self) -> tuple[dict[str, str], bytes]:
        status, headers, body = self.request("GET", PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeAPIError("GET /invocation/next answered %d: %r" % (status, body[:200]))
        return headers, body

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        status, _, reply = self.request("POST", PREFIX + path, body, headers)
        if status != 202:
            raise RuntimeAPIError("POST %s answered %d: %r" % (path, status, reply[:200]))

    def request(self, method: str, path: str, body: bytes = b"", headers: "dict[str, str] | None" = None):
        head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n" % (method, path, self.host_header, USER_AGENT)
        if method != "GET":
            head += "Content-Length: %d\r\n" % len(body)
        for name, value in (headers or {}).items():
            head += "%s: %s\r\n" % (name, value)
        data = (head + "\r\n").encode("utf-8") + body
        for attempt in (1, 2):
            reused = self.sock is not None
            if not reused:
                self.sock = _socket.socket(self.family, _socket.SOCK_STREAM)
                self.sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
                self.sock.connect(self.addr)
            try:
                self.sock.sendall(data)
                return self._read_response()
            except (OSError, EOFError):
                self.close()
                if not reused or attempt == 2:  # a kept-alive socket may have been closed by the server: retry once
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the Runtime API closed the connection")
        return chunk

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            self.buf += self._recv()
        line, self.buf = self.buf.split(marker, 1)
        return line

    def _read_exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.buf += self._recv()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _read_response(self) -> tuple[int, dict[str, str], bytes]:
        lines = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", ""):
            body = b""
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                body += self._read_exactly(size)
                self._read_until(b"\r\n")
                if not size:
                    break
        elif "content-length" in headers:
            body = self._read_exactly(int(headers["content-length"]))
        else:  # no length: the body runs to the end of the connection
            body = self.buf
            try:
                while True:
                    body += self._recv()
            except EOFError:
                pass
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body


# --- JSON, as awslambdaric's simplejson encoder does it -----------------------------------


class _DecoderSettings:
    """The attributes `_json.make_scanner` reads (json.JSONDecoder's defaults)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_WS = " \t\n\r"
_scan = None


def loads(text: str):
    """json.loads for a str, through the C scanner (`import json` costs ~8 ms of `re`).

    Anything unusual (an error, trailing data, no `_json`) is re-parsed by json.loads itself,
    which gives json's exact error messages."""
    global _scan
    try:
        if _scan is None:
            import _json

            _scan = _json.make_scanner(_DecoderSettings())
        obj, end = _scan(text, len(text) - len(text.lstrip(_WS)))
        if not text[end:].strip(_WS):
            return obj
    except Exception:
        pass
    import json

    return json.loads(text)


def dumps(obj: object) -> str:
    """Encode like awslambdaric: `, `/`: ` separators, NaN allowed, Decimal as its exact digits,
    and non-ASCII kept as is on the python3.12+ runtimes (escaped on older ones)."""
    decimals: list[str] = []
    marker = "\x00lambdactl-decimal-%d\x00"

    def default(o: object) -> object:
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            decimals.append(str(o))
            return marker % (len(decimals) - 1)
        raise TypeError("Object of type %s is not JSON serializable" % o.__class__.__name__)

    ascii_only = os.environ.get("AWS_EXECUTION_ENV") not in (
        "AWS_Lambda_python3.12",
        "AWS_Lambda_python3.13",
        "AWS_Lambda_python3.14",
        "AWS_Lambda_python3.15",
    )
    try:
        import _json

        escape = _json.encode_basestring_ascii if ascii_only else _json.encode_basestring
        text = "".join(_json.make_encoder({}, default, escape, None, ": ", ", ", False, False, True)(obj, 0))
    except (ImportError, AttributeError):
        import json

        text = json.dumps(obj, default=default, ensure_ascii=ascii_only)
    for i, digits in enumerate(decimals):
        text = text.replace('"\\u0000lambdactl-decimal-%d\\u0000"' % i, digits, 1)
    return text


# --- Context ----------------------------------------------------------------------------------


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity: "dict | None") -> None:
        identity = identity or {}
        self.cognito_identity_id = identity.get("cognitoIdentityId")
        self.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")

    def __repr__(self) -> str:
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, client: dict) -> None:
        for name in self.__slots__:
            setattr(self, name, client.get(name))

    def __repr__(self) -> str:
        return "Client([%s])" % ",".join("%s=%s" % (n, getattr(self, n)) for n in self.__slots__)


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, context: dict) -> None:
        self.custom = context.get("custom")
        self.env = context.get("env")
        self.client = Client(context["client"]) if context.get("client") is not None else None

    def __repr__(self) -> str:
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


class LambdaContext:
    """The `context` argument, with the attributes of awslambdaric's LambdaContext."""

    def __init__(
        self,
        aws_request_id: str,
        client_context: "dict | None",
        cognito_identity: "dict | None",
        deadline_ms: int,
        invoked_function_arn: "str | None",
        tenant_id: "str | None" = None,
    ) -> None:
        env = os.environ
        self.aws_request_id = aws_request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a string, as in Lambda
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        w3c = client_context.pop("w3c", None) if isinstance(client_context, dict) else None  # see w3c()
        w3c = w3c if isinstance(w3c, dict) else {}
        self._w3c = {k: v for k, v in w3c.items() if k in ("traceparent", "tracestate", "baggage") and isinstance(v, str)}
        self.client_context = ClientContext(client_context) if client_context is not None else None
        self.identity = CognitoIdentity(cognito_identity)
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def w3c(self) -> dict[str, str]:
        return dict(self._w3c)

    def log(self, msg: object) -> None:
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        names = ("aws_request_id", "log_group_name", "log_stream_name", "function_name", "memory_limit_in_mb",
                 "function_version", "invoked_function_arn", "client_context", "identity", "tenant_id")  # fmt: skip
        return "LambdaContext([%s])" % ",".join("%s=%s" % (n, getattr(self, n)) for n in names)


# --- Logging ------------------------------------------------------------------------------------


def _log_level() -> str:
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    return {None: "", "TRACE": "DEBUG"}.get(level, level).upper()


def configure_logging(logging) -> None:
    """Give the root logger Lambda's handler: `[LEVEL]\\t<time>Z\\t<request id>\\t<message>` on stdout."""

    class StdoutSink:
        @staticmethod
        def log(msg: str, frame_type: object = None) -> None:
            sys.stdout.write(msg)

    class LambdaLoggerHandler(logging.Handler):
        log_sink = StdoutSink()

        def emit(self, record) -> None:
            self.log_sink.log(self.format(record))

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record) -> bool:
            record.aws_request_id = _request_id
            record.tenant_id = _tenant_id
            return True

    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    if _log_level() in logging._nameToLevel:
        root.setLevel(_log_level())
    root.addHandler(handler)


class _LoggingLoader:
    """Wraps the loader of `logging` so that the module is configured as soon as it has run."""

    def __init__(self, loader) -> None:
        self._loader = loader

    def __getattr__(self, name: str):
        return getattr(self._loader, name)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        configure_logging(module)


class LoggingHook:
    """A meta-path finder that defers Lambda's logging set-up until `logging` is imported."""

    @classmethod
    def install(cls) -> None:
        if "logging" in sys.modules:
            configure_logging(sys.modules["logging"])
        else:
            sys.meta_path.insert(0, cls)  # type: ignore[arg-type]

    @classmethod
    def find_spec(cls, name: str, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(cls)  # type: ignore[arg-type]
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None and spec.loader is not None:
                spec.loader = _LoggingLoader(spec.loader)
                return spec
        return None


def _timestamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (now % 1 * 1000)


def log_error(error: dict) -> None:
    """awslambdaric's text error record: lines joined by CR, stack indents turned into NBSPs."""
    lines = ["[ERROR] %s: %s" % (error["errorType"], error["errorMessage"]) if error["errorMessage"] else "[ERROR] " + error["errorType"]]
    lines.append("Traceback (most recent call last):")
    for element in error["stackTrace"]:
        for line in element.splitlines() or [""]:
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")


def flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


# --- Handler loading and invocation ---------------------------------------------------------


def load_handler(handler: str):
    """Import `module.func` like awslambdaric's `_get_handler`, raising Fault on the known failures."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault(Fault.MALFORMED_HANDLER_NAME, "Bad handler '%s': %s" % (handler, e)) from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise Fault(Fault.BUILT_IN_MODULE_CONFLICT, "Cannot use built-in module %s as a handler module" % modname)
        import importlib

        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise Fault(Fault.IMPORT_MODULE_ERROR, "Unable to import module '%s': %s" % (modname, e)) from None
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (lambda_path(e.filename or ""), e.lineno, e.text)]
        raise Fault(Fault.USER_CODE_SYNTAX_ERROR, "Syntax error in module '%s': %s" % (modname, e), trace) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise Fault(Fault.HANDLER_NOT_FOUND, "Handler '%s' missing on module '%s'" % (fname, modname)) from None


def make_error(message: str, error_type: str, stack: "list[str] | None", request_id: str = "") -> dict:
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": request_id, "stackTrace": stack or []}


def user_frames(tb) -> list[tuple]:
    """The traceback as (file, line, name, text) tuples, the bootstrap's own leading frames dropped."""
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    while frames and frames[0][0] == __file__:
        frames.pop(0)
    return [(lambda_path(path), *rest) for path, *rest in frames]


def lambda_path(path: str) -> str:
    """A source file as Lambda names it: the function's code under /var/task, the runtime under
    /var/runtime, the standard library under /var/lang/lib/pythonX.Y (where they are on Lambda; here
    they may be anywhere on the host)."""
    places = ((os.environ.get("LAMBDA_TASK_ROOT"), "/var/task"), (os.path.dirname(__file__), "/var/runtime"),
              (os.path.dirname(os.__file__), "/var/lang/lib/python%d.%d" % sys.version_info[:2]))
    for host, lambda_dir in places:
        host = (host or "").rstrip("/")
        if host and (path == host or path.startswith(host + "/")):
            return lambda_dir + path[len(host):]
    return path


def error_from_exception(exc: BaseException, request_id: str = "") -> tuple[dict, dict]:
    """The error payload and the X-Ray cause for an exception raised by user code."""
    import traceback

    frames = user_frames(exc.__traceback__)
    error = make_error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)
    return error, xray_cause(type(exc).__name__, str(exc), frames)


def xray_cause(error_type: str, message: str, frames: list[tuple]) -> dict:
    stack = [{"label": name, "path": path, "line": line} for path, line, name, _ in frames]
    exception = {"message": message, "type": error_type, "stack": stack}
    return {"working_directory": lambda_path(os.getcwd()), "exceptions": [exception], "paths": list({f[0]: 0 for f in frames})}


def parse_header_json(value: "str | None", what: str) -> "dict | None":
    if not value:
        return None
    try:
        return loads(value)
    except Exception as e:
        raise Fault(Fault.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse %s JSON: %s" % (what, e)) from None


def handle(client: RuntimeClient, handler, headers: dict[str, str], body: bytes) -> None:
    """Run one invocation and post its result or its error."""
    global _request_id, _tenant_id
    request_id = _request_id = headers.get("lambda-runtime-aws-request-id", "")
    _tenant_id = headers.get("lambda-runtime-aws-tenant-id")
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        context = LambdaContext(
            request_id,
            parse_header_json(headers.get("lambda-runtime-client-context"), "Client Context"),
            parse_header_json(headers.get("lambda-runtime-cognito-identity"), "Cognito Identity"),
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
            _tenant_id,
        )
        if headers.get("content-type", "application/json") == "application/json":
            try:
                event = loads(body.decode("utf-8"))
            except Exception as e:
                raise Fault(Fault.UNMARSHAL_ERROR, "Unable to unmarshal input: %s" % e) from None
        else:
            event = body
        result = handler(event, context)
        if isinstance(result, bytes):
            payload, content_type = result, "application/unknown"
        else:
            try:
                payload, content_type = dumps(result).encode("utf-8"), "application/json"
            except Exception as e:
                raise Fault(Fault.MARSHAL_ERROR, "Unable to marshal response: %s" % e) from None
    except Fault as e:
        error = make_error(e.msg, e.exception_type, e.trace, request_id)
        cause = xray_cause("LambdaValidationError", e.msg, [])
    except Exception as e:
        error, cause = error_from_exception(e, request_id)
    else:
        flush_output()
        client.post("/invocation/%s/response" % request_id, payload, {"Content-Type": content_type})
        return
    log_error(error)
    flush_output()
    headers_out = {"Content-Type": "application/json", ERROR_TYPE_HEADER: error["errorType"]}
    cause_text = dumps(cause)
    if len(cause_text) < 1024 * 1024:
        headers_out[XRAY_CAUSE_HEADER] = cause_text
    client.post("/invocation/%s/error" % request_id, dumps(error).encode("utf-8"), headers_out)


def init_error(client: RuntimeClient, error: dict) -> None:
    """Report a failed init as awslambdaric does (warning, error record, /init/error), then exit 1."""
    if _log_level() not in ("ERROR", "CRITICAL", "FATAL"):
        sys.stdout.write("[WARNING]\t%s\t\t%s\n" % (_timestamp(), UNHANDLED_WARNING))
    log_error(error)
    flush_output()
    body = dumps(error).encode("utf-8")
    client.post("/init/error", body, {"Content-Type": "application/json", ERROR_TYPE_HEADER: error["errorType"]})
    sys.exit(1)


def start_debugger() -> None:
    """``--debug-port``: debugpy listens on 127.0.0.1:port and waits for a client before the handler loads."""
    port = os.environ.pop("_LAMBDACTL_DEBUG_PORT", "")
    if not port:
        return
    try:
        import debugpy
    except ImportError:
        raise Fault("Runtime.DebuggerUnavailable", "--debug-port needs debugpy: run `lambdactl runtimes "
                    "install-debugger` (or vendor debugpy with the function)") from None
    try:
        debugpy.listen(("127.0.0.1", int(port)))
    except Exception as e:  # the port is taken, most often
        raise Fault("Runtime.DebuggerUnavailable", "debugpy cannot listen on 127.0.0.1:%s: %s" % (port, e)) from None
    sys.stderr.write("lambdactl: debugpy listening on 127.0.0.1:%s, waiting for a client\n" % port)
    debugpy.wait_for_client()


def main() -> None:
    handler_name = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("_HANDLER", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # sys.path[0] is the bootstrap's directory: the task root takes its place (PYTHONPATH entries follow).
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p != here and p != task_root]
    sys.path.insert(0, task_root)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(line_buffering=True)
    LoggingHook.install()
    client = RuntimeClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))

    try:
        start_debugger()
        handler = load_handler(handler_name)
    except Fault as e:
        init_error(client, make_error(e.msg, e.exception_type, e.trace))
    except Exception as e:
        init_error(client, error_from_exception(e)[0])

    while True:
        headers, body = client.next()
        handle(client, handler, headers, body)


def run() -> None:
    """main(), with Runtime API failures turned into one stderr line and exit status 1."""
    try:
        main()
    except (RuntimeAPIError, OSError, EOFError) as exc:
        flush_output()
        sys.stderr.write("lambdactl python runtime: %s: %s\n" % (type(exc).__name__, exc))
        sys.exit(1)
