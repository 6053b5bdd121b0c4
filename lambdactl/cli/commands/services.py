"""Command groups for the embedded event sources: ``lambdactl sqs|kinesis|dynamodbstreams <operation>``.

Their commands are built from each service's botocore model like Lambda's own, and run
against the control-plane operations registered as ``<service>:<Operation>``.
"""

from __future__ import annotations

import click

from lambdactl import model


class ServiceGroup(click.Group):
    def __init__(self, service: str, help_text: str) -> None:
        super().__init__(name=service, help=help_text)
        self.service = service

    def _operations(self) -> dict[str, str]:
        from lambdactl.control.plane import supported_operations

        prefix = f"{self.service}:"
        ops = [op[len(prefix):] for op in supported_operations() if op.startswith(prefix)]
        return {model.command_name(op): op for op in ops}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._operations())

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        from lambdactl.cli.factory import OperationCommand

        op_name = self._operations().get(name)
        return OperationCommand(op_name, self.service) if op_name else None


sqs = ServiceGroup("sqs", "Embedded queues with the commands, flags and outputs of `aws sqs`.")
kinesis = ServiceGroup("kinesis", "Embedded streams with the commands, flags and outputs of `aws kinesis`.")
dynamodbstreams = ServiceGroup(
    "dynamodbstreams", "Embedded DynamoDB streams with the commands of `aws dynamodbstreams`."
)
