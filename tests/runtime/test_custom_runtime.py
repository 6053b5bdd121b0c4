"""provided.al2023 with a curl shell bootstrap (as RIE's bash_runtime.sh), and entrypoint errors."""

from __future__ import annotations

import json
import shutil

import pytest

from lambdactl.runtime.states import State

from .conftest import ARN, request

pytestmark = pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")


def test_echo_warm(make_env):
    with make_env("provided.al2023", "echo", "shell") as env:
        first = env.invoke(request(b'{"n": 1}'))
        second = env.invoke(request(b'{"n": 2}'))
    assert (first.payload, second.payload) == (b'{"n": 1}', b'{"n": 2}')
    assert "init: handler=echo" in first.log and "init: handler=echo" not in second.log
    assert first.init_duration_ms is not None and second.init_duration_ms is None


def test_headers_seen_by_runtime(make_env):
    with make_env("provided.al2023", "headers", "shell") as env:
        req = request(arn=ARN + ":live", trace_id="Root=1-abc;Sampled=1", client_context='{"custom":{}}')
        lines = json.loads(env.invoke(req).payload)
    headers = dict(line.split(": ", 1) for line in lines)
    assert headers["Lambda-Runtime-Aws-Request-Id"] == req.request_id
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == ARN + ":live"
    assert headers["Lambda-Runtime-Trace-Id"] == "Root=1-abc;Sampled=1"
    assert headers["Lambda-Runtime-Client-Context"] == '{"custom":{}}'
    assert int(headers["Lambda-Runtime-Deadline-Ms"]) > 0
    assert "Lambda-Runtime-Cognito-Identity" not in headers  # omitted when empty


def test_env_has_no_execution_env(make_env):
    with make_env("provided.al2023", "env", "shell") as env:
        seen = dict(line.split("=", 1) for line in json.loads(env.invoke(request()).payload) if "=" in line)
    assert "AWS_EXECUTION_ENV" not in seen
    assert seen["_HANDLER"] == "env"


def test_error_post(make_env):
    with make_env("provided.al2023", "fail", "shell") as env:
        result = env.invoke(request())
    assert result.function_error == "Unhandled" and result.reusable
    assert json.loads(result.payload) == {"errorMessage": "it failed", "errorType": "Function.Failed"}


def test_runtime_exit(make_env):
    with make_env("provided.al2023", "exit", "shell") as env:
        result = env.invoke(req := request())
    assert json.loads(result.payload)["errorMessage"] == (
        f"RequestId: {req.request_id} Error: Runtime exited with error: exit status 3")


def test_timeout_kills_grandchildren(make_env, marker):
    from .conftest import marker_pids

    with make_env("provided.al2023", "hang", "shell", timeout=1) as env:
        result = env.invoke(request())
        assert json.loads(result.payload)["errorType"] == "Sandbox.Timedout"
        assert env.state is State.DEAD
        assert marker_pids(marker) == []  # bootstrap, curl and `sleep 1000` are all gone


def test_missing_bootstrap(make_env, tmp_path):
    code = tmp_path / "empty"
    code.mkdir()
    env = make_env("provided.al2023", "x", code=code)
    env.start()
    result = env.invoke(req := request())
    assert json.loads(result.payload) == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": f"RequestId: {req.request_id} Error: Couldn't find valid bootstrap(s): [{code}/bootstrap]",
    }
    assert result.function_error == "Unhandled" and not result.reusable


def test_bootstrap_not_executable(make_env, tmp_path):
    code = tmp_path / "noexec"
    code.mkdir()
    (code / "bootstrap").write_text("#!/bin/sh\n")
    env = make_env("provided.al2", "x", code=code)
    env.start()
    payload = json.loads(env.invoke(request()).payload)
    assert payload["errorType"] == "Runtime.InvalidEntrypoint"
    assert payload["errorMessage"].endswith(f"fork/exec {code}/bootstrap: permission denied")


def test_unsupported_runtime_is_a_service_error(make_env):
    from lambdactl import errors

    env = make_env("dotnet8", "x::Y::z", "shell")
    with pytest.raises(errors.InvalidRuntimeException):
        env.start()
