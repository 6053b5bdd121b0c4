"""``lambdactl invoke`` in its common forms, sent straight to the background worker without Click.

A warm CLI invoke is mostly start-up: Click, the service model and the control plane cost about
twice Python's own start. When the state directory's background worker runs and takes this
process's invokes (``events/background.py``), ``run`` sends the invocation to it as
``connect.WorkerPlane`` would, writes OUTFILE and prints the JSON the full command prints. It
takes only these forms (global options anywhere, ``--flag=value`` too)::

    lambdactl [--region R] [--output json] [--state-dir DIR] [--cli-binary-format F]
              [--cli-read-timeout S] [--cli-connect-timeout S]
        invoke --function-name NAME [--qualifier Q] [--payload P] [--log-type Tail|None]
               [--invocation-type RequestResponse|Event] OUTFILE

Anything else (another flag or form, a value it does not vouch for, no worker for this process, a
``serve`` for the state directory, an endpoint URL, ``LAMBDACTL_FAST_INVOKE=0``) returns None
before anything is sent, and the full command runs. Once the request is sent, errors go through
the CLI's one error edge (``cli.main.fail``), as the full command's do.

Every import here is paid by each warm invoke: the standard library's cheapest, and lambdactl
modules kept light for this (``settings.py``, ``state/discovery.py``, ``server/client.py``,
``render/formats.py``, ``cli/awsconfig.py``); not the model: tests/cli/test_fast_invoke.py checks
the wire names below against it.
"""

from __future__ import annotations

import os
import sys
TYPE_CHECKING = False  # typing's, without importing typing (~2 ms)
if TYPE_CHECKING:
    from lambdactl.settings import Settings

GLOBAL_OPTIONS = {"--region": "region", "--output": "output", "--state-dir": "state_dir",
                  "--cli-binary-format": "binary_format", "--cli-read-timeout": "read_timeout",
                  "--cli-connect-timeout": "connect_timeout"}  # fmt: skip
INVOKE_OPTIONS = {"--function-name": "FunctionName", "--qualifier": "Qualifier", "--payload": "Payload",
                  "--invocation-type": "InvocationType", "--log-type": "LogType"}  # fmt: skip
CHOICES = {"InvocationType": ("RequestResponse", "Event"), "LogType": ("Tail", "None")}
BINARY_FORMATS = ("base64", "raw-in-base64-out")  # globals.BINARY_FORMATS (that module loads dataclasses)
# Invoke as the model binds it to rest-json (protocols/rest_json.py)
PATH = "/2015-03-31/functions/{}/invocations"
REQUEST_HEADERS = {"InvocationType": "x-amz-invocation-type", "LogType": "x-amz-log-type"}
RESPONSE_HEADERS = {"FunctionError": "X-Amz-Function-Error", "LogResult": "X-Amz-Log-Result",
                    "ExecutedVersion": "X-Amz-Executed-Version", "DurableExecutionArn": "X-Amz-Durable-Execution-Arn"}  # fmt: skip


def run(args: list[str]) -> int | None:
    """Invoke as ``lambdactl *args`` would and return its exit code; None: not a form taken here,
    nothing done (the full command runs)."""
    parsed = parse(args)
    if parsed is None or "_LAMBDACTL_COMPLETE" in os.environ:
        return None
    options, params, outfile = parsed
    from lambdactl import errors, settings

    try:
        if not (settings.FAST_INVOKE.get() and settings.WARM_INVOKE.get()) or settings.ENDPOINT_URL.get():
            return None
        request = _request(params, options)
        from lambdactl.cli import awsconfig

        region = options.get("region") or awsconfig.region() or ""
        url = _worker_url(settings.Settings(options.get("state_dir"), region))
    except errors.LambdactlError:  # a setting or region the full command reports
        return None
    if request is None or url is None or os.environ.get("AWS_ENDPOINT_URL_LAMBDA"):
        return None
    from lambdactl.server.client import EndpointConnectionError, RemotePlane, timeout_option

    try:
        read_timeout, connect_timeout = timeout_option(options.get("read_timeout")), timeout_option(options.get("connect_timeout"))
    except ValueError:  # not a number: the full command reports it
        return None
    try:
        try:
            plane = RemotePlane(url, timeout=read_timeout, connect_timeout=connect_timeout)
            status, headers, body = plane.send("POST", *request)
        except EndpointConnectionError as exc:
            if not exc.sent:
                return None  # the worker is gone: the full command runs the invoke (and starts a worker)
            raise
        if status >= 300:
            from lambdactl import model, protocols

            raise protocols.codec(model.LAMBDA).parse_error(status, headers, body)
        result: dict[str, object] = {"StatusCode": status}
        for member, header in RESPONSE_HEADERS.items():
            value = headers.get(header)
            if value is not None:
                result[member] = value
        with open(outfile, "wb") as handle:
            handle.write(body)
        from lambdactl.render import formats

        formats.write_json(result, sys.stdout)
        try:
            sys.stdout.flush()
        except (OSError, ValueError):  # as render() does
            pass
        return 0
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - handed to the CLI's one error edge
        from lambdactl.cli.main import fail

        fail(exc, ["invoke"])


