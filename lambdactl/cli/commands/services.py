"""Command groups for the embedded services: ``lambdactl sqs|kinesis|dynamodbstreams|events|scheduler|apigateway|apigatewayv2 <operation>``.

Their commands are built from each service's botocore model like Lambda's own, and run
against the control-plane operations registered as ``<service>:<Operation>``.
"""

from __future__ import annotations

import click

from lambdactl import model
from lambdactl.cli.groups import SuggestingGroup


def _operations(service: str) -> dict[str, str]:
    from lambdactl.control.index import supported_operations

    prefix = f"{service}:"
    modelled = model.service(service)["operations"]  # lambdactl's own operations get hand-written commands
    ops = [op[len(prefix):] for op in supported_operations() if op.startswith(prefix)] or _packaged(service)
    return {model.command_name(op): op for op in ops if op in modelled}


def _packaged(service: str) -> list[str]:
    """The operations a ``lambdactl/services/<service>`` package registers."""
    import importlib

    from lambdactl.control.plane import OPERATIONS

    importlib.import_module(f"lambdactl.services.{service}.operations")
    prefix = f"{service}:"
    return [op[len(prefix):] for op in OPERATIONS if op.startswith(prefix)]


def operation_for(service: str, command: str) -> str | None:
    """The API operation behind ``lambdactl <service> <command>`` (for error messages)."""
    return _operations(service).get(command)


class ServiceGroup(SuggestingGroup):
    def __init__(self, service: str, help_text: str, extras: dict[str, str] | None = None) -> None:
        super().__init__(name=service, help=help_text)
        self.service = service
        self.extras = extras or {}  # lambdactl's own commands in this group: name -> "module:attr"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*_operations(self.service), *self.extras})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        from lambdactl.cli.factory import OperationCommand

        if name in self.extras:
            module, attr = self.extras[name].split(":")
            return getattr(__import__(module, fromlist=[attr]), attr)
        op_name = _operations(self.service).get(name)
        return OperationCommand(op_name, self.service) if op_name else None


sqs = ServiceGroup("sqs", "Embedded queues with the commands, flags and outputs of `aws sqs`.")
kinesis = ServiceGroup("kinesis", "Embedded streams with the commands, flags and outputs of `aws kinesis`.")
dynamodbstreams = ServiceGroup(
    "dynamodbstreams",
    "Embedded DynamoDB streams with the commands of `aws dynamodbstreams`, and put-record to append to them.",
    extras={"put-record": "lambdactl.cli.commands.ddbstream:put_record"},
)
events = ServiceGroup("events", "Embedded EventBridge with the commands, flags and outputs of `aws events`.")
scheduler = ServiceGroup("scheduler", "Embedded EventBridge Scheduler with the commands of `aws scheduler`.")
apigateway = ServiceGroup("apigateway", "Embedded REST APIs with the commands, flags and outputs of `aws apigateway`.")
apigatewayv2 = ServiceGroup("apigatewayv2", "Embedded HTTP APIs with the commands, flags and outputs of `aws apigatewayv2`.")
