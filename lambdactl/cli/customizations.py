"""Where a command differs from the plain model, as the aws CLI's customizations do.

``--zip-file`` hoisted out of ``Code``, ``invoke``'s (and ``invoke-with-response-stream``'s) positional outfile, pagination
flags for list operations, and lambdactl's own ``--backend`` extension.
"""

from __future__ import annotations

from typing import Any

import click

from lambdactl import errors, model
from lambdactl.cli.globals import Globals

ZIP_FILE_ERROR = (
    "--zip-file must be a zip file with the fileb:// prefix.\nExample usage:  --zip-file fileb://path/to/file.zip"
)
NOT_REQUIRED = {"CreateFunction": {"Role", "Code"}}  # Role: placeholder; Code: may come as --zip-file
# ... but botocore still insists on Code once --zip-file is merged in; only Role stays optional.
CLIENT_NOT_REQUIRED = {"CreateFunction": {"Role"}}
EXTRA_DOCS = {
    "--zip-file": "The path to the zip file of the code you are uploading (fileb://path/to/file.zip).",
    "--backend": "lambdactl extension: where the function runs, subprocess (default) or docker.",
}
BACKEND_OPS = {"CreateFunction", "UpdateFunctionConfiguration"}


def paginator(op_name: str, service: str = model.LAMBDA) -> dict[str, Any] | None:
    pages = model.service(service)["paginators"].get(op_name)
    simple = pages and all(
        isinstance(pages.get(key), str) and "." not in pages[key] for key in ("input_token", "output_token", "result_key")
    )
    return pages if simple else None  # nested or multi-key paginators: one page, tokens as plain flags


def not_required(op_name: str, service: str = model.LAMBDA) -> set[str]:
    return NOT_REQUIRED.get(op_name, set()) if service == model.LAMBDA else set()


def hidden_members(op_name: str, service: str = model.LAMBDA) -> set[str]:
    hidden = set()
    pages = paginator(op_name, service)
    if pages:
        hidden |= {pages["input_token"], pages["limit_key"]}
    if service == model.LAMBDA and op_name in ("CreateFunction", "UpdateFunctionCode", "PublishLayerVersion"):
        hidden.add("ZipFile")
    return hidden


def extra_members(op_name: str, member_cls: Any) -> list[Any]:
    extras = []
    if op_name == "CreateFunction":
        extras.append(member_cls(("Code", "ZipFile"), "Blob", "--zip-file", False))
    elif op_name == "UpdateFunctionCode":
        extras.append(member_cls(("ZipFile",), "Blob", "--zip-file", False))
    elif op_name == "PublishLayerVersion":
        extras.append(member_cls(("Content", "ZipFile"), "Blob", "--zip-file", False))
    if op_name in BACKEND_OPS:
        extras.append(member_cls(("LambdactlBackend",), "String", "--backend", False))
    return extras


def extra_params(op_name: str, service: str = model.LAMBDA) -> list[click.Parameter]:
    if service == model.LAMBDA and op_name == "InvokeWithResponseStream":
        return [click.Argument(["outfile"], required=False, metavar="OUTFILE")]
    if service == model.LAMBDA and op_name == "Invoke":
        return [
            click.Argument(["outfile"], required=False, metavar="OUTFILE"),
            click.Option(
                ["--fail-on-function-error"],
                is_flag=True,
                default=False,
                help="lambdactl extension: exit 1 when the function fails or times out (the aws CLI exits 0), "
                "with the error type and message on stderr.",
            ),
            click.Option(
                ["--show-logs"],
                is_flag=True,
                default=False,
                help="lambdactl extension: print the function's log lines (print output, START/END/REPORT) "
                "to stderr as it runs, decoded.",
            ),
            click.Option(
                ["--debug-port"],
                type=click.IntRange(1, 65535),
                default=None,
                metavar="<port>",
                help="lambdactl extension, as sam local invoke --debug-port: run the function here in a new environment "
                "that waits for a debugger on 127.0.0.1:<port> (Python: debugpy, from `lambdactl runtimes "
                "install-debugger`; Node.js: the inspector), with its timeout lifted.",
            ),
        ]
    return []


