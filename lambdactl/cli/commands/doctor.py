"""``lambdactl doctor``: what works on this machine, for each backend and runtime, and what to do about the rest."""

from __future__ import annotations

import click
from lambdactl.cli.examples import epilog


@click.command(name="doctor", help="Check this machine: state directory, backends (cgroups, Docker engine) and "
               "the interpreter behind each runtime.", epilog=epilog("lambdactl doctor"))  # fmt: skip
@click.pass_obj
def doctor(globals_) -> None:
    """Example: lambdactl doctor"""
    from tabulate import tabulate

    from lambdactl.runtime import capabilities
    from lambdactl.cli import version_line
    from lambdactl.cli.connect import settings
    from lambdactl.state import discovery

    state_dir = settings(globals_).state_dir
    from lambdactl.state.leftovers import sweep_run_dirs

    served = discovery.find(state_dir) if state_dir.exists() else None
    swept = sweep_run_dirs(state_dir) if state_dir.exists() else 0
    checks = [
        capabilities.Check("lambdactl", True, version_line().removeprefix("lambdactl ").split(" backends/")[0]),
        capabilities.Check("system", capabilities.is_supported_system(),
                           "Linux: every backend" if capabilities.is_supported_system()
                           else "not Linux: only the docker backend is expected to work"),
        capabilities.Check("state directory", True, f"{state_dir}" + ("" if state_dir.exists() else " (not created yet)")),
        capabilities.Check("serve", True, f"{served['url']} (pid {served['pid']})" if served else "not running"),
        capabilities.Check("leftovers", True, f"removed {swept} work dir(s) of killed lambdactl processes"
                           if swept else "none (no work dir of a killed lambdactl process)"),
        capabilities.containment(),
        capabilities.cpu_limit(),
        capabilities.docker_engine(),
        capabilities.docker_network(state_dir),
        *capabilities.bundled_sdk(state_dir),
        *capabilities.runtimes(),
    ]  # fmt: skip
    rows = [(check.area, "ok" if check.ok else "--", check.detail) for check in checks]
    click.echo(tabulate(rows, headers=["check", "", "detail"], tablefmt="plain", maxcolwidths=[None, None, 90]))
