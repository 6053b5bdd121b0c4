"""``lambdactl wait <waiter>``: poll an operation until the waiter's acceptors say stop (botocore waiters)."""

from __future__ import annotations

import time
from typing import Any

import click

from lambdactl import errors, model
from lambdactl.cli.factory import OperationCommand
from lambdactl.cli.globals import Globals


class WaiterCommand(OperationCommand):
    def __init__(self, waiter_name: str) -> None:
        self.waiter_name = waiter_name
        self.config = model.service()["waiters"][waiter_name]
        super().__init__(self.config["operation"])
        self.name = model.xform_name(waiter_name)
        self.help = self.short_help = self.config.get("description", "")

    def _run(self, **values: Any) -> None:
        from lambdactl.cli.connect import control_plane

        globals_: Globals = click.get_current_context().obj
        if values.pop("generate_cli_skeleton"):
            raise errors.UsageError("--generate-cli-skeleton is not supported for waiters")
        params = self.collect(values, globals_)
        plane = control_plane(globals_)
        for attempt in range(1, self.config["maxAttempts"] + 1):
            state = self._poll(plane, params)
            if state == "success":
                return
            if state == "failure":
                raise errors.WaiterError(
                    f"Waiter {self.waiter_name} failed: Waiter encountered a terminal failure state: "
                    f"{self._reason}"
                )
            if attempt < self.config["maxAttempts"]:
                time.sleep(self.config["delay"])
        raise errors.WaiterError(f"Waiter {self.waiter_name} failed: Max attempts exceeded")

    def _poll(self, plane: Any, params: dict[str, Any]) -> str:
        """One call; returns the state of the first matching acceptor ("retry" when none matches)."""
        import jmespath

        try:
            response, error_code, error_message = plane.call(self.config["operation"], dict(params)), None, ""
        except errors.ServiceError as exc:
            response, error_code, error_message = None, exc.code, exc.message
        for acceptor in self.config["acceptors"]:
            matcher, expected = acceptor["matcher"], acceptor["expected"]
            if matcher == "error":
                matched = error_code == expected if isinstance(expected, str) else (error_code is None) != expected
            elif response is None:
                continue
            elif matcher == "path":
                matched = jmespath.search(acceptor["argument"], response) == expected
            elif matcher == "status":
                matched = expected == 200
            else:
                continue
            if matched:
                self._reason = f'For expression "{acceptor.get("argument", matcher)}" we matched expected path: "{expected}"'
                return acceptor["state"]
        if error_code is not None:
            raise errors.WaiterError(
                f"Waiter {self.waiter_name} failed: An error occurred ({error_code}): {error_message}"
            )
        return "retry"


class WaitGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(model.xform_name(name) for name in model.service()["waiters"])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        for waiter_name in model.service()["waiters"]:
            if model.xform_name(waiter_name) == name:
                return WaiterCommand(waiter_name)
        return None


wait = WaitGroup(name="wait", help="Wait until a condition is met (function-active, function-updated, ...).")