def parse(args: list[str]) -> tuple[dict[str, str], dict[str, str], str] | None:
    """(global options, Invoke's options by member, OUTFILE), or None for anything else: an unknown
    flag, a repeated one, a value that is empty or starts with ``-``, a file:// value but the
    payload's, a choice outside ``CHOICES``, a second positional."""
    options: dict[str, str] = {}
    params: dict[str, str] = {}
    outfile: str | None = None
    command = False
    index = 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if not eq:
                if index + 1 == len(args):
                    return None
                value = args[index + 1]
                index += 1
            index += 1
            key = GLOBAL_OPTIONS.get(name)
            target = options
            if key is None and command:
                key, target = INVOKE_OPTIONS.get(name), params
            if key is None or key in target or not value or value.startswith("-"):
                return None
            if key != "Payload" and value.startswith(("file://", "fileb://")):
                return None
            if value not in CHOICES.get(key, (value,)):
                return None
            target[key] = value
        elif arg.startswith("-") or command and outfile is not None:
            return None
        elif command:
            outfile = arg
            index += 1
        elif arg == "invoke":
            command = True
            index += 1
        else:
            return None
    if not command or outfile is None or "FunctionName" not in params:
        return None
    return options, params, outfile


def _request(params: dict[str, str], options: dict[str, str]) -> tuple[str, dict[str, str], bytes] | None:
    """(path and query, headers, body) as ``RemotePlane`` sends Invoke; None if the global options
    and the aws config ask for what the full command must handle (an output other than json)."""
    from lambdactl.cli import awsconfig

    output = options.get("output") or os.environ.get("AWS_DEFAULT_OUTPUT") or awsconfig.value("output") or "json"
    binary_format = options.get("binary_format") or awsconfig.value("cli_binary_format") or "base64"
    if output != "json" or binary_format not in BINARY_FORMATS:
        return None
    from urllib.parse import quote, urlencode

    target = PATH.format(quote(params["FunctionName"], safe="~"))
    if "Qualifier" in params:
        target += "?" + urlencode([("Qualifier", params["Qualifier"])])
    headers = {header: params[member] for member, header in REQUEST_HEADERS.items() if member in params}
    body = _payload(params["Payload"], binary_format) if "Payload" in params else b""
    return None if body is None else (target, headers, body)


def _payload(raw: str, binary_format: str) -> bytes | None:
    """The blob ``--payload`` gives (``factory.blob_value``), None where that would be an error."""
    for prefix in ("fileb://", "file://"):
        if raw.startswith(prefix):
            try:
                with open(os.path.expanduser(raw[len(prefix):]), "rb") as handle:
                    return handle.read()
            except OSError:
                return None
    if binary_format == "raw-in-base64-out":
        try:
            return raw.encode()
        except UnicodeEncodeError:
            return None
    import base64
    import binascii

    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None


def _worker_url(where: Settings) -> str | None:
    """The URL of the state directory's background worker if it takes this process's invokes
    (``background.find_worker``, without waiting for one that starts), and no ``serve`` serves it."""
    from lambdactl.state import discovery
    from lambdactl.settings import fingerprint

    if discovery.find(where.state_dir) is not None:
        return None
    record = discovery.find(where.region_dir, discovery.WORKER_FILE_NAME)  # each region has its worker
    if not record or not record.get("url") or record.get("region") != where.region:
        return None
    return record["url"] if record.get("settings") == fingerprint() else None
