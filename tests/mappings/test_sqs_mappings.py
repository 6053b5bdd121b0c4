"""SQS mappings end to end: real CLI, real background worker, real functions."""

from __future__ import annotations

import json
import time

from tests.mappings.conftest import bodies, events, wait_for
from tests.processes import worker_pids


def test_batches_of_the_configured_size(esm):
    out = esm.function("f")
    queue = esm.queue("q")
    esm.send(queue, [f"m{i}" for i in range(25)])
    esm.map("f", queue, "--batch-size", "10")
    esm.drain()
    got = bodies(out)
    assert sorted(len(batch) for batch in got) == [5, 10, 10]
    assert sorted(body for batch in got for body in batch) == sorted(f"m{i}" for i in range(25))


def test_batching_window_gathers_messages_sent_apart(esm):
    esm.cli.env["LAMBDACTL_ESM_SQS_CONCURRENCY"] = "1"
    out = esm.function("f")
    queue = esm.queue("q")
    esm.map("f", queue, "--batch-size", "50", "--maximum-batching-window-in-seconds", "3")
    for part in range(3):
        esm.send(queue, [f"p{part}-{i}" for i in range(10)])
        time.sleep(0.3)
    esm.drain()
    assert [len(batch) for batch in bodies(out)] == [30]


def test_partial_batch_failure_returns_only_the_failed_message(esm):
    out = esm.function("f", MODE="partial")
    queue = esm.queue("q", VisibilityTimeout="1")
    esm.send(queue, ["ok-1", "flaky", "ok-2"])
    esm.map("f", queue, "--function-response-types", "ReportBatchItemFailures")
    esm.drain()
    seen = [body for batch in bodies(out) for body in batch]
    assert sorted(seen) == ["flaky", "flaky", "ok-1", "ok-2"]
    assert bodies(out)[-1] == ["flaky"]
    second = events(out)[-1]["Records"][0]
    assert second["attributes"]["ApproximateReceiveCount"] == "2"


def test_failed_messages_redrive_to_the_dead_letter_queue(esm):
    out = esm.function("f")
    dlq = esm.queue("dlq")
    policy = json.dumps({"deadLetterTargetArn": dlq, "maxReceiveCount": 2})
    queue = esm.queue("q", VisibilityTimeout="1", RedrivePolicy=policy)
    esm.send(queue, ["poison", "fine"])
    esm.map("f", queue, "--batch-size", "1")
    esm.drain()
    seen = [body for batch in bodies(out) for body in batch]
    assert seen.count("poison") == 2 and seen.count("fine") == 1
    assert [m["Body"] for m in esm.receive_all(dlq)] == ["poison"]


def test_fifo_keeps_order_per_message_group(esm):
    out = esm.function("f")
    queue = esm.queue("q.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    for group in ("a", "b", "c"):
        esm.send(queue, [f"{group}-{i:02d}" for i in range(12)], MessageGroupId=group)
    esm.map("f", queue, "--batch-size", "5")
    esm.drain()
    seen = [body for batch in bodies(out) for body in batch]
    assert len(seen) == 36
    for group in ("a", "b", "c"):
        assert [b for b in seen if b.startswith(group)] == [f"{group}-{i:02d}" for i in range(12)]


def test_filter_criteria_deliver_matches_and_delete_the_rest(esm):
    out = esm.function("f")
    queue = esm.queue("q")
    pattern = {"body": {"kind": ["keep"], "size": [{"numeric": [">", 2]}]}}
    esm.map("f", queue, "--filter-criteria", json.dumps({"Filters": [{"Pattern": json.dumps(pattern)}]}))
    esm.send(queue, [json.dumps({"kind": "keep", "size": 3}), json.dumps({"kind": "keep", "size": 1}),
                     json.dumps({"kind": "drop", "size": 5}), "not json"])  # fmt: skip
    esm.drain()
    assert [json.loads(b) for batch in bodies(out) for b in batch] == [{"kind": "keep", "size": 3}]
    assert esm.receive_all(queue) == []


def test_disable_stops_polling_and_enable_resumes(esm):
    out = esm.function("f")
    queue = esm.queue("q")
    mapping = esm.map("f", queue, "--no-enabled")
    assert mapping["State"] == "Disabled"
    esm.send(queue, ["a", "b"])
    esm.drain(timeout=5)  # a disabled mapping has nothing to drain
    assert _untouched(esm, queue, 2) and not out.exists()
    shown = esm.cli("update-event-source-mapping", "--uuid", mapping["UUID"], "--enabled").json
    assert shown["State"] == "Enabling"
    esm.drain()
    assert sorted(b for batch in bodies(out) for b in batch) == ["a", "b"]
    assert esm.cli("get-event-source-mapping", "--uuid", mapping["UUID"]).json["State"] == "Enabled"
    esm.cli("update-event-source-mapping", "--uuid", mapping["UUID"], "--no-enabled")
    esm.send(queue, ["c"])
    esm.drain(timeout=5)
    assert _untouched(esm, queue, 1)  # never received: not in flight, not gone
    assert sorted(b for batch in bodies(out) for b in batch) == ["a", "b"]


def test_kill_9_of_the_worker_mid_batch_loses_no_message(esm):
    out = esm.function("f")
    queue = esm.queue("q", VisibilityTimeout="2")
    names = ["slow"] + [f"m{i}" for i in range(9)]
    esm.send(queue, names)
    esm.map("f", queue, "--batch-size", "10")  # starts the background worker
    wait_for(lambda: out.exists())  # the batch is in the function (which sleeps 3 s on "slow")
    pids = wait_for(lambda: worker_pids(esm.cli.state_dir))
    esm.kill_worker()
    wait_for(lambda: all(not _alive(pid) for pid in pids), timeout=10)
    esm.drain()
    delivered = {b for batch in bodies(out) for b in batch}
    assert delivered == set(names)
    assert len(events(out)) >= 2  # the killed batch came back after its visibility timeout
    assert esm.receive_all(queue) == []


def _untouched(esm, queue: str, count: int) -> bool:
    """The queue holds ``count`` messages that nobody has received (none in flight)."""
    url = esm.url(queue)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attrs = esm.cli("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", *names).json["Attributes"]
    return attrs == {"ApproximateNumberOfMessages": str(count), "ApproximateNumberOfMessagesNotVisible": "0"}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False
