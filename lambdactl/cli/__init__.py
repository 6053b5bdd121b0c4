"""The command line. ``main`` answers ``--version`` before loading Click, the cheapest start there is."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from lambdactl import __version__

        print(f"lambdactl {__version__}")
        return
    from lambdactl.cli.main import main as run

    run(args)
