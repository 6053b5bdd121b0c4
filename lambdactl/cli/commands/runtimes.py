"""``lambdactl runtimes ...``: what the host runtimes need (the bundled AWS SDK, Java's classpath)."""

from __future__ import annotations

import click

from lambdactl.cli.globals import Globals
from lambdactl.cli.examples import epilog


@click.group(name="runtimes", help="Host runtimes: the AWS SDK they bundle, the Java interfaces to compile against.")
def runtimes() -> None:
    pass


@runtimes.command(name="install-sdk", epilog=epilog("lambdactl runtimes install-sdk --language python"))
@click.option("--language", "languages", multiple=True, type=click.Choice(["python", "node"]),
              help="Only this SDK (repeatable); default: both.")
@click.option("--scope", type=click.Choice(["installation", "state-dir"]), default="installation", show_default=True,
              help="Install for every state dir of this lambdactl installation, or only for the current state dir.")
@click.pass_obj
def install_sdk(globals_: Globals, languages: tuple[str, ...], scope: str) -> None:
    """Install the AWS SDK that Lambda bundles with its runtimes (boto3 for Python, the v3 @aws-sdk clients
    for Node.js), pinned with hashes, from PyPI and npm: functions import it without packaging it."""
    from lambdactl.cli.connect import settings
    from lambdactl.runtime.sdk.install import default_root, install

    root = default_root(settings(globals_).state_dir, scope)
    for line in install(root, languages or ("python", "node")):
        click.echo(line)


@runtimes.command(name="install-debugger", epilog=epilog("lambdactl runtimes install-debugger",
                                                         "lambdactl invoke --function-name f --debug-port 5678 out.json"))
@click.option("--scope", type=click.Choice(["installation", "state-dir"]), default="installation", show_default=True,
              help="Install for every state dir of this lambdactl installation, or only for the current state dir.")
@click.pass_obj
def install_debugger(globals_: Globals, scope: str) -> None:
    """Install debugpy (pinned with a hash, from PyPI), which `--debug-port` starts in Python functions;
    it is never downloaded on the invoke path."""
    from lambdactl.cli.connect import settings
    from lambdactl.runtime.sdk.install import default_root, install

    for line in install(default_root(settings(globals_).state_dir, scope), ("debugpy",)):
        click.echo(line)


@runtimes.command(name="java-classpath", epilog=epilog("lambdactl runtimes java-classpath", "javac -cp \"$(lambdactl runtimes java-classpath)\" -d build src/example/Hello.java"))
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
