"""Click commands built from the service model, as the aws CLI builds its own.

Every operation becomes ``lambdactl <kebab-name>`` with one flag per input member
(kebab-case), ``--cli-input-json|yaml`` and ``--generate-cli-skeleton``. A command
only parses: it hands a params dict to the control plane and the result to render.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from typing import Any

import click

from lambdactl import errors, model
from lambdactl.cli import customizations, paramfile
from lambdactl.cli.globals import Globals

LIST_SEPARATOR = "\x1f"  # joins the words of a space-separated list value
RAW_BINARY_HINT = (
    "Hint: text here is read as base64, as the aws CLI v2 does. To pass it as is, add "
    "--cli-binary-format raw-in-base64-out (or fileb://FILE for a file's bytes)."
)
SCALAR_TYPES = {"string", "integer", "long", "boolean", "blob", "timestamp", "double", "float"}


class Member:
    """One CLI parameter: where it goes in the params dict and how its text becomes a value."""

    def __init__(
        self, path: tuple[str, ...], shape_name: str, flag: str, required: bool, service: str = model.LAMBDA
    ) -> None:
        self.path = path
        self.shape_name = shape_name
        self.service = service
        self.shape = model.shapes(service)[shape_name]
        self.flag = flag
        self.required = required
        self.dest = flag[2:].replace("-", "_")

    @property
    def type(self) -> str:
        return self.shape["type"]

    def option(self, doc: str) -> click.Option:
        name = self.flag[2:]
        if self.type == "boolean":
            return click.Option([f"--{name}/--no-{name}", self.dest], default=None, help=doc)
        metavar = "<value>" if self.type in SCALAR_TYPES else "<value> [<value>...]" if self.type == "list" else "<value>"
        return click.Option([self.flag, self.dest], default=None, help=doc, metavar=metavar,
                            shell_complete=self._complete)

    def _complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        """Shell completion, loaded only when a shell asks (function names, enum values)."""
        from lambdactl.cli.completion import member_completer

        completer = member_completer(self)
        return completer(ctx, param, incomplete) if completer else []

    def convert(self, raw: str, globals_: Globals) -> Any:
        if self.type == "blob":
            return blob_value(raw, self.flag, globals_.cli_binary_format or "base64")
        if self.type == "list":
            words: list[Any] = [paramfile.load(word, self.flag) for word in raw.split(LIST_SEPARATOR)]
            return self._parse(words if len(words) > 1 else words[0])
        value: Any = paramfile.load(raw, self.flag)  # bytes for fileb://
        if self.type in ("integer", "long"):
            try:
                return int(value)
            except ValueError:
                raise errors.UsageError(
                    f"Error parsing parameter '{self.flag}': invalid literal for int() with base 10: '{value}'"
                ) from None
        if self.type in ("double", "float"):
            try:
                return float(value)
            except ValueError:
                raise errors.UsageError(f"Error parsing parameter '{self.flag}': could not convert '{value}'") from None
        if self.type in ("structure", "map"):
            return self._parse(value)
        return value

    def _parse(self, raw: str | list[str]) -> Any:
        """JSON or shorthand (the shorthand parser's regexes are costly to compile: only loaded here)."""
        from lambdactl.cli.shorthand import parse_param

        return parse_param(raw, self.shape_name, model.shapes(self.service), self.flag)


def option_help(member: Member, doc: str) -> str:
    """A flag's help: the model's sentence, its allowed values, and whether the operation needs it."""
    shape = member.shape
    if shape["type"] == "list":
        shape = model.shapes(member.service)[shape["member"]["shape"]]
    if shape.get("enum"):
        doc = doc.rstrip()
        values = ", ".join(shape["enum"])
        if doc.endswith(("following options.", "following values.", ":")):
            doc = f"{doc.rstrip(':.')}: {values}."
        else:
            doc = f"{doc} Possible values: {values}.".lstrip()
    return f"[required] {doc}" if member.required else doc


def blob_value(raw: str, flag: str, binary_format: str) -> bytes:
    """A blob flag: ``fileb://`` is raw bytes; text is base64 (CLI v2) or raw with raw-in-base64-out."""
    loaded = paramfile.load(raw, flag, binary=True)
    if isinstance(loaded, bytes):
        return loaded
    if flag == "--zip-file":  # only fileb:// gives zip bytes (awscli customizations/awslambda.py)
        from lambdactl.cli.customizations import ZIP_FILE_ERROR

        raise errors.UsageError(ZIP_FILE_ERROR)
    if binary_format == "raw-in-base64-out":
        return loaded.encode()
    try:
        return base64.b64decode(loaded, validate=True)
    except (binascii.Error, ValueError):
        raise errors.UsageError(f'Invalid base64: "{loaded}"\n{RAW_BINARY_HINT}') from None


def members_of(op_name: str, service: str = model.LAMBDA) -> list[Member]:
    shape = model.input_shape(op_name, service) or {"members": {}, "required": []}
    required = set(shape.get("required", [])) - customizations.not_required(op_name, service)
    hidden = customizations.hidden_members(op_name, service)
    members = [
        Member((name,), ref["shape"], "--" + model.xform_name(name), name in required, service)
        for name, ref in shape["members"].items()
        if name not in hidden
    ]
    if service == model.LAMBDA:
        members += customizations.extra_members(op_name, Member)
    return members


class OperationCommand(click.Command):
    """``lambdactl <operation>``: parse, call the control plane, render."""

    def __init__(self, op_name: str, service: str = model.LAMBDA) -> None:
        self.op_name = op_name
        self.service = service
        self.members = members_of(op_name, service)
        shape = model.input_shape(op_name, service) or {"members": {}}
        params: list[click.Parameter] = []
        for member in self.members:
            doc = (
                shape["members"].get(member.path[-1], {}).get("doc")
                or customizations.EXTRA_DOCS.get(member.flag)
                or member.shape.get("doc")
                or f"The {member.path[-1]} parameter of {op_name}."
            )
            params.append(member.option(option_help(member, doc)))
        params += customizations.extra_params(op_name, service)
        params += [
            click.Option(["--cli-input-json"], default=None, metavar="<value>",
                         help="Read arguments from a JSON string or file:// (explicit flags win)."),
            click.Option(["--cli-input-yaml"], default=None, metavar="<value>",
                         help="Read arguments from a YAML string or file:// (explicit flags win)."),
            click.Option(["--generate-cli-skeleton"], is_flag=False, flag_value="input", default=None,
                         type=click.Choice(["input", "output", "yaml-input"]),
                         help="Print a skeleton of the input (or output) and exit."),
        ]  # fmt: skip
        params += customizations.pagination_params(op_name, service)
        doc = model.operation(op_name, service).get("doc", "")
        super().__init__(name=model.command_name(op_name), params=params, callback=self._run, help=doc, short_help=doc)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, gather_list_words(args, self._list_flags()))

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """An example for the common case (built only when help is shown)."""
        from lambdactl.cli.examples import example

        positional = "out.json" if any(isinstance(p, click.Argument) for p in self.params) else ""
        text = example(ctx.command_path, self.op_name, self.service, self.members, positional)
        title, _, line = text.partition("\n\n")
        with formatter.section(title):
            formatter.write_text("\b\n" + line.strip())

    def _list_flags(self) -> set[str]:
        return {member.flag for member in self.members if member.type == "list"}

    def _run(self, **values: Any) -> None:
        ctx = click.get_current_context()
        globals_: Globals = ctx.obj
        skeleton_kind = values.pop("generate_cli_skeleton")
        if skeleton_kind:
            customizations.print_skeleton(self.op_name, skeleton_kind, self.service)
            return
        params = self.collect(values, globals_)
        customizations.run(self.op_name, params, values, globals_, self.service)

    def collect(self, values: dict[str, Any], globals_: Globals) -> dict[str, Any]:
        """The API input: --cli-input-json/yaml first, explicit flags over it, then client-side checks."""
        params: dict[str, Any] = {}
        cli_input_json = values.pop("cli_input_json")
        cli_input_yaml = values.pop("cli_input_yaml")
        if cli_input_json:
            params.update(paramfile.load_object(cli_input_json, "--cli-input-json", json.loads))
        if cli_input_yaml:
            import yaml

            params.update(paramfile.load_object(cli_input_yaml, "--cli-input-yaml", yaml.safe_load))
        for member in self.members:
            raw = values.pop(member.dest, None)
            if raw is None:
                continue
            value = raw if isinstance(raw, bool) else member.convert(raw, globals_)
            target = params
            for key in member.path[:-1]:
                target = target.setdefault(key, {})
            target[member.path[-1]] = value
        if self.service == model.LAMBDA:
            customizations.adjust_params(self.op_name, params)
        missing = [m.flag for m in self.members if m.required and _lookup(params, m.path) is None]
        if missing:
            # a usage error (banner + "lambdactl: error: ..."), as argparse reports it in the aws CLI
            raise click.UsageError(f"the following arguments are required: {', '.join(missing)}")
        from lambdactl.cli.client_validation import validate_params

        validate_params(params, self.op_name, self.service)
        return params


def _lookup(params: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = params
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def gather_list_words(args: list[str], list_flags: set[str]) -> list[str]:
    """``--layers a b c`` -> ``--layers a<US>b<US>c``: list flags take every word up to the next flag."""
    out: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        out.append(arg)
        index += 1
        if arg in list_flags:
            words = []
            while index < len(args) and not args[index].startswith("--"):
                words.append(args[index])
                index += 1
            if words:
                out.append(LIST_SEPARATOR.join(words))
    return out


def write_bytes(path: str, data: bytes) -> None:
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    with open(path, "wb") as handle:
        handle.write(data)
