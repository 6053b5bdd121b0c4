"""``lambdactl s3api <operation>``: commands built from botocore's s3 model, with the aws CLI's s3api
customizations: a streaming ``--body`` is a path to a local file, and ``get-object`` writes the
object to a positional OUTFILE instead of printing it."""

from __future__ import annotations

from typing import Any

import click

from lambdactl import errors, model
from lambdactl.cli.factory import OperationCommand
from lambdactl.cli.globals import Globals

S3 = "s3"


def _streaming(op_name: str, direction: str) -> str | None:
    """The streaming blob member of an operation's input or output (Body), if any."""
    ref = model.operation(op_name, S3).get(direction)
    if not ref:
        return None
    shape = model.shapes(S3)[ref["shape"]]
    return next((name for name, member in shape.get("members", {}).items() if member.get("streaming")), None)


class S3ApiCommand(OperationCommand):
    def __init__(self, op_name: str, service: str = S3) -> None:
        super().__init__(op_name, service)
        self.body_in = _streaming(op_name, "input")
        self.body_out = _streaming(op_name, "output")
        if self.body_out:
            self.params.append(click.Argument(["outfile"], metavar="OUTFILE"))

    def collect(self, values: dict[str, Any], globals_: Globals) -> dict[str, Any]:
        body_in = self.body_in or ""
        body_path = values.pop(model.xform_name(body_in, "_"), None) if body_in else None
        params = super().collect(values, globals_)
        if body_path is not None:
            try:
                params[body_in] = open(body_path, "rb")  # noqa: SIM115 - streamed by the operation
            except OSError:
                raise errors.UsageError(
                    f"Error parsing parameter '--{model.xform_name(body_in)}': Blob values must be a path to a file."
                ) from None
        return params

    def _run(self, **values: Any) -> None:
        if values.get("generate_cli_skeleton") or not self.body_out:
            values.pop("outfile", None)
            return super()._run(**values)
        outfile = values.pop("outfile")
        globals_: Globals = click.get_current_context().obj
        values.pop("generate_cli_skeleton")
        params = self.collect(values, globals_)
        from lambdactl.cli.timestamps import iso_timestamps
        from lambdactl.render import render
        from lambdactl.cli.connect import service_plane

        result = service_plane(globals_, "s3").call(model.plane_operation(self.op_name, S3), params)
        body = result.pop(self.body_out)
        try:
            write_stream(outfile, body)
        finally:
            body.close()
        result = iso_timestamps(result, model.operation(self.op_name, S3)["output"]["shape"], model.shapes(S3))
        render(result, operation=self.op_name, **globals_.render_options())


def write_stream(path: str, body: Any) -> None:
    """Copy a readable body to a file (or stdout for '-') chunk by chunk."""
    import shutil
    import sys

    if path == "-":
        shutil.copyfileobj(body, sys.stdout.buffer)
        sys.stdout.flush()
        return
    with open(path, "wb") as handle:
        shutil.copyfileobj(body, handle, 1 << 20)
