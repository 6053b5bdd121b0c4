"""A warm invoke in a long-running process (serve, the worker) runs no SQL: the configuration generation
is read from shared memory and log lines go to a batch writer; yet a change is seen at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdactl.control import logs
from lambdactl.server.environments import warm_planes
from lambdactl.plane import ControlPlane, Settings

HANDLER = 'def handler(event, context):\n    print("version {version}")\n    return {version}\n'


def create(plane: ControlPlane, make_zip, version: int) -> None:
    code = make_zip({"app.py": HANDLER.format(version=version)}).read_bytes()
    if version == 1:
        plane.call("CreateFunction", {"FunctionName": "fn", "Runtime": "python3.12", "Handler": "app.handler",
                                      "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": code}})
    else:
        plane.call("UpdateFunctionCode", {"FunctionName": "fn", "ZipFile": code})


def invoke(plane: ControlPlane) -> bytes:
    return bytes(plane.call("Invoke", {"FunctionName": "fn"})["Payload"])


@pytest.fixture
def warm(state_dir: Path):
    pool, planes = warm_planes(Settings(state_dir=state_dir, region="us-east-1"))
    plane = planes()
    yield plane
    plane.close()
    pool.close()


def test_a_warm_invoke_runs_no_sql_and_still_sees_a_change(warm, plane, make_zip):
    create(plane, make_zip, 1)  # another connection, as another process would
    assert invoke(warm) == b"1"  # cold: reads the configuration
    assert invoke(warm) == b"1"  # warm: maps the generation file, once
    statements: list[str] = []
    warm.store.conn.set_trace_callback(statements.append)
    assert invoke(warm) == b"1"
    assert statements == []  # warm: not one query on the invoking connection
    create(plane, make_zip, 2)
    assert invoke(warm) == b"2"  # the change is seen by the very next invoke
    assert statements  # (by reading the configuration again)


def test_logs_of_a_warm_invoke_are_batched_and_readable_once_it_returns(warm, plane, make_zip):
    create(plane, make_zip, 1)
    for _ in range(5):
        invoke(warm)
    assert len([e for e in logs.events(warm, "/aws/lambda/fn") if e["message"] == "version 1"]) == 5
    writer = logs._WRITERS[str(warm.settings.state_dir)]
    writer.flush()
    assert writer.store.read_one("SELECT COUNT(*) FROM log_events WHERE message = 'version 1'")[0] == 5


def test_the_generation_file_follows_commits_only(plane, make_zip, state_dir):
    create(plane, make_zip, 1)
    other = ControlPlane(Settings(state_dir=state_dir, region="us-east-1"))
    try:
        seen = other.store.generation_hint()
        assert seen == other.store.generation() == plane.store.generation()
        with pytest.raises(RuntimeError), plane.store.write() as conn:  # a change rolled back: no trace
            conn.execute("UPDATE functions SET reserved_concurrency = 3 WHERE name = 'fn'")
            raise RuntimeError("rolled back")
        assert other.store.generation_hint() == seen
        create(plane, make_zip, 2)
        assert other.store.generation_hint() == plane.store.generation() > seen
    finally:
        other.close()


def test_request_ids_are_version_4_uuids_and_unique():
    import uuid

    from lambdactl.spec import request_id

    ids = {request_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    for text in list(ids)[:500]:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)
