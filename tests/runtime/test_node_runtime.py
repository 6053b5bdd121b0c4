from __future__ import annotations

import json
import shutil

import pytest


from .conftest import request

pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="needs node")


def test_node_hello_warm(make_env):
    with make_env("nodejs20.x", "index.handler", "node") as env:
        first = env.invoke(request(b'{"name": "node"}'))
        second = env.invoke(request())
    assert first.function_error is None, first.payload
    assert json.loads(first.payload)["hello"] == "node"
    assert json.loads(second.payload)["pid"] == json.loads(first.payload)["pid"]
    assert "hello from node" in first.log and second.init_duration_ms is None
