"""Kinesis and DynamoDB-stream mappings end to end."""

from __future__ import annotations

import base64
import json
import time

from tests.mappings.conftest import events


def _data(out) -> list[str]:
    return [base64.b64decode(r["kinesis"]["data"]).decode() for e in events(out) for r in e["Records"]]


def test_kinesis_keeps_order_per_shard_across_partition_keys(esm):
    out = esm.function("f")
    stream = esm.stream("s", shards=4)
    items = [(f"key-{i % 20}", f"{i % 20}:{i // 20}") for i in range(400)]
    esm.map("f", stream, "--starting-position", "TRIM_HORIZON", "--batch-size", "50")
    esm.put(stream, items)
    esm.drain()
    records = [r for e in events(out) for r in e["Records"]]
    assert sorted(_data(out)) == sorted(data for _, data in items)
    by_key: dict[str, list[int]] = {}
    by_shard: dict[str, list[int]] = {}
    for record in records:
        key, index = base64.b64decode(record["kinesis"]["data"]).decode().split(":")
        by_key.setdefault(key, []).append(int(index))
        by_shard.setdefault(record["eventID"].split(":")[0], []).append(int(record["kinesis"]["sequenceNumber"]))
    assert all(indexes == sorted(indexes) for indexes in by_key.values())
    assert len(by_shard) == 4 and all(seqs == sorted(seqs) for seqs in by_shard.values())


def test_trim_horizon_versus_latest(esm):
    old, new = esm.function("old"), esm.function("new")
    stream = esm.stream("s")
    esm.put(stream, [("k", f"before-{i}") for i in range(3)])
    time.sleep(0.1)
    esm.map("old", stream, "--starting-position", "TRIM_HORIZON")
    esm.map("new", stream, "--starting-position", "LATEST")
    esm.put(stream, [("k", f"after-{i}") for i in range(2)])
    esm.drain()
    assert _data(old) == ["before-0", "before-1", "before-2", "after-0", "after-1"]
    assert _data(new) == ["after-0", "after-1"]


def test_bisect_isolates_the_bad_record_and_sends_it_on_failure(esm):
    out = esm.function("f")
    failures = esm.queue("failures")
    stream = esm.stream("s")
    puts = esm.put(stream, [("k", "poison" if i == 5 else f"r{i}") for i in range(8)])
    esm.map("f", stream, "--starting-position", "TRIM_HORIZON", "--batch-size", "8", "--bisect-batch-on-function-error",
            "--maximum-retry-attempts", "0", "--destination-config", json.dumps({"OnFailure": {"Destination": failures}}))
    esm.drain()
    assert [e["Records"].__len__() for e in events(out)][:3] == [8, 4, 4]
    assert {f"r{i}" for i in range(8) if i != 5} <= set(_data(out))
    [message] = esm.receive_all(failures)
    record = json.loads(message["Body"])
    assert list(record) == ["requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    info = record["KinesisBatchInfo"]
    assert list(info) == ["shardId", "startSequenceNumber", "endSequenceNumber", "approximateArrivalOfFirstRecord",
                          "approximateArrivalOfLastRecord", "batchSize", "streamArn"]  # fmt: skip
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"] == puts[5]["SequenceNumber"]
    assert record["responseContext"]["functionError"] == "Unhandled"


def test_maximum_retry_attempts_then_on_failure_and_the_shard_moves_on(esm):
    out = esm.function("f")
    failures = esm.queue("failures")
    stream = esm.stream("s")
    esm.put(stream, [("k", "a"), ("k", "poison"), ("k", "b")])
    esm.map("f", stream, "--starting-position", "TRIM_HORIZON", "--maximum-retry-attempts", "2",
            "--maximum-batching-window-in-seconds", "1",
            "--destination-config", json.dumps({"OnFailure": {"Destination": failures}}))  # fmt: skip
    esm.drain()
    assert [len(e["Records"]) for e in events(out)] == [3, 3, 3]
    esm.put(stream, [("k", "c")])
    esm.drain()
    assert _data(out)[-1] == "c"
    [message] = esm.receive_all(failures)
    record = json.loads(message["Body"])
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["KinesisBatchInfo"]["batchSize"] == 3


def test_partial_batch_response_retries_from_the_lowest_failed_record(esm):
    out = esm.function("f", MODE="partial")
    stream = esm.stream("s")
    esm.put(stream, [("k", "a"), ("k", "b"), ("k", "poison"), ("k", "c")])
    esm.map("f", stream, "--starting-position", "TRIM_HORIZON", "--maximum-retry-attempts", "1",
            "--function-response-types", "ReportBatchItemFailures", "--maximum-batching-window-in-seconds", "1")
    esm.drain()
    assert [[base64.b64decode(r["kinesis"]["data"]).decode() for r in e["Records"]] for e in events(out)] == [
        ["a", "b", "poison", "c"], ["poison", "c"]]


def test_drain_times_out_while_a_stream_mapping_is_stuck(esm):
    esm.function("f")
    stream = esm.stream("s")
    esm.put(stream, [("k", "poison")])
    esm.map("f", stream, "--starting-position", "TRIM_HORIZON")  # retries forever by default
    result = esm.cli("drain", "--timeout", "2", rc=255)
    assert "1 event source mapping(s) with records left" in result.stderr
