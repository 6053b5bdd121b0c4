"""`lambdactl scheduler …` end to end: schedules and groups, one-time and recurring firings on the test clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROLE = "arn:aws:iam::123456789012:role/scheduler"
QUEUE_URL = "http://sqs.us-east-1.localhost/123456789012/out"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:out"
RECORDER = '''
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as f:
        f.write(json.dumps(event) + "\\n")
'''


@pytest.fixture(autouse=True)
def no_background_worker(cli):
    """advance-clock fires schedules and drain runs what they queue, here: no worker outlives the test
    (enabled schedules would keep one alive)."""
    cli.env["LAMBDACTL_AUTO_WORKER"] = "0"


def target(arn: str, **extra: object) -> str:
    return json.dumps({"Arn": arn, "RoleArn": ROLE, **extra})


def received(cli) -> list:
    out = []
    while messages := json.loads(cli("sqs", "receive-message", "--queue-url", QUEUE_URL, "--max-number-of-messages",
                                     "10").stdout or "{}").get("Messages"):  # fmt: skip
        out += [m["Body"] for m in messages]
        for m in messages:
            cli("sqs", "delete-message", "--queue-url", QUEUE_URL, "--receipt-handle", m["ReceiptHandle"])
    return out


def test_one_time_schedule_invokes_a_function_with_its_input_then_deletes_itself(cli, make_zip, tmp_path):
    out: Path = tmp_path / "events.jsonl"
    cli.create("job", make_zip({"app.py": RECORDER}), "--environment", json.dumps({"Variables": {"OUT": str(out)}}))
    cli("wait", "function-active-v2", "--function-name", "job")
    fn = "arn:aws:lambda:us-east-1:123456789012:function:job"
    arn = cli("scheduler", "create-schedule", "--name", "once", "--schedule-expression", "at(2030-01-01T09:00:00)",
              "--schedule-expression-timezone", "Europe/Paris", "--flexible-time-window", "Mode=OFF",
              "--action-after-completion", "DELETE",
              "--target", target(fn, Input='{"job": "report", "at": "<aws.scheduler.scheduled-time>"}')).json  # fmt: skip
    assert arn == {"ScheduleArn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/once"}
    shown = cli("scheduler", "get-schedule", "--name", "once").json
    assert shown["State"] == "ENABLED" and shown["GroupName"] == "default" and shown["ActionAfterCompletion"] == "DELETE"
    assert shown["Target"]["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
    assert cli("advance-clock").json["Firings"] == []
    days = 24 * 3600 * 365 * 5  # well past 2030-01-01
    [fired] = cli("advance-clock", "--seconds", str(days)).json["Firings"]
    assert fired["Count"] == 1 and fired["First"] == "2030-01-01T08:00:00Z"  # 09:00 in Paris (CET)
    cli("drain", "--timeout", "60")
    assert [json.loads(line) for line in out.read_text().splitlines()] == [{"job": "report", "at": "2030-01-01T08:00:00Z"}]
    gone = cli("scheduler", "get-schedule", "--name", "once", rc=254)
    assert "(ResourceNotFoundException)" in gone.stderr and "Schedule once does not exist." in gone.stderr
    assert cli("advance-clock", "--by", "30d").json["Firings"] == []


def test_recurring_schedule_in_a_group_with_start_and_end(cli):
    cli("sqs", "create-queue", "--queue-name", "out")
    group = cli("scheduler", "create-schedule-group", "--name", "reports").json
    assert group == {"ScheduleGroupArn": "arn:aws:scheduler:us-east-1:123456789012:schedule-group/reports"}
    cli("scheduler", "create-schedule", "--name", "hourly", "--group-name", "reports",
        "--schedule-expression", "cron(0 * * * ? *)", "--flexible-time-window", "Mode=OFF",
        "--end-date", "2000-01-01T00:00:00Z", "--start-date", "1999-01-01T00:00:00Z", "--target", target(QUEUE_ARN))  # fmt: skip
    assert cli("advance-clock", "--by", "1d").json["Firings"] == []  # ended long ago
    cli("scheduler", "update-schedule", "--name", "hourly", "--group-name", "reports",
        "--schedule-expression", "cron(0 * * * ? *)", "--flexible-time-window", "Mode=OFF", "--target", target(QUEUE_ARN))  # fmt: skip
    [fired] = cli("advance-clock", "--by", "3h").json["Firings"]
    assert fired["Count"] == 3 and fired["First"].endswith(":00:00Z")
    assert received(cli) == ["{}"] * 3  # no Input: an empty object, no envelope
    listed = cli("scheduler", "list-schedules", "--group-name", "reports").json["Schedules"]
    assert [(s["Name"], s["GroupName"], s["State"], s["Target"]) for s in listed] == [
        ("hourly", "reports", "ENABLED", {"Arn": QUEUE_ARN})]  # fmt: skip
    cli("scheduler", "delete-schedule-group", "--name", "reports")
    assert cli("scheduler", "list-schedules").json == {"Schedules": []}
    assert cli("advance-clock", "--by", "3h").json["Firings"] == []


def test_scheduler_errors(cli):
    base = ["scheduler", "create-schedule", "--flexible-time-window", "Mode=OFF", "--target", target(QUEUE_ARN)]
    bad = cli(*base, "--name", "x", "--schedule-expression", "rate(10 seconds)", rc=254)
    assert bad.stderr.strip() == ("An error occurred (ValidationException) when calling the CreateSchedule operation: "
                                  "Invalid Schedule Expression rate(10 seconds).")  # fmt: skip
    cli(*base, "--name", "x", "--schedule-expression", "rate(1 day)")
    again = cli(*base, "--name", "x", "--schedule-expression", "rate(1 day)", rc=254)
    assert "(ConflictException)" in again.stderr and "Schedule x already exists." in again.stderr
    missing = cli(*base, "--name", "y", "--schedule-expression", "rate(1 day)", "--group-name", "nope", rc=254)
    assert "(ResourceNotFoundException)" in missing.stderr
    zone = cli(*base, "--name", "z", "--schedule-expression", "rate(1 day)", "--schedule-expression-timezone", "Mars/Base", rc=254)
    assert "(ValidationException)" in zone.stderr
    cli("scheduler", "delete-schedule", "--name", "x")
    assert cli("scheduler", "delete-schedule", "--name", "x", rc=254).stderr.strip().endswith("Schedule x does not exist.")


def test_a_missing_function_sends_the_input_to_the_dead_letter_queue(cli):
    cli("sqs", "create-queue", "--queue-name", "out")
    missing = "arn:aws:lambda:us-east-1:123456789012:function:gone"
    cli("scheduler", "create-schedule", "--name", "dl", "--schedule-expression", "rate(1 hour)",
        "--flexible-time-window", "Mode=OFF",
        "--target", target(missing, Input='{"k": 1}', DeadLetterConfig={"Arn": QUEUE_ARN}))  # fmt: skip
    [fired] = cli("advance-clock", "--by", "1h").json["Firings"]
    assert fired["Count"] == 1
    assert received(cli) == ['{"k": 1}']


def test_a_flexible_window_fires_within_it_at_the_nominal_time(cli):
    cli("sqs", "create-queue", "--queue-name", "out")
    cli("scheduler", "create-schedule", "--name", "flex", "--schedule-expression", "rate(1 day)",
        "--flexible-time-window", "Mode=FLEXIBLE,MaximumWindowInMinutes=15",
        "--target", target(QUEUE_ARN, Input='"<aws.scheduler.scheduled-time>"'))  # fmt: skip
    assert cli("advance-clock", "--by", "1439m").json["Firings"] == []  # not due yet
    fired = cli("advance-clock", "--by", "16m").json["Firings"]  # the day and the whole window have passed
    assert [f["Count"] for f in fired] == [1]
    assert received(cli) == [json.dumps(fired[0]["First"])]
