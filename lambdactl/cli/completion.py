"""Shell completion on Click's protocol (``_LAMBDACTL_COMPLETE={bash,zsh,fish}_complete``).

Click completes commands (also the model-built ones) and flags; this module adds what it
cannot know: global options anywhere on the line (and their values), enum values from the
service model (``--runtime``), and function names read from the state directory.

``python -m lambdactl.cli.completion --write completions/`` writes the shell scripts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import (
    BashComplete,
    CompletionItem,
    FishComplete,
    ShellComplete,
    ZshComplete,
)

if TYPE_CHECKING:
    from lambdactl.cli.factory import Member

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]
PROG = "lambdactl"
FILES = {"bash": "lambdactl.bash", "zsh": "_lambdactl", "fish": "lambdactl.fish"}
INSTALL = {
    "bash": "source /path/to/completions/lambdactl.bash   # e.g. in ~/.bashrc",
    "zsh": "cp completions/_lambdactl ~/.zfunc/  # with fpath+=(~/.zfunc); autoload -U compinit; compinit in ~/.zshrc",
    "fish": "cp completions/lambdactl.fish ~/.config/fish/completions/",
}
_state_dir: str | None = None  # --state-dir of the line being completed


def member_completer(member: Member) -> Completer | None:
    """What a model-built flag completes to: function names, or the values of its enum."""
    if member.path[-1] == "FunctionName":
        return complete_function_names
    shape = member.shape
    if member.type == "list":
        from lambdactl import model

        shape = model.shapes(member.service).get(shape["member"]["shape"], {})
    values = shape.get("enum")
    return _choices(values) if values else None


def _choices(values: list[str]) -> Completer:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        return [CompletionItem(value) for value in values if value.startswith(incomplete)]

    return complete


def complete_function_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Names of the state directory's functions, read-only, without creating or migrating anything."""
    import sqlite3

    from lambdactl.settings import default_state_dir
    from lambdactl.state.store import DB_NAME

    if _state_dir == "":  # refused by the command itself
        return []
    database = Path(_state_dir or default_state_dir()) / DB_NAME
    if not database.is_file():
        return []
    try:
        with sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=1) as conn:
            rows = conn.execute("SELECT name FROM functions WHERE name LIKE ? ESCAPE '\\' ORDER BY name",
                                (incomplete.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",)).fetchall()  # fmt: skip
    except sqlite3.Error:
        return []
    return [CompletionItem(name) for (name,) in rows]


def _global_values(flag: str, incomplete: str) -> list[CompletionItem]:
    from lambdactl.cli.globals import BINARY_FORMATS
    from lambdactl.render import OUTPUTS

    if flag in ("--state-dir", "--ca-bundle"):
        return [CompletionItem(incomplete, type="dir" if flag == "--state-dir" else "file")]
    values = {"--output": OUTPUTS, "--cli-binary-format": BINARY_FORMATS, "--color": ("on", "off", "auto")}.get(flag, ())
    return [CompletionItem(value) for value in values if value.startswith(incomplete)]


def _globals_aware(base: type[ShellComplete]) -> type[ShellComplete]:
    class GlobalsAware(base):  # type: ignore[valid-type, misc]
        """Takes global options out of the line first, as ``main`` does before Click parses it."""

        value_of: str | None = None

        def get_completion_args(self) -> tuple[list[str], str]:
            from lambdactl.cli.globals import FLAGS, split_globals

            global _state_dir
            args, incomplete = super().get_completion_args()
            if args and FLAGS.get(args[-1], ("", False))[1]:
                self.value_of, args = args[-1], args[:-1]
            found, rest = split_globals(args)
            _state_dir = found.state_dir
            return rest, incomplete

        def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
            if self.value_of:
                return _global_values(self.value_of, incomplete)
            items = super().get_completions(args, incomplete)
            if incomplete.startswith("--"):
                from lambdactl.cli.globals import FLAGS

                items += [CompletionItem(flag) for flag in FLAGS if flag.startswith(incomplete)]
            return items

    GlobalsAware.__name__ = base.__name__
    return GlobalsAware


def install() -> None:
    """Register lambdactl's completion classes in place of Click's (call before ``cli.main``)."""
    for base in (BashComplete, ZshComplete, FishComplete):
        click.shell_completion.add_completion_class(_globals_aware(base), base.name)


def script(shell: str) -> str:
    """The completion script for ``shell``: Click's source with an install header."""
    from lambdactl.cli.main import cli

    shell_class = click.shell_completion.get_completion_class(shell)
    assert shell_class is not None, shell
    source = shell_class(cli, {}, PROG, "_LAMBDACTL_COMPLETE").source()
    header = (f"# lambdactl completion for {shell}, generated by Click's completion support: do not edit,\n"
              f"# regenerate with `python -m lambdactl.cli.completion --write completions/`.\n"
              f"# Install: {INSTALL[shell]}\n"
              f"# Or without this file: eval \"$(_LAMBDACTL_COMPLETE={shell}_source lambdactl)\"\n")  # fmt: skip
    if shell == "fish":
        header = header.replace('eval "$(', "").replace(')"', " | source")
    first, _, rest = source.partition("\n")
    if first.startswith("#compdef"):  # zsh needs it on the first line
        return f"{first}\n{header}{rest.rstrip()}\n"
    return f"{header}\n{source.rstrip()}\n"


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for shell, name in FILES.items():
        path = directory / name
        path.write_text(script(shell))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> Any:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m lambdactl.cli.completion", description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="DIR", required=True, help="write lambdactl.bash, _lambdactl, lambdactl.fish")
    for path in write(Path(parser.parse_args(argv).write)):
        print(path)


if __name__ == "__main__":
    sys.exit(main())
