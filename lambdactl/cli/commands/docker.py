"""``lambdactl docker ...``: the docker backend's images and leftover containers."""

from __future__ import annotations

from pathlib import Path

import click

from lambdactl import errors
from lambdactl.cli.globals import Globals
from lambdactl.cli.examples import epilog


def _state_dir(globals_: Globals) -> Path:
    from lambdactl.cli.connect import settings

    return settings(globals_).state_dir


@click.group(name="docker", help="The docker backend: container images and leftover containers.")
def docker() -> None:
    pass


@docker.command(name="cleanup", epilog=epilog("lambdactl docker cleanup"))
@click.option("--all", "everything", is_flag=True, help="Remove every lambdactl container of this state dir, "
              "not only those whose lambdactl process is gone.")
@click.pass_obj
def cleanup(globals_: Globals, everything: bool) -> None:
    """Remove containers left by a lambdactl that was killed (one name per line)."""
    from lambdactl.backends.docker import cleanup as remove_leftovers, connect

    for name in remove_leftovers(connect(), _state_dir(globals_), everything):
        click.echo(name)


@docker.command(name="pull", epilog=epilog("lambdactl docker pull --runtime python3.12"))
@click.argument("image", required=False)
@click.option("--runtime", help="Pull the image this runtime maps to (e.g. python3.12).")
@click.option("--function-name", help="Pull the image this function runs.")
@click.pass_obj
def pull(globals_: Globals, image: str | None, runtime: str | None, function_name: str | None) -> None:
    """Pull (or refresh) an image, even if the engine already has it."""
    from lambdactl.backends import images
    from lambdactl.backends.docker import connect

    state_dir = _state_dir(globals_)
    if function_name:
        from lambdactl.cli.connect import local_plane

        function = local_plane(globals_).call("GetFunction", {"FunctionName": function_name})
        config = function["Configuration"]
        image_uri = function["Code"].get("ImageUri")
        image = images.image_for(config["FunctionName"], config.get("Runtime"), image_uri, state_dir)
    elif runtime:
        image = images.image_for("", runtime, None, state_dir)
    if not image:
        raise errors.UsageError("lambdactl docker pull: give an IMAGE, --runtime or --function-name")
    images.pull(connect(), image)
    click.echo(image)


@docker.command(name="set-image", epilog=epilog("lambdactl docker set-image --runtime python3.12 my-registry/python:3.12"))
@click.argument("image", required=False)
@click.option("--runtime", help="Use IMAGE for every Zip function of this runtime (e.g. python3.12).")
@click.option("--function-name", help="Use IMAGE for this Zip function only.")
@click.option("--unset", is_flag=True, help="Go back to the default image.")
@click.pass_obj
def set_image(globals_: Globals, image: str | None, runtime: str | None, function_name: str | None, unset: bool) -> None:
    """Choose the image a runtime or a function runs on the docker backend (kept in <state dir>/docker.json)."""
    from lambdactl.backends import images

    if bool(runtime) == bool(function_name) or bool(image) == unset:
        raise errors.UsageError("lambdactl docker set-image: give --runtime or --function-name, and IMAGE or --unset")
    if runtime:
        from lambdactl import model

        runtimes = model.shapes()["Runtime"]["enum"]
        if runtime not in runtimes:
            raise errors.UsageError(f"lambdactl docker set-image: --runtime {runtime!r} is not a Lambda runtime "
                                    f"(one of {', '.join(runtimes)})")
    section, key = ("runtimes", runtime) if runtime else ("functions", function_name)
    images.save_setting(_state_dir(globals_), section, key or "", None if unset else image)
