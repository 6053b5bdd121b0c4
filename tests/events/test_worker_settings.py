"""The events modules' numeric settings, drain as a library call, and the dead-letter version lookup."""

from __future__ import annotations

import pytest

from lambdactl import errors
from lambdactl.events import queue, worker
from lambdactl.events.pollers import base, manager
from lambdactl.server import worker as process
from tests.events.conftest import event_invoke

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def test_env_numbers(monkeypatch):
    monkeypatch.delenv("LAMBDACTL_RETRY_DELAY_SCALE", raising=False)
    monkeypatch.delenv("LAMBDACTL_ASYNC_CONCURRENCY", raising=False)
    monkeypatch.delenv("LAMBDACTL_CONCURRENCY_LIMIT", raising=False)
    assert worker.delay_scale() == 1 / 60 and worker.concurrency() == 1000
    monkeypatch.setenv("LAMBDACTL_RETRY_DELAY_SCALE", "")
    assert worker.delay_scale() == 1 / 60
    monkeypatch.setenv("LAMBDACTL_RETRY_DELAY_SCALE", " 2.5 ")
    monkeypatch.setenv("LAMBDACTL_ASYNC_CONCURRENCY", " 2.5 ")
    assert worker.delay_scale() == 2.5 and worker.concurrency() == 2


@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("LAMBDACTL_ASYNC_CONCURRENCY", worker.concurrency),
        ("LAMBDACTL_RETRY_DELAY_SCALE", worker.delay_scale),
        ("LAMBDACTL_ESM_POLL_S", base.poll_s),
    ],
)
def test_a_setting_that_is_not_a_number_is_a_configuration_error(monkeypatch, name, read):
    monkeypatch.setenv(name, "fast")
    with pytest.raises(errors.ConfigurationError) as caught:
        read()
    assert caught.value.message == f"{name} must be a number, got 'fast'"
    assert caught.value.exit_code == errors.EXIT_CONFIGURATION


def test_an_int_setting_must_be_finite(monkeypatch):
    monkeypatch.setenv("LAMBDACTL_ASYNC_CONCURRENCY", "inf")
    with pytest.raises(errors.ConfigurationError, match="LAMBDACTL_ASYNC_CONCURRENCY must be a number, got 'inf'"):
        worker.concurrency()


def test_drain_with_nothing_pending(plane):
    assert process.drain(plane.settings, 5) == (True, 0, 0)


def test_drain_reports_what_is_left_on_timeout(plane, make_function, monkeypatch, tmp_path):
    monkeypatch.setenv("LAMBDACTL_AUTO_WORKER", "0")
    monkeypatch.setattr(manager, "pending", lambda plane: 0)
    make_function("f")
    monkeypatch.setattr(worker.Worker, "drain", lambda self, timeout: False)  # as if another worker held the lock
    event_invoke(plane, "f", {"out": str(tmp_path / "out.jsonl")})
    assert process.drain(plane.settings, 0.1) == (False, 1, 0)
    assert queue.pending(plane) == 1


def test_dead_letter_target_of_a_qualifier_names_the_aliased_version(plane, make_function):
    QUEUE = "arn:aws:sqs:us-east-1:123456789012:"
    make_function("f", DeadLetterConfig={"TargetArn": QUEUE + "v1-dlq"})
    plane.call("PublishVersion", {"FunctionName": "f"})
    plane.call("UpdateFunctionConfiguration", {"FunctionName": "f", "DeadLetterConfig": {"TargetArn": QUEUE + "latest-dlq"}})
    plane.call("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "1"})

    def event(qualifier: str | None) -> queue.Event:
        return queue.Event(1, "f", qualifier, b"{}", "r", 0.0, 0, 0, None)

    assert worker._dead_letter_arn(plane, event("live"), None) == QUEUE + "v1-dlq"
    assert worker._dead_letter_arn(plane, event("1"), None) == QUEUE + "v1-dlq"
    assert worker._dead_letter_arn(plane, event(None), None) == QUEUE + "latest-dlq"
    assert worker._dead_letter_arn(plane, event("live"), {"executedVersion": "$LATEST"}) == QUEUE + "latest-dlq"
    assert worker._dead_letter_arn(plane, event("gone"), None) is None
    assert worker._dead_letter_arn(plane, event("7"), None) is None
