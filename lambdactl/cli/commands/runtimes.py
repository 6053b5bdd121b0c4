"""``lambdactl runtimes ...``: what the host runtimes need (the bundled AWS SDK, Java's classpath)."""

from __future__ import annotations

import click

from lambdactl.cli.globals import Globals


@click.group(name="runtimes", help="Host runtimes: the AWS SDK they bundle, the Java interfaces to compile against.")
def runtimes() -> None:
    pass


@runtimes.command(name="java-classpath")
@click.option("--runtime", default="java17", show_default=True, help="The Java runtime whose JDK compiles the classes.")
@click.pass_obj
def java_classpath(globals_: Globals, runtime: str) -> None:
    """Print the directory of the aws-lambda-java-core interfaces (Context, RequestHandler, ...), compiled
    once: compile functions with ``javac -cp "$(lambdactl runtimes java-classpath)"``."""
    from lambdactl.cli.connect import settings
    from lambdactl.model import validate
    from lambdactl.runtime import jvm

    validate.check_runtime(runtime)
    if not runtime.startswith("java"):
        from lambdactl import errors

        raise errors.UsageError(f"lambdactl runtimes java-classpath: {runtime} is not a Java runtime")
    click.echo(jvm.compiled(jvm.jdk_for(runtime), settings(globals_).state_dir / "cache"))
