"""Command groups for the embedded services: ``lambdactl sqs|kinesis|dynamodbstreams|logs|events|scheduler|apigateway|apigatewayv2|s3api <operation>``.

Their commands are built from each service's botocore model like Lambda's own, and run
against the control-plane operations registered as ``<service>:<Operation>`` by
``lambdactl/services/<service>/operations.py``.
"""

from __future__ import annotations

from typing import Any

import click

from lambdactl import model
from lambdactl.cli.groups import SuggestingGroup


def _operations(service: str) -> dict[str, str]:
    from lambdactl.plane import service_operations

    modelled = model.service(service)["operations"]  # lambdactl's own operations get hand-written commands
    ops = [op.partition(":")[2] for op in service_operations(service)]
    return {model.command_name(op): op for op in ops if op in modelled}


GROUP_SERVICES = {"s3api": "s3"}  # a group whose name is not its model's


def operation_for(group: str, command: str) -> str | None:
    """The API operation behind ``lambdactl <group> <command>`` (for error messages)."""
    return _operations(GROUP_SERVICES.get(group, group)).get(command)


class ServiceGroup(SuggestingGroup):
    def __init__(self, name: str, help_text: str, extras: dict[str, str] | None = None,
                 command_class: str = "lambdactl.cli.factory:OperationCommand") -> None:  # fmt: skip
        super().__init__(name=name, help=help_text)
        self.service = GROUP_SERVICES.get(name, name)
        self.extras = extras or {}  # lambdactl's own commands in this group: name -> "module:attr"
        self.command_factory = command_class  # builds a model command: (op_name, service) -> click.Command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*_operations(self.service), *self.extras})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.extras:
            return _attr(self.extras[name])
        op_name = _operations(self.service).get(name)
        return _attr(self.command_factory)(op_name, self.service) if op_name else None


def _attr(spec: str) -> Any:
    module, attr = spec.split(":")
    return getattr(__import__(module, fromlist=[attr]), attr)


sqs = ServiceGroup("sqs", "Embedded queues with the commands, flags and outputs of `aws sqs`.")
kinesis = ServiceGroup("kinesis", "Embedded streams with the commands, flags and outputs of `aws kinesis`.")
dynamodbstreams = ServiceGroup(
    "dynamodbstreams",
    "Embedded DynamoDB streams with the commands of `aws dynamodbstreams`, and put-record to append to them.",
    extras={"put-record": "lambdactl.cli.commands.ddbstream:put_record"},
)
logs = ServiceGroup(
    "logs",
    "Function logs with the commands of `aws logs` (get-log-events, filter-log-events, describe-log-streams, "
    "describe-log-groups), and tail.",
    extras={"tail": "lambdactl.cli.commands.logs:tail"},
)
events = ServiceGroup("events", "Embedded EventBridge with the commands, flags and outputs of `aws events`.")
scheduler = ServiceGroup("scheduler", "Embedded EventBridge Scheduler with the commands of `aws scheduler`.")
apigateway = ServiceGroup("apigateway", "Embedded REST APIs with the commands, flags and outputs of `aws apigateway`.")
apigatewayv2 = ServiceGroup("apigatewayv2", "Embedded HTTP APIs with the commands, flags and outputs of `aws apigatewayv2`.")
s3api = ServiceGroup(
    "s3api",
    "Embedded S3 buckets and objects with the commands, flags and outputs of `aws s3api`.",
    command_class="lambdactl.cli.commands.s3api:S3ApiCommand",
)