def pagination_params(op_name: str, service: str = model.LAMBDA) -> list[click.Option]:
    if not paginator(op_name, service):
        return []
    return [
        click.Option(["--starting-token"], default=None, metavar="<value>", help="A token from a previous NextToken."),
        click.Option(["--page-size"], type=int, default=None, metavar="<value>", help="Items per service call."),
        click.Option(["--max-items"], type=int, default=None, metavar="<value>", help="Total items to return."),
    ]


def adjust_params(op_name: str, params: dict[str, Any]) -> None:
    """Check the blob flags that must be zip files (after --cli-input-json merged in)."""
    code = params.get("Code") if op_name == "CreateFunction" else params.get("Content") if op_name == "PublishLayerVersion" else params
    if not isinstance(code, dict) or "ZipFile" not in code:
        return
    if isinstance(code["ZipFile"], str):  # from --cli-input-json/yaml: base64 text, as in the API's JSON
        import base64
        import binascii

        try:
            code["ZipFile"] = base64.b64decode(code["ZipFile"], validate=True)
        except (binascii.Error, ValueError):
            raise errors.UsageError(f'Invalid base64: "{code["ZipFile"]}"') from None
    if not isinstance(code["ZipFile"], (bytes, bytearray)):
        raise errors.UsageError(ZIP_FILE_ERROR)
    if not _opens_as_zip(bytes(code["ZipFile"])):
        raise errors.UsageError(ZIP_FILE_ERROR)


def _opens_as_zip(data: bytes) -> bool:
    """The aws CLI's client-side check: the bytes must open as a zip (deeper damage is the service's to find)."""
    if data[:2] != b"PK":
        return False
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        return False
    return True


def print_skeleton(op_name: str, kind: str, service: str = model.LAMBDA) -> None:
    from lambdactl.cli.skeleton import skeleton, skeleton_text

    op = model.operation(op_name, service)
    ref = op.get("output") if kind == "output" else op.get("input")
    doc = skeleton(ref["shape"], model.shapes(service), kind) if ref else {}
    click.echo(skeleton_text(doc, kind), nl=False)


def run(
    op_name: str, params: dict[str, Any], values: dict[str, Any], globals_: Globals, service: str = model.LAMBDA
) -> None:
    """Call the control plane (Lambda's API may be served; embedded sources are always local) and render."""
    from lambdactl.cli.connect import control_plane, service_plane
    from lambdactl.render import render

    plane = control_plane(globals_) if service == model.LAMBDA else service_plane(globals_, service)
    if service == model.LAMBDA and op_name == "Invoke":
        _invoke(plane, params, values, globals_)
        return
    if service == model.LAMBDA and op_name == "InvokeWithResponseStream":
        _invoke_stream(plane, params, values, globals_)
        return
    call_name = model.plane_operation(op_name, service)
    pages = paginator(op_name, service)
    if pages and not globals_.no_paginate:
        from lambdactl.cli.pagination import paginate

        result = paginate(plane, call_name, params, pages, values)
    else:
        if pages and values.get("page_size") is not None:
            from lambdactl.cli.pagination import check_page_size

            params[pages["limit_key"]] = check_page_size(values["page_size"], pages["limit_key"])
        result = plane.call(call_name, params)
    output_ref = model.operation(op_name, service).get("output")
    if output_ref:
        from lambdactl.cli.timestamps import iso_timestamps

        result = iso_timestamps(result, output_ref["shape"], model.shapes(service))
    render(result, operation=op_name, **globals_.render_options())


