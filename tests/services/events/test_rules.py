"""`lambdactl events …` end to end: real CLI processes, real functions, the async queue, the schedule clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ACCOUNT_RULE = "arn:aws:events:us-east-1:123456789012:rule/"
RECORDER = '''
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as f:
        f.write(json.dumps(event) + "\\n")
    return {"ok": True}
'''


@pytest.fixture(autouse=True)
def no_background_worker(cli):
    """advance-clock fires schedules and drain runs what they queue, here: no worker outlives the test
    (enabled schedules would keep one alive)."""
    cli.env["LAMBDACTL_AUTO_WORKER"] = "0"


def lines(path: Path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def recorder(cli, make_zip, tmp_path):
    """``recorder("f")`` -> the file that function ``f`` appends each event it receives to."""

    def make(name: str, *, allow_rules: tuple[str, ...] = ()) -> Path:
        out = tmp_path / f"{name}.jsonl"
        code = make_zip({"app.py": RECORDER})
        cli.create(name, code, "--environment", json.dumps({"Variables": {"OUT": str(out)}}))
        cli("wait", "function-active-v2", "--function-name", name)
        for rule in allow_rules:
            cli("add-permission", "--function-name", name, "--statement-id", f"events-{rule}", "--action",
                "lambda:InvokeFunction", "--principal", "events.amazonaws.com", "--source-arn", ACCOUNT_RULE + rule)  # fmt: skip
        return out

    return make


def lambda_arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


def test_rule_lifecycle_and_errors(cli):
    arn = cli("events", "put-rule", "--name", "every-5", "--schedule-expression", "rate(5 minutes)").json["RuleArn"]
    assert arn == ACCOUNT_RULE + "every-5"
    described = cli("events", "describe-rule", "--name", "every-5").json
    assert described == {"Name": "every-5", "Arn": arn, "ScheduleExpression": "rate(5 minutes)", "State": "ENABLED",
                         "EventBusName": "default", "CreatedBy": "123456789012"}  # fmt: skip
    cli("events", "disable-rule", "--name", "every-5")
    assert cli("events", "list-rules", "--query", "Rules[].[Name,State]", "--output", "text").stdout == "every-5\tDISABLED\n"
    bad = cli("events", "put-rule", "--name", "x", "--schedule-expression", "rate(1 minutes)", rc=254)
    assert bad.stderr.strip() == ("An error occurred (ValidationException) when calling the PutRule operation: "
                                  "Parameter ScheduleExpression is not valid.")  # fmt: skip
    bad = cli("events", "put-rule", "--name", "x", "--event-pattern", '{"source": "aws.s3"}', rc=254)
    assert "(InvalidEventPatternException)" in bad.stderr
    assert 'Event pattern is not valid. Reason: "source" must be an object or an array' in bad.stderr
    missing = cli("events", "describe-rule", "--name", "nope", rc=254)
    assert "(ResourceNotFoundException)" in missing.stderr and "Rule nope does not exist on EventBus default." in missing.stderr
    cli("events", "put-targets", "--rule", "every-5", "--targets",
        *[f"Id={i},Arn=arn:aws:sqs:us-east-1:123456789012:q{i}" for i in range(5)])  # fmt: skip
    sixth = cli("events", "put-targets", "--rule", "every-5", "--targets", "Id=6,Arn=arn:aws:sqs:us-east-1:123456789012:q", rc=254)
    assert "(LimitExceededException)" in sixth.stderr
    refused = cli("events", "delete-rule", "--name", "every-5", rc=254)
    assert "Rule can't be deleted since it has targets." in refused.stderr
    cli("events", "remove-targets", "--rule", "every-5", "--ids", *map(str, range(5)))
    cli("events", "delete-rule", "--name", "every-5")
    assert cli("events", "list-rules").json == {"Rules": []}


def test_custom_bus_refuses_schedules_and_its_rules_have_bus_arns(cli):
    bus = cli("events", "create-event-bus", "--name", "orders").json["EventBusArn"]
    assert bus == "arn:aws:events:us-east-1:123456789012:event-bus/orders"
    refused = cli("events", "put-rule", "--name", "r", "--event-bus-name", "orders", "--schedule-expression",
                  "rate(1 day)", rc=254)  # fmt: skip
    assert "ScheduleExpression is supported only on the default event bus." in refused.stderr
    arn = cli("events", "put-rule", "--name", "r", "--event-bus-name", "orders", "--event-pattern",
              '{"source": ["shop"]}').json["RuleArn"]  # fmt: skip
    assert arn == ACCOUNT_RULE + "orders/r"
    names = cli("events", "list-event-buses", "--query", "EventBuses[].Name", "--output", "text").stdout.split()
    assert names == ["default", "orders"]
    missing = cli("events", "list-rules", "--event-bus-name", "nope", rc=254)
    assert "Event bus nope does not exist." in missing.stderr


def test_put_targets_checks_input_modes_and_placeholders(cli):
    cli("events", "put-rule", "--name", "r", "--event-pattern", '{"source": ["a"]}')
    two = {"Id": "t", "Arn": lambda_arn("f"), "Input": "{}", "InputPath": "$.detail"}
    bad = cli("events", "put-targets", "--rule", "r", "--targets", json.dumps([two]), rc=254)
    assert "Only one of Input, InputPath, or InputTransformer must be provided for target t." in bad.stderr
    unknown = {"Id": "t", "Arn": lambda_arn("f"),
               "InputTransformer": {"InputPathsMap": {"a": "$.detail.a"}, "InputTemplate": '{"x": <b>}'}}  # fmt: skip
    bad = cli("events", "put-targets", "--rule", "r", "--targets", json.dumps([unknown]), rc=254)
    assert "InputTemplate for target t contains invalid placeholder b." in bad.stderr


def test_requests_are_checked_against_the_models_constraints_with_aws_wording(cli):
    cli("events", "put-rule", "--name", "r", "--event-pattern", '{"source": ["a"]}')
    bad = cli("events", "put-targets", "--rule", "r", "--targets", "Id=!@#$@!#$,Arn=arn:aws:sqs:us-east-1:123456789012:q", rc=254)
    assert bad.stderr.strip() == (
        "An error occurred (ValidationException) when calling the PutTargets operation: 1 validation error detected: "
        "Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")  # fmt: skip
    two = cli("events", "put-rule", "--name", "bad name!", "--state", "ON", "--event-pattern", '{"a": [1]}', rc=254)
    assert "2 validation errors detected: Value 'bad name!' at 'name' failed" in two.stderr
    assert "Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED" in two.stderr
    assert cli("events", "list-rules", "--query", "Rules[].Name", "--output", "text").stdout == "r\n"


def test_put_events_fans_out_to_two_rules_and_two_functions(cli, recorder):
    first = recorder("first", allow_rules=("orders", "all-shop"))
    second = recorder("second", allow_rules=("all-shop",))
    cli("events", "put-rule", "--name", "orders", "--event-pattern",
        '{"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}')  # fmt: skip
    cli("events", "put-rule", "--name", "all-shop", "--event-pattern", '{"source": [{"prefix": "sho"}]}')
    cli("events", "put-targets", "--rule", "orders", "--targets", f"Id=1,Arn={lambda_arn('first')}")
    cli("events", "put-targets", "--rule", "all-shop", "--targets", f"Id=1,Arn={lambda_arn('first')}",
        f"Id=2,Arn={lambda_arn('second')}")  # fmt: skip
    entries = [
        {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"total": 250})},
        {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"total": 5})},
        {"Source": "other", "DetailType": "order", "Detail": "{}"},
        {"Source": "shop", "DetailType": "order", "Detail": "[1]"},
        {"DetailType": "order", "Detail": "{}"},
    ]
    result = cli("events", "put-events", "--entries", json.dumps(entries)).json
    assert result["FailedEntryCount"] == 2
    assert [sorted(entry) for entry in result["Entries"][:3]] == [["EventId"]] * 3
    assert result["Entries"][3] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    assert result["Entries"][4] == {"ErrorCode": "InvalidArgument",
                                    "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."}  # fmt: skip
    cli("drain", "--timeout", "60")
    got_first, got_second = lines(first), lines(second)
    assert sorted(event["detail"]["total"] for event in got_first) == [5, 250, 250]  # orders + all-shop, all-shop
    assert sorted(event["detail"]["total"] for event in got_second) == [5, 250]
    event = got_second[0]
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    assert event["id"] in {entry.get("EventId") for entry in result["Entries"]}
    assert (event["source"], event["account"], event["region"], event["resources"]) == ("shop", "123456789012", "us-east-1", [])


def test_rate_rule_fires_a_real_function_with_the_scheduled_event(cli, recorder):
    out = recorder("tick", allow_rules=("every-minute",))
    cli("events", "put-rule", "--name", "every-minute", "--schedule-expression", "rate(1 minute)")
    cli("events", "put-targets", "--rule", "every-minute", "--targets", f"Id=tick,Arn={lambda_arn('tick')}")
    clock = cli("advance-clock", "--seconds", "60").json
    assert [(f["Arn"], f["Count"]) for f in clock["Firings"]] == [(ACCOUNT_RULE + "every-minute", 1)]
    cli("drain", "--timeout", "60")
    [event] = lines(out)
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert event["version"] == "0" and event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == [ACCOUNT_RULE + "every-minute"] and event["detail"] == {}
    assert event["account"] == "123456789012" and event["region"] == "us-east-1"
    assert event["time"] == clock["Firings"][0]["First"] and event["time"].endswith("Z") and len(event["time"]) == 20


def test_advance_clock_fires_a_daily_rule_exactly_once_and_a_cron_at_its_instants(cli, tmp_path):
    cli("sqs", "create-queue", "--queue-name", "ticks")
    queue = "arn:aws:sqs:us-east-1:123456789012:ticks"
    cli("events", "put-rule", "--name", "daily", "--schedule-expression", "rate(1 day)")
    cli("events", "put-rule", "--name", "six-hourly", "--schedule-expression", "cron(0 0/6 * * ? *)")
    cli("events", "put-targets", "--rule", "daily", "--targets", f"Id=q,Arn={queue}")
    cli("events", "put-targets", "--rule", "six-hourly", "--targets", f"Id=q,Arn={queue}")
    assert cli("advance-clock").json["Firings"] == []  # nothing is due yet
    fired = {f["Arn"].rsplit("/", 1)[1]: f for f in cli("advance-clock", "--by", "1d").json["Firings"]}
    assert fired["daily"]["Count"] == 1
    assert fired["six-hourly"]["Count"] == 4
    instants = [fired["six-hourly"]["First"], fired["six-hourly"]["Last"]]
    assert all(moment[11:] in ("00:00:00Z", "06:00:00Z", "12:00:00Z", "18:00:00Z") for moment in instants)
    url = "http://sqs.us-east-1.localhost/123456789012/ticks"
    bodies = []
    while messages := json.loads(cli("sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "10").stdout
                                 or "{}").get("Messages"):
        bodies += [json.loads(m["Body"]) for m in messages]
        for m in messages:
            cli("sqs", "delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
    times = sorted(body["time"] for body in bodies if body["resources"] == [ACCOUNT_RULE + "six-hourly"])
    assert len(times) == 4 and times[0] == fired["six-hourly"]["First"] and times[-1] == fired["six-hourly"]["Last"]
    assert sum(body["resources"] == [ACCOUNT_RULE + "daily"] for body in bodies) == 1
    assert cli("advance-clock").json["Firings"] == []  # already fired: not again


def test_a_year_of_minutes_is_bounded(cli):
    cli("sqs", "create-queue", "--queue-name", "q")
    cli("events", "put-rule", "--name", "m", "--schedule-expression", "rate(1 minute)")
    cli("events", "put-targets", "--rule", "m", "--targets", "Id=q,Arn=arn:aws:sqs:us-east-1:123456789012:q")
    [fired] = cli("advance-clock", "--by", "365d").json["Firings"]
    assert fired["Count"] == 1000  # replayed up to the limit, the rest skipped
    assert cli("advance-clock").json["Firings"] == []


def test_input_transformer_shapes_what_the_function_gets(cli, recorder):
    out = recorder("shaped", allow_rules=("t",))
    cli("events", "put-rule", "--name", "t", "--event-pattern", '{"source": ["app"]}')
    target = {
        "Id": "1", "Arn": lambda_arn("shaped"),
        "InputTransformer": {
            "InputPathsMap": {"id": "$.detail.id", "tags": "$.detail.tags", "n": "$.detail.n", "none": "$.detail.x"},
            "InputTemplate": '{"id": <id>, "n": <n>, "text": "id <id> tags <tags> from <aws.events.rule-name>", '
                             '"missing": <none>, "rule": <aws.events.rule-arn>}',
        },
    }  # fmt: skip
    cli("events", "put-targets", "--rule", "t", "--targets", json.dumps([target]))
    detail = {"id": "0a78", "tags": ["ACTIVE", "INACTIVE"], "n": 3}
    cli("events", "put-events", "--entries", json.dumps([{"Source": "app", "DetailType": "d", "Detail": json.dumps(detail)}]))
    cli("drain", "--timeout", "60")
    assert lines(out) == [{"id": "0a78", "n": 3, "text": "id 0a78 tags [ACTIVE,INACTIVE] from t", "missing": "",
                           "rule": ACCOUNT_RULE + "t"}]  # fmt: skip


def test_a_target_without_permission_fails_visibly_and_goes_to_its_dead_letter_queue(cli, recorder):
    out = recorder("locked")
    cli("sqs", "create-queue", "--queue-name", "dlq")
    cli("events", "put-rule", "--name", "r", "--event-pattern", '{"source": ["app"]}')
    target = {"Id": "1", "Arn": lambda_arn("locked"), "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:dlq"}}
    cli("events", "put-targets", "--rule", "r", "--targets", json.dumps([target]))
    cli("events", "put-events", "--entries", json.dumps([{"Source": "app", "DetailType": "d", "Detail": "{}"}]))
    cli("drain", "--timeout", "60")
    assert lines(out) == []
    [failed] = cli("list-async-events", "--function-name", "locked").json["AsyncEvents"]
    assert failed["Status"] == "failed" and failed["Attempts"] == 0
    assert failed["LastError"].startswith("AccessDeniedException: events.amazonaws.com is not authorized")
    [message] = cli("sqs", "receive-message", "--queue-url", "http://sqs.us-east-1.localhost/123456789012/dlq").json["Messages"]
    assert json.loads(message["Body"])["source"] == "app"


def test_test_event_pattern(cli):
    event = {"id": "1", "source": "aws.ec2", "detail": {"state": "running"}}
    ok = cli("events", "test-event-pattern", "--event-pattern", '{"detail": {"state": ["running"]}}', "--event", json.dumps(event))
    assert ok.json == {"Result": True}
    bad = cli("events", "test-event-pattern", "--event-pattern", "{}", "--event", "nope", rc=254)
    assert "Parameter Event is not valid." in bad.stderr


def test_an_async_destination_on_the_default_bus_publishes_the_invocation_result(cli, recorder):
    recorder("worker")
    cli("sqs", "create-queue", "--queue-name", "results")
    cli("events", "put-rule", "--name", "results", "--event-pattern", '{"source": ["lambda"]}')
    cli("events", "put-targets", "--rule", "results", "--targets", "Id=q,Arn=arn:aws:sqs:us-east-1:123456789012:results")
    bus = "arn:aws:events:us-east-1:123456789012:event-bus/default"
    cli("put-function-event-invoke-config", "--function-name", "worker", "--destination-config",
        json.dumps({"OnSuccess": {"Destination": bus}}))  # fmt: skip
    cli("invoke", "--function-name", "worker", "--invocation-type", "Event", "--payload", '{"job": 7}',
        "--cli-binary-format", "raw-in-base64-out", "out.json")  # fmt: skip
    cli("drain", "--timeout", "60")
    [message] = cli("sqs", "receive-message", "--queue-url", "http://sqs.us-east-1.localhost/123456789012/results").json["Messages"]
    event = json.loads(message["Body"])
    assert event["source"] == "lambda" and event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["resources"] == [bus, lambda_arn("worker") + ":$LATEST"]
    assert event["detail"]["requestPayload"] == {"job": 7}
    assert event["detail"]["requestContext"]["condition"] == "Success"
    assert [e["Status"] for e in cli("list-async-events", "--function-name", "worker").json["AsyncEvents"]] == ["succeeded"]


def test_a_year_over_many_rules_replays_a_bounded_number_of_firings(plane, monkeypatch):
    """Thousands of due rules and a clock moved by a year: at most REPLAY_BUDGET firings, and nothing left due."""
    from lambdactl.services.events import timers

    monkeypatch.setenv("LAMBDACTL_AUTO_WORKER", "0")
    monkeypatch.setattr(timers, "REPLAY_BUDGET", 500)
    for number in range(300):
        plane.call("events:PutRule", {"Name": f"r{number}", "ScheduleExpression": "rate(1 hour)"})
    fired = timers.advance_clock(plane, 365 * 86400)["Firings"]
    assert sum(firing["Count"] for firing in fired) == 500
    assert timers.advance_clock(plane, 0)["Firings"] == []


def test_s3_eventbridge_notifications_reach_the_default_bus(cli, tmp_path):
    cli("sqs", "create-queue", "--queue-name", "uploads")
    cli("events", "put-rule", "--name", "s3-created", "--event-pattern",
        '{"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {"object": {"key": [{"prefix": "in/"}]}}}')  # fmt: skip
    cli("events", "put-targets", "--rule", "s3-created", "--targets", "Id=q,Arn=arn:aws:sqs:us-east-1:123456789012:uploads")
    cli("s3api", "create-bucket", "--bucket", "eb-bucket")
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "eb-bucket", "--notification-configuration",
        '{"EventBridgeConfiguration": {}}')  # fmt: skip
    body = tmp_path / "a.txt"
    body.write_text("hello\n")
    for key in ("in/a.txt", "out/b.txt"):
        cli("s3api", "put-object", "--bucket", "eb-bucket", "--key", key, "--body", str(body))
    [message] = cli("sqs", "receive-message", "--queue-url", "http://sqs.us-east-1.localhost/123456789012/uploads",
                    "--max-number-of-messages", "10").json["Messages"]  # fmt: skip
    event = json.loads(message["Body"])
    assert (event["source"], event["detail-type"], event["resources"]) == ("aws.s3", "Object Created", ["arn:aws:s3:::eb-bucket"])
    assert event["detail"]["bucket"] == {"name": "eb-bucket"} and event["detail"]["object"]["key"] == "in/a.txt"


def test_listings_page_with_next_tokens(cli):
    for name in ("a1", "a2", "a3", "b1", "b2"):
        cli("events", "put-rule", "--name", name, "--event-pattern", '{"source": ["x"]}')
    assert cli("events", "list-rules", "--page-size", "2", "--query", "Rules[].Name", "--output", "text").stdout.split() == [
        "a1", "a2", "a3", "b1", "b2"]  # fmt: skip
    first = cli("events", "list-rules", "--name-prefix", "a", "--max-items", "2").json
    assert [rule["Name"] for rule in first["Rules"]] == ["a1", "a2"] and first["NextToken"]
    rest = cli("events", "list-rules", "--name-prefix", "a", "--starting-token", first["NextToken"]).json
    assert [rule["Name"] for rule in rest["Rules"]] == ["a3"] and "NextToken" not in rest
    plane_page = cli("scheduler", "list-schedule-groups", "--page-size", "1", "--query", "ScheduleGroups[].Name",
                     "--output", "text")  # fmt: skip
    assert plane_page.stdout.split() == ["default"]
