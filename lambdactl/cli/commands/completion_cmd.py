"""``lambdactl completion bash|zsh|fish``: the shell completion script, so a pip install needs no clone."""

from __future__ import annotations

import click
from lambdactl.cli.examples import epilog


@click.command(name="completion", help="Print the completion script for a shell (bash, zsh or fish).",
               epilog=epilog("lambdactl completion bash > ~/.local/share/bash-completion/completions/lambdactl"))
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Example: lambdactl completion bash > ~/.local/share/bash-completion/completions/lambdactl"""
    from lambdactl.cli.completion import script

    click.echo(script(shell), nl=False)
