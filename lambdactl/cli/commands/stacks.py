"""``lambdactl deploy``, ``list-stacks``, ``delete-stack``: templates (SAM / CloudFormation) as stacks.

Thin: the work is in ``lambdactl/templates``; these parse flags and render what it returns.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from lambdactl import errors
from lambdactl.cli.connect import local_plane
from lambdactl.cli.examples import epilog
from lambdactl.cli.globals import Globals


def _output(globals_: Globals) -> dict[str, Any]:
    """The plan is a table unless ``--output`` (or AWS_DEFAULT_OUTPUT) asks for another format."""
    options = globals_.render_options()
    if "--output" not in sys.argv and not os.environ.get("AWS_DEFAULT_OUTPUT"):
        options["output"] = "table"
    return options


def _template(path: str | None, built: bool = False) -> Path:
    """``--template``, else (for deploy) what ``build`` made, else template.yaml/.yml/.json here."""
    if path:
        return Path(path)
    names = ["template.yaml", "template.yml", "template.json"]
    if built:
        names.insert(0, ".aws-sam/build/template.yaml")
    for name in names:
        if Path(name).is_file():
            return Path(name)
    return Path("template.yaml")


def project(template: str | None, stack_name: str | None, overrides: tuple[str, ...], env_vars: str | None,
            watch: bool) -> Any:
    """The ``templates.names.Project`` the options name (``--env-vars`` read here: a bad file is a usage error)."""
    from lambdactl.templates import envvars
    from lambdactl.templates.names import Project, parse_overrides, stack_name_for

    path = _template(template, built=not watch)  # --watch builds from the sources itself
    if env_vars is not None:
        envvars.read(Path(env_vars))
    return Project(path, stack_name_for(path, stack_name), parse_overrides(overrides),
                   Path(env_vars) if env_vars is not None else None)


ENV_VARS_HELP = ('JSON file overriding the functions\' declared environment variables, as sam local --env-vars: '
                 '{"FunctionLogicalId": {"VAR": "value"}, "Parameters": {"VAR": "value"}}.')


@click.command(name="deploy", help="lambdactl extension: deploy a SAM or CloudFormation template onto this state "
               "directory as a stack: create, update and delete what changed, in dependency order, through the "
               "control plane; a second deploy of an unchanged template does nothing. Prints the changes.",
               epilog=epilog("lambdactl deploy --template template.yaml --stack-name app --parameter-overrides Stage=dev"))
@click.option("--template", "--template-file", "-t", "template", default=None, metavar="<value>",
              help="The template (default: template.yaml here).")
@click.option("--stack-name", default=None, metavar="<value>", help="The stack (default: the template's folder name).")
@click.option("--parameter-overrides", multiple=True, metavar="<Key=Value>", help="Template parameters, Key=Value ...")
@click.option("--env-vars", default=None, metavar="<file>", help=ENV_VARS_HELP)
@click.option("--watch", is_flag=True, help="Keep running: rebuild (if built) and redeploy on every change.")
@click.argument("more_overrides", nargs=-1, required=False)
@click.pass_obj
def deploy(globals_: Globals, template: str | None, stack_name: str | None, parameter_overrides: tuple[str, ...],
           env_vars: str | None, watch: bool, more_overrides: tuple[str, ...]) -> None:
    from lambdactl.render import render
    from lambdactl.templates import envvars

    target = project(template, stack_name, parameter_overrides + more_overrides, env_vars, watch)
    plane = local_plane(globals_)
    if watch:
        from lambdactl.templates.watch import watch as watch_and_deploy

        watch_and_deploy(plane, target, lambda line: click.echo(line, err=True))
        return
    from lambdactl.templates.noop import unchanged

    variables = envvars.read(target.env_vars) if target.env_vars else None
    # a no-op redeploy needs neither the template parsed nor the handlers
    result = unchanged(plane, target.template, target.stack, target.overrides, variables)
    if result is None:
        from lambdactl.render.progress import steps
        from lambdactl.templates import deploy as stacks

        with steps() as progress:
            result = stacks.deploy(plane, target.template, target.stack, target.overrides, progress.step,
                                   progress.expect, env_vars=variables)
    click.echo(result["Message"], err=True)
    render({"Changes": result["Changes"]} if result["Changes"] else {}, operation="Deploy", **_output(globals_))


@click.command(name="list-stacks", help="lambdactl extension: the stacks `deploy` made here, with their status.",
               epilog=epilog("lambdactl list-stacks --output table"))
@click.pass_obj
def list_stacks(globals_: Globals) -> None:
    from lambdactl.render import render
    from lambdactl.templates import deploy as stacks

    render(stacks.list_stacks(local_plane(globals_)), operation="ListStacks", **globals_.render_options())


@click.command(name="delete-stack", help="lambdactl extension: delete every resource a stack made, then the stack.",
               epilog=epilog("lambdactl delete-stack --stack-name app"))
@click.option("--stack-name", required=True, metavar="<value>", help="The stack to delete.")
@click.pass_obj
def delete_stack(globals_: Globals, stack_name: str) -> None:
    from lambdactl.render import render
    from lambdactl.templates import deploy as stacks

    result = stacks.delete_stack(local_plane(globals_), stack_name)
    if result["Changes"]:  # deleting a stack that does not exist prints nothing, as aws cloudformation does
        render({"Changes": result["Changes"]}, operation="DeleteStack", **_output(globals_))


@click.command(name="build", help="lambdactl extension: build each function of a SAM template as sam build does: "
               "code and dependencies (requirements.txt for the function's Python version and architecture, "
               "package.json with npm, Java sources with javac against lib/*.jar) in .aws-sam/build/<LogicalId>/, plus "
               ".aws-sam/build/template.yaml, which deploy then uses. Unchanged functions are skipped.",
               epilog=epilog("lambdactl build && lambdactl deploy"))
@click.option("--template", "--template-file", "-t", "template", default=None, metavar="<value>",
              help="The template (default: template.yaml here).")
def build(template: str | None) -> None:
    from lambdactl.render.progress import steps
    from lambdactl.templates import build as builder

    with steps() as progress:
        built = builder.build(_template(template), progress.step, progress.expect)
    click.echo(f"Build Succeeded: {built}", err=True)  # not a step: the progress bar counts the functions


@click.command(name="export", help="lambdactl extension: write this state directory as a template "
               "(<dir>/template.yaml, code zips under <dir>/code/) that deploy recreates here and that AWS takes: "
               "SAM (sam deploy) or plain CloudFormation (aws cloudformation package + deploy): functions, versions "
               "and aliases, layers, queues, buckets, each function's events, URLs, concurrency and invoke configs.",
               epilog=epilog("lambdactl export --output-dir out && sam deploy -t out/template.yaml --guided"))
@click.option("--output-dir", default="lambdactl-export", metavar="<value>", help="Where to write (default: lambdactl-export).")
@click.option("--format", "format_", type=click.Choice(["sam", "cloudformation"]), default="sam", help="The template dialect.")
@click.pass_obj
def export(globals_: Globals, output_dir: str, format_: str) -> None:
    import yaml

    from lambdactl.templates.export import export as export_state

    out = Path(output_dir)
    try:
        template = export_state(local_plane(globals_), out)
        if format_ == "cloudformation":
            from lambdactl.templates.cloudformation import from_sam

            template = from_sam(template)
        (out / "template.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
    except OSError as exc:  # not a folder, not writable: one line, as the aws CLI reports a file it cannot write
        raise errors.LambdactlError(f"Cannot write the export to {output_dir}: {exc}") from None
    click.echo(f"Wrote {out / 'template.yaml'} ({len(template['Resources'])} resources)", err=True)
