"""Embedded Kinesis streams: hashing into shards, sequence numbers, iterators, retention."""

from __future__ import annotations

import base64
import hashlib

import pytest

from lambdactl.sources import kind_of
from lambdactl.services.kinesis import streams as kinesis

ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/s"


def put(plane, key: str, data: bytes = b"x", **extra) -> dict:
    return plane.call("kinesis:PutRecord", {"StreamName": "s", "PartitionKey": key, "Data": data, **extra})


def iterator(plane, shard: str, kind: str, **extra) -> str:
    params = {"StreamName": "s", "ShardId": shard, "ShardIteratorType": kind, **extra}
    return plane.call("kinesis:GetShardIterator", params)["ShardIterator"]


def records(plane, token: str, **extra) -> tuple[list[dict], str]:
    result = plane.call("kinesis:GetRecords", {"ShardIterator": token, **extra})
    return result["Records"], result["NextShardIterator"]


def test_shards_hash_ranges_and_assignment(plane):
    plane.call("kinesis:CreateStream", {"StreamName": "s", "ShardCount": 3})
    shards = plane.call("kinesis:ListShards", {"StreamName": "s"})["Shards"]
    assert [s["HashKeyRange"]["StartingHashKey"] for s in shards] == [
        "0", "113427455640312821154458202477256070485", "226854911280625642308916404954512140970"]  # fmt: skip
    assert shards[-1]["HashKeyRange"]["EndingHashKey"] == str(2**128 - 1)
    for key in (f"key-{i}" for i in range(30)):
        value = int(hashlib.md5(key.encode()).hexdigest(), 16)
        expected = next(s["ShardId"] for s in shards
                        if int(s["HashKeyRange"]["StartingHashKey"]) <= value <= int(s["HashKeyRange"]["EndingHashKey"]))  # fmt: skip
        assert put(plane, key)["ShardId"] == expected
    assert put(plane, "any", ExplicitHashKey=str(2**128 - 1))["ShardId"] == "shardId-000000000002"
    summary = plane.call("kinesis:DescribeStreamSummary", {"StreamName": "s"})["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 3 and summary["RetentionPeriodHours"] == 24
    assert plane.call("kinesis:ListStreams", {})["StreamNames"] == ["s"]
    assert kind_of(plane, ARN) == "kinesis"
    with pytest.raises(kinesis.ResourceInUseException):
        plane.call("kinesis:CreateStream", {"StreamName": "s", "ShardCount": 1})


def test_sequence_numbers_increase_and_get_records_order(plane):
    plane.call("kinesis:CreateStream", {"StreamName": "s", "ShardCount": 2})
    placed = [put(plane, f"k{i % 5}", f"r{i}".encode()) for i in range(40)]
    for shard in ("shardId-000000000000", "shardId-000000000001"):
        mine = [p for p in placed if p["ShardId"] == shard]
        seqs = [p["SequenceNumber"] for p in mine]
        assert all(len(s) == 56 and s.isdigit() for s in seqs)
        assert [int(s) for s in seqs] == sorted(int(s) for s in seqs)
        got, _ = records(plane, iterator(plane, shard, "TRIM_HORIZON"))
        assert [r["SequenceNumber"] for r in got] == seqs
        assert kinesis.latest_sequence(plane, ARN, shard) == seqs[-1]
    first = placed[0]
    data = records(plane, iterator(plane, first["ShardId"], "TRIM_HORIZON"), Limit=1)[0][0]
    assert base64.b64decode(data["Data"]) == b"r0" and data["PartitionKey"] == "k0"


def test_iterator_types(plane, clock):
    plane.call("kinesis:CreateStream", {"StreamName": "s", "ShardCount": 1})
    shard = "shardId-000000000000"
    seqs = [put(plane, "k", f"{i}".encode())["SequenceNumber"] for i in range(3)]
    latest = iterator(plane, shard, "LATEST")
    clock.advance(10)
    stamp = clock()
    seqs += [put(plane, "k", b"3")["SequenceNumber"]]

    def bodies(token: str) -> list[bytes]:
        return [base64.b64decode(r["Data"]) for r in records(plane, token)[0]]

    assert bodies(iterator(plane, shard, "TRIM_HORIZON")) == [b"0", b"1", b"2", b"3"]
    assert bodies(latest) == [b"3"]
    assert bodies(iterator(plane, shard, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1])) == [b"1", b"2", b"3"]
    assert bodies(iterator(plane, shard, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1])) == [b"2", b"3"]
    assert bodies(iterator(plane, shard, "AT_TIMESTAMP", Timestamp=stamp - 1)) == [b"3"]
    got, following = records(plane, iterator(plane, shard, "TRIM_HORIZON"), Limit=2)
    assert len(got) == 2
    rest = plane.call("kinesis:GetRecords", {"ShardIterator": following})
    assert len(rest["Records"]) == 2 and rest["MillisBehindLatest"] == 0
    clock.advance(301)
    with pytest.raises(kinesis.ExpiredIteratorException):
        records(plane, rest["NextShardIterator"])


def test_retention_trims_records(plane, clock):
    plane.call("kinesis:CreateStream", {"StreamName": "s", "ShardCount": 1})
    put(plane, "k", b"old")
    clock.advance(24 * 3600 + 1)
    put(plane, "k", b"new")
    assert [r.data for r in kinesis.read(plane, ARN, "shardId-000000000000", None, 100)] == [b"new"]
    plane.call("kinesis:IncreaseStreamRetentionPeriod", {"StreamName": "s", "RetentionPeriodHours": 48})
    assert plane.call("kinesis:DescribeStreamSummary", {"StreamName": "s"})["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48


def test_storage_api(plane):
    plane.call("kinesis:CreateStream", {"StreamName": "s", "ShardCount": 1})
    assert kinesis.exists(plane, ARN)
    [shard] = kinesis.shards(plane, ARN)
    assert kinesis.latest_sequence(plane, ARN, shard.shard_id) is None
    _, seq1 = kinesis.put(plane, ARN, "p", b"a")
    kinesis.put(plane, ARN, "p", b"b")
    assert [r.data for r in kinesis.read(plane, ARN, shard.shard_id, seq1, 10)] == [b"b"]
    plane.call("kinesis:DeleteStream", {"StreamName": "s"})
    assert not kinesis.exists(plane, ARN)


def test_cli_put_and_get_records(cli):
    cli("kinesis", "create-stream", "--stream-name", "s", "--shard-count", "1")
    put_out = cli("kinesis", "put-record", "--stream-name", "s", "--partition-key", "a", "--data", "aGVsbG8=").json
    assert put_out["ShardId"] == "shardId-000000000000"
    token = cli("kinesis", "get-shard-iterator", "--stream-name", "s", "--shard-id", "shardId-000000000000",
                "--shard-iterator-type", "TRIM_HORIZON").json["ShardIterator"]  # fmt: skip
    got = cli("kinesis", "get-records", "--shard-iterator", token).json
    assert got["Records"][0]["Data"] == "aGVsbG8=" and got["Records"][0]["SequenceNumber"] == put_out["SequenceNumber"]
