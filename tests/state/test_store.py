"""The state directory: choice of location, WAL, schema version, content-addressed code."""

from __future__ import annotations

import sqlite3

import pytest

from lambdactl.state.migrations import SCHEMA_VERSION
from lambdactl.settings import default_state_dir
from lambdactl.state.store import Store


def test_default_state_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("LAMBDACTL_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_state_dir() == tmp_path / "xdg" / "lambdactl"
    monkeypatch.setenv("LAMBDACTL_STATE_DIR", str(tmp_path / "env"))
    assert default_state_dir() == tmp_path / "env"


def test_database_is_wal_and_records_its_schema_version(state_dir):
    store = Store(state_dir)
    store.read("SELECT 1")
    store.close()
    conn = sqlite3.connect(state_dir / "lambdactl.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert int(row[0]) == SCHEMA_VERSION >= 1
    finally:
        conn.close()


def test_reopening_does_not_migrate_again(state_dir, monkeypatch):
    from lambdactl.state import migrations

    Store(state_dir).close()  # creates the schema
    Store(state_dir).read("SELECT count(*) FROM functions")
    ran: list[str] = []
    real = migrations._statements
    monkeypatch.setattr(migrations, "_statements", lambda script: ran.append(script) or real(script))
    store = Store(state_dir)
    assert store.read("SELECT count(*) FROM functions")[0][0] == 0
    assert ran == []  # the recorded schema version matched: no migration step ran
    store.close()


def test_failed_write_rolls_back(state_dir):
    store = Store(state_dir)
    with pytest.raises(RuntimeError, match="boom"), store.write() as conn:
        conn.execute("INSERT INTO functions (name, created_at) VALUES ('x', 0)")
        raise RuntimeError("boom")
    assert store.read("SELECT name FROM functions") == []
    store.close()


def test_env_var_and_flag_choose_the_state_dir(cli, make_zip, tmp_path):
    cli.create("by-env", make_zip())
    assert (cli.state_dir / "lambdactl.db").is_file()
    flagged = tmp_path / "flagged"
    cli.create("by-flag", make_zip(), "--state-dir", str(flagged))
    assert (flagged / "lambdactl.db").is_file()
    assert cli("list-functions", "--query", "Functions[].FunctionName").json == ["by-env"]


def test_each_service_keeps_its_own_schema_version(state_dir):
    """A service's tables are created on first use and recorded apart from the core schema."""
    first = [("things", "CREATE TABLE svc_things (id INTEGER PRIMARY KEY)")]
    store = Store(state_dir)
    store.ensure_schema("svc", first)
    store.ensure_schema("svc", first)  # once per connection
    store.close()
    upgraded = [*first, ("labels", "ALTER TABLE svc_things ADD COLUMN label TEXT")]
    store = Store(state_dir)
    store.ensure_schema("svc", upgraded)
    with store.write() as conn:
        conn.execute("INSERT INTO svc_things (id, label) VALUES (1, 'a')")
    versions = dict(store.read("SELECT key, value FROM meta WHERE key LIKE 'schema_version%'"))
    assert versions == {"schema_version": str(SCHEMA_VERSION), "schema_version:svc": "2"}
    assert store.read("SELECT id, label FROM svc_things")[0]["label"] == "a"
    store.close()


def test_a_newer_service_schema_is_refused(state_dir):
    from lambdactl import errors

    store = Store(state_dir)
    store.ensure_schema("svc", [("a", "CREATE TABLE a (x)"), ("b", "CREATE TABLE b (x)")])
    store.close()
    store = Store(state_dir)
    with pytest.raises(errors.ConfigurationError, match="svc schema"):
        store.ensure_schema("svc", [("a", "CREATE TABLE a (x)")])
    store.close()
