"""The Python bootstrap, run as a real process against a Runtime API (see conftest.py)."""

from __future__ import annotations

import json
import re
import sys
import time

import pytest

from .conftest import PY_BOOTSTRAP, find_python

APP = '''\
import logging, os
calls = 0

def handler(event, context):
    global calls
    calls += 1
    print("event", event)
    if event.get("fail"):
        raise ValueError("boom")
    c = context
    return {
        "calls": calls,
        "function_name": c.function_name, "function_version": c.function_version,
        "invoked_function_arn": c.invoked_function_arn, "memory_limit_in_mb": c.memory_limit_in_mb,
        "aws_request_id": c.aws_request_id, "log_group_name": c.log_group_name,
        "log_stream_name": c.log_stream_name, "remaining": c.get_remaining_time_in_millis(),
        "identity": [c.identity.cognito_identity_id, c.identity.cognito_identity_pool_id],
        "client_context": None if c.client_context is None else {
            "custom": c.client_context.custom, "env": c.client_context.env,
            "client": c.client_context.client and c.client_context.client.app_title},
        "tenant_id": c.tenant_id, "trace": os.environ.get("_X_AMZN_TRACE_ID"),
    }
'''

PY_VERSIONS = ["3.9", "3.13"]


@pytest.fixture(params=PY_VERSIONS + ["current"])
def python(request) -> str:
    if request.param == "current":
        return sys.executable
    found = find_python(request.param)
    if found is None:
        pytest.skip("python%s is not installed (looked on PATH and in ~/.pyenv)" % request.param)
    return found


@pytest.fixture
def start_python(start_runtime, python):
    def start(handler: str, files: dict[str, str], env: dict[str, str] | None = None):
        return start_runtime([python, str(PY_BOOTSTRAP)], handler, files, env)

    return start


def test_success_context_and_warm_state(start_python, runtime_api):
    proc = start_python("app.handler", {"app.py": APP})
    deadline = int(time.time() * 1000) + 5000
    out = runtime_api.invoke({"x": 1}, request_id="req-1", deadline_ms=deadline, trace_id="Root=1-a-b;Sampled=1")
    assert out.kind == "response" and out.request_id == "req-1"
    assert out.headers["Content-Type"] == "application/json"
    body = out.json
    assert body["calls"] == 1
    assert body["memory_limit_in_mb"] == "128"  # a string, as in Lambda
    assert body["function_name"] == "fn" and body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert body["aws_request_id"] == "req-1"
    assert body["log_group_name"] == "/aws/lambda/fn"
    assert body["log_stream_name"].startswith("2024/01/01/[$LATEST]")
    assert 0 < body["remaining"] <= 5000
    assert body["identity"] == [None, None]
    assert body["client_context"] is None and body["tenant_id"] is None
    assert body["trace"] == "Root=1-a-b;Sampled=1"
    # Warm: same process, module state kept; the trace id is per invocation.
    second = runtime_api.invoke({}, deadline_ms=int(time.time() * 1000) - 10).json
    assert second["calls"] == 2 and second["remaining"] == 0 and second["trace"] is None
    assert proc.proc.poll() is None
    proc.wait_for("event {'x': 1}\n")


def test_client_context_identity_and_tenant(start_python, runtime_api):
    start_python("app.handler", {"app.py": APP})
    cc = {"custom": {"k": "v"}, "env": {"e": 1}, "client": {"app_title": "t", "installation_id": "i"}}
    cognito = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
    body = runtime_api.invoke(
        {}, client_context=json.dumps(cc), cognito_identity=json.dumps(cognito), tenant_id="tenant-a"
    ).json
    assert body["client_context"] == {"custom": {"k": "v"}, "env": {"e": 1}, "client": "t"}
    assert body["identity"] == ["id-1", "pool-1"]
    assert body["tenant_id"] == "tenant-a"


def test_unhandled_exception_payload_and_log(start_python, runtime_api, tmp_path):
    proc = start_python("app.handler", {"app.py": APP})
    out = runtime_api.invoke({"fail": True}, request_id="req-err")
    assert out.kind == "error"
    assert out.headers["Lambda-Runtime-Function-Error-Type"] == "ValueError"
    cause = json.loads(out.headers["Lambda-Runtime-Function-XRay-Error-Cause"])
    assert cause["exceptions"][0]["type"] == "ValueError" and cause["paths"] == ["/var/task/app.py"]
    # Lambda's paths, not the host's (recorded: test_lambda.snapshot.json, TestLambdaErrors::test_lambda_handler_error:
    # '  File "/var/task/lambda_handler_error.py", line 2, in handler\n    raise Exception("Handler fails")\n')
    assert out.json == {
        "errorMessage": "boom",
        "errorType": "ValueError",
        "requestId": "req-err",
        "stackTrace": ['  File "/var/task/app.py", line 9, in handler\n    raise ValueError("boom")\n'],
    }
    proc.wait_for(
        '[ERROR] ValueError: boom\rTraceback (most recent call last):\r'
        '\u00a0\u00a0File "/var/task/app.py", line 9, in handler\r\u00a0\u00a0\u00a0\u00a0raise ValueError("boom")\n'
    )
    assert runtime_api.invoke({}).kind == "response"  # the environment survives a function error


