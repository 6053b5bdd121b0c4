"""The command line. ``main`` answers ``--version`` before loading Click, the cheapest start there is,
and hands the common forms of ``invoke`` to ``fast_invoke`` (a running background worker, no Click)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        print(version_line())
        return
    if "invoke" in args:
        from lambdactl.cli.fast_invoke import run as fast_invoke

        code = fast_invoke(args)
        if code is not None:
            sys.exit(code)
    from lambdactl.cli.main import main as run

    run(args)


def version_line() -> str:
    """As the aws CLI's: version, interpreter and system, then the backends found by cheap probes only
    (``lambdactl doctor`` checks cgroups, the Docker engine and each runtime's interpreter)."""
    import os

    from lambdactl import __version__

    system = os.uname()
    docker = os.environ.get("DOCKER_HOST") or os.path.exists("/var/run/docker.sock")
    backends = "subprocess,docker" if docker else "subprocess"
    python = ".".join(map(str, sys.version_info[:3]))
    return (f"lambdactl {__version__} Python/{python} {system.sysname}/{system.release} {system.machine} "
            f"backends/{backends} (lambdactl doctor: details)")
