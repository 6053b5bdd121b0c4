"""``lambdactl generate-event SOURCE EVENT [--field value ...]``: a sample event in Lambda's format,
ready for ``invoke --payload file://...`` (as ``sam local generate-event``)."""

from __future__ import annotations

import os
from typing import Any

import click

from lambdactl import sample_events, settings
from lambdactl.cli.globals import Globals
from lambdactl.cli.examples import epilog


def _event_command(name: str, event: sample_events.Event) -> click.Command:
    params: list[click.Parameter] = [
        click.Option([f.flag], default=[f.default] if f.multiple else f.default, multiple=f.multiple,
                     show_default=True, metavar="<value>", help=f.help,
                     type=click.Choice(f.choices) if f.choices else None)
        for f in event.fields
    ]  # fmt: skip
    params += [
        click.Option(["--account-id"], default=None, metavar="<value>",
                     help="The account id in ARNs (default: LAMBDACTL_ACCOUNT_ID or 123456789012)."),
        click.Option(["--compact"], is_flag=True, help="Print the event on one line instead of indented by 4."),
    ]  # fmt: skip

    def run(account_id: str | None, compact: bool, **fields: Any) -> None:
        import json

        globals_: Globals = click.get_current_context().obj or Globals()
        values = {key: list(value) if isinstance(value, tuple) else value for key, value in fields.items()}
        values["region"] = (globals_.region or os.environ.get("AWS_REGION")
                            or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")  # fmt: skip
        values["account_id"] = account_id or settings.ACCOUNT_ID.get()
        if "size" in values and not str(values["size"]).isdigit():
            raise click.BadParameter(f"'{values['size']}' is not a number of bytes.", param_hint="'--size'")
        data = sample_events.generate(event, values)
        click.echo(json.dumps(data, separators=(",", ":")) if compact else json.dumps(data, indent=4, ensure_ascii=False))

    return click.Command(name, params=params, callback=run, help=f"{event.help} (--region sets awsRegion.)",
                         short_help=event.help)  # fmt: skip


class _SourceGroup(click.Group):
    def __init__(self, source: str) -> None:
        real = sample_events.ALIASES.get(source, source)
        alias = f" (alias of {real})" if real != source else ""
        super().__init__(name=source, help=f"Sample {real} events{alias}.")
        self.source = source

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(sample_events.EVENTS[sample_events.ALIASES.get(self.source, self.source)])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        event = sample_events.find(self.source, name)
        if event is None:
            return None
        command = _event_command(name, event)
        command.epilog = epilog(f"lambdactl generate-event {self.source} {name} > event.json",
                                "lambdactl invoke --function-name my-function --payload fileb://event.json out.json")
        return command


class _GenerateGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*sample_events.EVENTS, *sample_events.ALIASES])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        known = name in sample_events.EVENTS or name in sample_events.ALIASES
        return _SourceGroup(name) if known else None


@click.group(name="generate-event", cls=_GenerateGroup, invoke_without_command=True,
             help="lambdactl extension: print a sample event (SOURCE EVENT) in Lambda's exact format, "
                  "e.g. `generate-event sqs receive-message --body hi > e.json; invoke --payload file://e.json`.")  # fmt: skip
@click.option("--list", "list_", is_flag=True, help="List the sources and their events.")
@click.pass_context
def generate_event(ctx: click.Context, list_: bool) -> None:
    if ctx.invoked_subcommand:
        return
    if not list_:
        click.echo(ctx.get_help())
        return
    for source in sorted([*sample_events.EVENTS, *sample_events.ALIASES]):
        real = sample_events.ALIASES.get(source, source)
        for name, event in sorted(sample_events.EVENTS[real].items()):
            click.echo(f"{source}\t{name}\t{event.help}")