def _invoke_stream(plane: Any, params: dict[str, Any], values: dict[str, Any], globals_: Globals) -> None:
    """As ``invoke``: the PayloadChunks go to OUTFILE (``-``: stdout), each written as it arrives; the
    response's other members are printed, with the InvokeComplete event's (ErrorCode, ErrorDetails,
    LogResult) under ``InvokeComplete``."""
    import sys

    from lambdactl.render import render

    outfile = values.get("outfile")
    if not outfile:
        raise errors.UsageError("the following arguments are required: outfile")
    result = plane.call("InvokeWithResponseStream", params)
    events = result.pop("EventStream", None) or ()
    handle = sys.stdout.buffer if outfile == "-" else open(outfile, "wb")
    try:
        for event in events:
            if "PayloadChunk" in event:
                handle.write(event["PayloadChunk"].get("Payload") or b"")
                handle.flush()
            elif "InvokeComplete" in event:
                result["InvokeComplete"] = event["InvokeComplete"]
    finally:
        if handle is not sys.stdout.buffer:
            handle.close()
    render(result, operation="InvokeWithResponseStream", **globals_.render_options())


def _invoke(plane: Any, params: dict[str, Any], values: dict[str, Any], globals_: Globals) -> None:
    from lambdactl.cli.factory import write_bytes
    from lambdactl.render import render

    outfile = values.get("outfile")
    if not outfile:
        raise errors.UsageError("the following arguments are required: outfile")
    if values.get("debug_port"):
        plane = _debugging_plane(globals_, values["debug_port"])
    follower = _follow_logs(plane, params, globals_) if values.get("show_logs") else None
    tail_asked = params.get("LogType") == "Tail"
    if values.get("show_logs") and follower is None:  # a server of another state directory: its tail, after
        params["LogType"] = "Tail"
    ran = False
    try:
        result = plane.call("Invoke", params)
        ran = True
    finally:
        if follower is not None:
            follower.stop(ran)
    if values.get("show_logs") and follower is None:
        from lambdactl.cli.logfollow import print_tail

        print_tail(result.get("LogResult"))
        if not tail_asked:
            result.pop("LogResult", None)
    payload = result.pop("Payload", b"") or b""
    write_bytes(outfile, payload)
    render(result, operation="Invoke", **globals_.render_options())
    if values.get("fail_on_function_error") and result.get("FunctionError"):
        click.echo(function_error_line(result["FunctionError"], payload), err=True)
        raise click.exceptions.Exit(1)


def _debugging_plane(globals_: Globals, port: int) -> Any:
    """The state directory's own plane, invoking in a fresh environment of this process that waits for a
    debugger (never a server's or the worker's warm one, started without it)."""
    from lambdactl.cli.connect import local_plane
    from lambdactl.server.environments import OneShotEnvironments

    plane = local_plane(globals_)
    plane.environments = OneShotEnvironments(
        plane.settings, debug_port=port,
        announce=lambda port: click.echo(f"lambdactl: the function waits for a debugger on 127.0.0.1:{port}", err=True))
    return plane


def function_error_line(kind: str, payload: bytes) -> str:
    """``--fail-on-function-error``'s one line on stderr: Lambda's errorType and errorMessage."""
    import json

    try:
        error = json.loads(payload)
    except ValueError:
        error = None
    if not isinstance(error, dict):
        return f"The function failed ({kind}): {payload[:500].decode(errors='replace')}"
    return f"The function failed ({kind}): {error.get('errorType', 'Error')}: {error.get('errorMessage', '')}"


def _follow_logs(plane: Any, params: dict[str, Any], globals_: Globals) -> Any:
    """A LogFollower on the function's log group when its logs are in reach (this state directory)."""
    if getattr(plane, "store", None) is None:  # only a remote server: no log store here
        return None
    from lambdactl.cli.connect import local_plane
    from lambdactl.cli.logfollow import LogFollower
    from lambdactl.control.logs import log_group

    reader = local_plane(globals_)
    try:
        config = reader.call(
            "GetFunctionConfiguration",
            {"FunctionName": params["FunctionName"], **({"Qualifier": params["Qualifier"]} if params.get("Qualifier") else {})},
        )
    except errors.LambdactlError:  # the invoke itself reports a missing function
        return None
    return LogFollower(reader, log_group(config)).start()
