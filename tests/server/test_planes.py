"""serve's pool of control planes: closing it never closes a connection a thread is still using."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lambdactl.plane import Settings
from lambdactl.server.app import Planes
from lambdactl.server.environments import OneShotEnvironments


def test_closing_the_planes_leaves_a_store_in_use_open_until_it_is_given_back(tmp_path: Path) -> None:
    """An invocation can outlive its request (API Gateway's integration answers 500 at its timeout while the
    function runs on): serve's shutdown closed its SQLite connection under it, and the process crashed."""
    settings = Settings(state_dir=tmp_path / "state")
    planes = Planes(settings, OneShotEnvironments(settings))
    idle, in_use = planes.take(), planes.take()
    connections = []
    for store in (idle, in_use):
        with store.write() as conn:  # the region's database made, and each store's connection to it
            connections.append(conn)
    planes.give_back(idle)
    planes.close()
    with pytest.raises(sqlite3.ProgrammingError):
        connections[0].execute("SELECT 1")  # an idle one is closed at once
    assert connections[1].execute("SELECT 1").fetchone()[0] == 1  # the one in use is not ...
    planes.give_back(in_use)
    with pytest.raises(sqlite3.ProgrammingError):
        connections[1].execute("SELECT 1")  # ... until it comes back
