"""Every outcome of an invocation, under awslambdaric and under lambdactl's own bootstrap."""

from __future__ import annotations

import json
import re

import pytest

from lambdactl.runtime.states import State

from .conftest import ARN, request

REPORT = re.compile(
    r"REPORT RequestId: (?P<id>\S+)\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\t(?P<rest>.*)\n$"
)


def report(log: str) -> dict[str, str]:
    match = REPORT.search(log)
    assert match, log
    rest = match["rest"]
    fields = dict(f.split(": ", 1) for f in rest.split("\t") if f)
    return {"id": match["id"], **fields}


def test_hello_cold_then_warm(python_env):
    with python_env("app.hello") as env:
        first = env.invoke(req := request(b'{"name": "lambda"}'))
        assert first.function_error is None, first.payload
        body = json.loads(first.payload)
        assert body["hello"] == "lambda"
        assert first.init_duration_ms and first.init_duration_ms > 0
        assert first.log.startswith("init: module loaded\n") or "init: module loaded" in first.log
        assert f"START RequestId: {req.request_id} Version: $LATEST\n" in first.log
        assert "hello from the handler" in first.log
        assert f"\nEND RequestId: {req.request_id}\n" in first.log
        assert report(first.log)["Init Duration"].endswith(" ms")
        assert first.log_stream == env.log_stream

        second = env.invoke(request(b'{}'))
        assert json.loads(second.payload)["pid"] == body["pid"]  # same process: warm
        assert json.loads(second.payload)["loaded_at"] == body["loaded_at"]  # no second init
        assert second.init_duration_ms is None
        assert "Init Duration" not in second.log
        assert "init: module loaded" not in second.log
        assert "hello from the handler" in second.log
        assert second.reusable and env.state is State.READY


def test_handler_exception(python_env):
    with python_env("app.boom") as env:
        result = env.invoke(request())
        assert result.function_error == "Unhandled"
        body = json.loads(result.payload)
        assert body["errorType"] == "ValueError" and body["errorMessage"] == "boom"
        assert "ValueError" in result.log
        assert "Status" not in report(result.log)
        assert result.reusable
        assert env.invoke(request()).function_error == "Unhandled"  # still serving


def test_init_error(python_env):
    with python_env("missing_module.handler") as env:
        assert env.state is State.DEAD
        result = env.invoke(request())
        assert result.function_error == "Unhandled"
        body = json.loads(result.payload)
        assert body["errorType"] == "Runtime.ImportModuleError"
        assert "missing_module" in body["errorMessage"]
        fields = report(result.log)
        assert fields["Status"] == "error" and fields["Error Type"] == "Runtime.ImportModuleError"
        assert "Init Duration" in fields
        assert not result.reusable


def test_timeout_then_fresh_environment(python_env):
    env = python_env("app.hang", timeout=1)
    with env:
        result = env.invoke(req := request())
        assert result.function_error == "Unhandled"
        assert json.loads(result.payload) == {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {req.request_id} Error: Task timed out after 1.00 seconds",
        }
        assert "hanging" in result.log
        assert re.search(rf"\n\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {req.request_id} Task timed out after 1.00 seconds\n"
                         rf"END RequestId: {req.request_id}\n", result.log)
        assert report(result.log)["Status"] == "timeout"
        assert 1000 <= result.duration_ms < 3000
        assert not result.reusable and env.state is State.DEAD
    with python_env("app.hello") as fresh:
        assert fresh.invoke(request()).function_error is None


@pytest.mark.parametrize("handler, reason", [
    ("app.exit_now", "exit status 7"),
    ("app.kill_self", "signal: killed"),
])
def test_crash(python_env, handler, reason):
    with python_env(handler) as env:
        result = env.invoke(req := request())
        assert json.loads(result.payload) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {req.request_id} Error: Runtime exited with error: {reason}",
        }
        assert result.function_error == "Unhandled" and not result.reusable
        fields = report(result.log)
        assert fields["Status"] == "error" and fields["Error Type"] == "Runtime.ExitError"
        if handler == "app.exit_now":
            assert "exiting" in result.log


def test_out_of_memory(python_env):
    with python_env("app.eat_memory", timeout=20) as env:
        result = env.invoke(req := request())
        assert result.function_error == "Unhandled" and not result.reusable
        payload = json.loads(result.payload)
        from lambdactl.backends.subprocess import Cgroup

        if env._process._cgroup is None:  # RLIMIT_AS fallback: Python raises MemoryError
            assert payload["errorType"] in ("MemoryError", "Runtime.ExitError")
            return
        assert payload == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {req.request_id} Error: Runtime exited with error: signal: killed",
        }
        fields = report(result.log)
        assert fields["Error Type"] == "Runtime.OutOfMemory"
        assert result.max_memory_used_mb >= 120
        assert Cgroup  # imported for the fallback check above


def test_response_too_large(python_env):
    with python_env("app.too_large") as env:
        result = env.invoke(request())
        assert result.function_error == "Unhandled"
        assert json.loads(result.payload) == {
            "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }


def test_environment_variables(python_env, tmp_path):
    with python_env("app.env", environment={"MY_VAR": "mine", "AWS_REGION": "eu-west-9"}) as env:
        seen = json.loads(env.invoke(request()).payload)
    spec = env.spec
    assert seen["MY_VAR"] == "mine"
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == "us-east-1"  # reserved: platform wins
    assert seen["_HANDLER"] == "app.env"
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert seen["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert seen["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert seen["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", seen["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert re.fullmatch(r"127\.0\.0\.1:\d+", seen["AWS_LAMBDA_RUNTIME_API"])
    assert seen["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{spec.runtime}"
    assert seen["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert seen["LAMBDA_TASK_ROOT"] == str(spec.code_dir)
    assert seen["TZ"] == ":UTC" and seen["LANG"] == "en_US.UTF-8"
    assert seen["TMPDIR"] == str(spec.work_dir / "tmp")
    assert seen["AWS_ACCESS_KEY_ID"] and seen["AWS_SECRET_ACCESS_KEY"]
    assert "HOME" not in seen and "PYENV_VERSION" not in seen


def test_context_and_headers(python_env):
    with python_env("app.context_info", timeout=5) as env:
        result = env.invoke(req := request(
            arn=ARN + ":prod",
            trace_id="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            client_context='{"custom": {"k": "v"}, "env": {}, "client": {}}',
            cognito_identity='{"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}',
        ))
    seen = json.loads(result.payload)
    assert seen["aws_request_id"] == req.request_id
    assert seen["invoked_function_arn"] == ARN + ":prod"
    assert seen["memory_limit_in_mb"] == "128"
    assert seen["function_version"] == "$LATEST"
    assert 3000 < seen["remaining_ms"] <= 5000
    assert seen["cognito_identity_id"] == "id-1"
    assert seen["client_context_custom"] == {"k": "v"}
    assert seen["trace_id"] == req.trace_id
    assert seen["log_stream_name"] == env.log_stream


def test_tmpdir_is_private_and_code_dir_untouched(python_env):
    with python_env("app.write_tmp") as env:
        seen = json.loads(env.invoke(request()).payload)
    assert seen["cwd"] == str(env.spec.code_dir)
    assert seen["path"].startswith(str(env.spec.work_dir))
    assert sorted(p.name for p in env.spec.code_dir.iterdir()) == ["app.py"]