@pytest.mark.parametrize(
    "handler, files, error_type, message",
    [
        ("nomod.handler", {}, "Runtime.ImportModuleError", "Unable to import module 'nomod': No module named 'nomod'"),
        ("app.nope", {"app.py": APP}, "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app'"),
        ("app", {"app.py": APP}, "Runtime.MalformedHandlerName", "Bad handler 'app': not enough values to unpack (expected 2, got 1)"),
        ("sys.handler", {}, "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module"),
        ("bad.handler", {"bad.py": "def handler(:\n"}, "Runtime.UserCodeSyntaxError", "Syntax error in module 'bad': "),
    ],
)
def test_init_errors(start_python, runtime_api, handler, files, error_type, message):
    proc = start_python(handler, files)
    out = runtime_api.wait_outcome()
    assert out.kind == "init_error"
    assert out.headers["Lambda-Runtime-Function-Error-Type"] == error_type
    body = out.json
    assert body["errorType"] == error_type and body["requestId"] == ""
    assert body["errorMessage"].startswith(message)
    assert proc.wait_exit() == 1
    assert "LAMBDA_WARNING: Unhandled exception." in proc.stdout
    assert "[ERROR] %s: %s" % (error_type, message) in proc.stdout


def test_init_exception_in_module_code(start_python, runtime_api):
    proc = start_python("boom.handler", {"boom.py": "x = 1\nraise KeyError('init')\n"})
    out = runtime_api.wait_outcome()
    body = out.json
    assert (out.kind, body["errorType"], body["errorMessage"], body["requestId"]) == ("init_error", "KeyError", "'init'", "")
    assert body["stackTrace"][-1].endswith('boom.py", line 2, in <module>\n    raise KeyError(\'init\')\n')
    assert not any("_lambdactl_python_runtime" in frame for frame in body["stackTrace"])
    # recorded (test_lambda_runtime_error): the task's frame under /var/task, the import machinery's under /var/lang
    assert body["stackTrace"][-1].startswith('  File "/var/task/boom.py"')
    assert re.match(r'  File "/var/lang/lib/python3\.\d+/importlib/__init__\.py"', body["stackTrace"][0]), body["stackTrace"]
    assert proc.wait_exit() == 1


def test_marshal_unmarshal_and_encoding(start_python, runtime_api):
    code = (
        "import decimal\n"
        "def handler(event, context):\n"
        "    kind = event['kind'] if isinstance(event, dict) else 'raw'\n"
        "    return {'set': {1}, 'none': None, 'bytes': b'raw', 'dec': {'d': decimal.Decimal('1.10'), 'u': 'é'},\n"
        "            'raw': repr(event)}[kind]\n"
    )
    start_python("app.handler", {"app.py": code}, {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
    out = runtime_api.invoke({"kind": "set"})
    assert (out.kind, out.json["errorType"]) == ("error", "Runtime.MarshalError")
    assert out.json["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"
    assert runtime_api.invoke({"kind": "none"}).body == b"null"
    out = runtime_api.invoke({"kind": "bytes"})
    assert (out.body, out.headers["Content-Type"]) == (b"raw", "application/unknown")
    assert runtime_api.invoke({"kind": "dec"}).body == '{"d": 1.10, "u": "é"}'.encode()
    out = runtime_api.invoke(b"{not json")
    assert (out.kind, out.json["errorType"]) == ("error", "Runtime.UnmarshalError")
    assert out.json["errorMessage"].startswith("Unable to unmarshal input: Expecting property name")
    assert runtime_api.invoke(b"abc", content_type="text/plain").json == "b'abc'"


def test_print_and_logging_format(start_python, runtime_api):
    code = (
        "import logging\n"
        "logging.getLogger().info('at init')\n"
        "def handler(event, context):\n"
        "    print('printed')\n"
        "    logging.getLogger('x').info('info %s', 1)\n"
        "    logging.debug('hidden')\n"
        "    context.log('via context\\n')\n"
        "    return 1\n"
    )
    proc = start_python("app.handler", {"app.py": code}, {"AWS_LAMBDA_LOG_LEVEL": "INFO"})
    runtime_api.invoke({}, request_id="req-log")
    out = proc.wait_for("via context\n")
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.search(r"\[INFO\]\t%s\t\tat init\n" % stamp, out)
    assert re.search(r"printed\n\[INFO\]\t%s\treq-log\tinfo 1\nvia context\n" % stamp, out)
    assert "hidden" not in out


def test_default_log_level_is_warning(start_python, runtime_api):
    code = "import logging\ndef handler(e, c):\n    logging.info('quiet')\n    logging.warning('loud')\n"
    proc = start_python("app.handler", {"app.py": code})
    runtime_api.invoke({}, request_id="r1")
    out = proc.wait_for("\tr1\tloud\n")
    assert "quiet" not in out and "[WARNING]\t" in out


def test_nested_handler_path_and_layers(start_python, runtime_api, tmp_path):
    layer = tmp_path / "opt" / "python"
    layer.mkdir(parents=True)
    (layer / "shared.py").write_text("VALUE = 'from layer'\n")
    files = {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/mod.py": "import shared\ndef h(e, c):\n    return shared.VALUE\n"}
    start_python("pkg/sub/mod.h", files, {"PYTHONPATH": str(layer)})
    assert runtime_api.invoke({}).json == "from layer"


def test_exits_when_runtime_api_goes_away(start_python, runtime_api):
    proc = start_python("app.handler", {"app.py": APP})
    assert runtime_api.invoke({}).kind == "response"
    runtime_api.close()  # the pending /next is answered 500 or dropped
    assert proc.wait_exit() == 1
    assert "lambdactl python runtime:" in proc.stderr
