"""Global options, accepted anywhere on the command line as the aws CLI accepts them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from lambdactl import errors
from lambdactl.cli import awsconfig

BINARY_FORMATS = ("base64", "raw-in-base64-out")

# flag -> (attribute, takes a value)
FLAGS: dict[str, tuple[str, bool]] = {
    "--output": ("output", True),
    "--query": ("query", True),
    "--region": ("region", True),
    "--state-dir": ("state_dir", True),
    "--endpoint-url": ("endpoint_url", True),
    "--cli-binary-format": ("cli_binary_format", True),
    "--profile": ("profile", True),
    "--color": ("color", True),
    "--cli-read-timeout": ("cli_read_timeout", True),
    "--cli-connect-timeout": ("cli_connect_timeout", True),
    "--ca-bundle": ("ca_bundle", True),
    "--debug": ("debug", False),
    "--no-paginate": ("no_paginate", False),
    "--no-cli-pager": ("no_cli_pager", False),
    "--no-verify-ssl": ("no_verify_ssl", False),
    "--no-sign-request": ("no_sign_request", False),
    "--cli-auto-prompt": ("cli_auto_prompt", False),
    "--no-cli-auto-prompt": ("no_cli_auto_prompt", False),
}


@dataclass
class Globals:
    output: str | None = None
    query: str | None = None
    region: str | None = None
    state_dir: str | None = None
    endpoint_url: str | None = None
    cli_binary_format: str | None = None
    profile: str | None = None
    color: str | None = None
    cli_read_timeout: str | None = None
    cli_connect_timeout: str | None = None
    ca_bundle: str | None = None
    debug: bool = False
    no_paginate: bool = False
    no_cli_pager: bool = False
    no_verify_ssl: bool = False
    no_sign_request: bool = False
    cli_auto_prompt: bool = False
    no_cli_auto_prompt: bool = False

    def render_options(self) -> dict[str, Any]:
        """What ``render`` takes from the global options."""
        return {"output": self.output, "query": self.query, "color": self.color or "auto"}

    def resolve(self) -> None:
        """Fill defaults from the environment and ~/.aws/config, as the aws CLI does. ``--profile`` is
        ``AWS_PROFILE`` for this command and what it starts (the function credentials ``profile``
        resolves); ``connect`` checks that it names a profile of the config or credentials file."""
        if self.profile is not None:
            os.environ["AWS_PROFILE"] = self.profile
            os.environ.pop("AWS_DEFAULT_PROFILE", None)  # botocore reads it first; the flag wins
        self.region = self.region or awsconfig.region()
        self.output = self.output or os.environ.get("AWS_DEFAULT_OUTPUT") or awsconfig.value("output") or "json"
        from lambdactl.render import OUTPUTS

        if self.output not in OUTPUTS:
            raise errors.UsageError(
                f"argument --output: Invalid choice, valid choices are:\n\n{' | '.join(OUTPUTS)}"
            )
        self.cli_binary_format = self.cli_binary_format or awsconfig.value("cli_binary_format") or "base64"
        if self.cli_binary_format not in BINARY_FORMATS:
            raise errors.UsageError(
                f"argument --cli-binary-format: Invalid choice, valid choices are:\n\n{' | '.join(BINARY_FORMATS)}"
            )


def split_globals(argv: list[str]) -> tuple[Globals, list[str]]:
    """Take the global options out of argv wherever they stand; return them and the rest."""
    found = Globals()
    rest: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--":
            rest.extend(argv[index:])
            break
        name, eq, inline = arg.partition("=")
        spec = FLAGS.get(name)
        if spec is None:
            rest.append(arg)
            index += 1
            continue
        attr, takes_value = spec
        if not takes_value:
            setattr(found, attr, True)
            index += 1
            continue
        if eq:
            value = inline
            index += 1
        elif index + 1 < len(argv):
            value = argv[index + 1]
            index += 2
        else:
            raise errors.UsageError(f"argument {name}: expected one argument")
        setattr(found, attr, value)
    return found, rest
